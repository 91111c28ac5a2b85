"""The Microsub server (indieweb.org/Microsub-spec): reader apps read and manage the timeline."""
