"""syndication URLs on the platform host."""

from django.urls import path

from syndication.views import connect, connections

urlpatterns = [
    path("settings/connections/", connections.index, name="syndication_connections"),
    path("settings/connections/mastodon/", connect.mastodon_start, name="syndication_mastodon"),
    path(
        "settings/connections/mastodon/callback/",
        connect.mastodon_callback,
        name="syndication_mastodon_callback",
    ),
    path("settings/connections/tumblr/", connect.tumblr_start, name="syndication_tumblr"),
    path(
        "settings/connections/tumblr/callback/", connect.tumblr_callback, name="syndication_tumblr_callback"
    ),
    path("settings/connections/linkedin/", connect.linkedin_start, name="syndication_linkedin"),
    path(
        "settings/connections/linkedin/callback/",
        connect.linkedin_callback,
        name="syndication_linkedin_callback",
    ),
    path("settings/connections/medium/", connect.medium_connect, name="syndication_medium"),
    path("settings/connections/bluesky/", connect.bluesky_connect, name="syndication_bluesky"),
    path(
        "settings/connections/<int:connection_id>/default/",
        connections.toggle_default,
        name="syndication_default",
    ),
    path("settings/connections/<int:connection_id>/blog/", connections.choose_blog, name="syndication_blog"),
    path(
        "settings/connections/<int:connection_id>/disconnect/",
        connections.disconnect,
        name="syndication_disconnect",
    ),
    path("syndication/<int:syndication_id>/retry/", connections.retry, name="syndication_retry"),
]
