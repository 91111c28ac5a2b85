"""HTTP endpoints of the IndieAuth server: thin views over accounts.indieauth's functions."""
