"""Syndication's own settings: a Django setting SYNDICATION_<NAME> wins, else the environment
variable of the same name, else the default. Silo endpoints are settings so tests and the benchmark
point them at fake silo servers on loopback."""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, str] = {
    # Tumblr OAuth 2 app (https://www.tumblr.com/oauth/apps) and API.
    "TUMBLR_CLIENT_ID": "",
    "TUMBLR_CLIENT_SECRET": "",
    "TUMBLR_AUTHORIZE_URL": "https://www.tumblr.com/oauth2/authorize",
    "TUMBLR_API_URL": "https://api.tumblr.com",
    # Medium (integration tokens only; the API is archived).
    "MEDIUM_API_URL": "https://api.medium.com",
    # LinkedIn app with "Sign In with LinkedIn using OpenID Connect" and "Share on LinkedIn".
    "LINKEDIN_CLIENT_ID": "",
    "LINKEDIN_CLIENT_SECRET": "",
    "LINKEDIN_OAUTH_URL": "https://www.linkedin.com/oauth/v2",
    "LINKEDIN_API_URL": "https://api.linkedin.com",
    "LINKEDIN_VERSION": "202603",  # LinkedIn-Version header, YYYYMM; versions sunset after a year (426)
    # Bluesky entryway for createSession; the account's PDS then comes from its DID document.
    "BLUESKY_SERVICE_URL": "https://bsky.social",
    # Seconds one silo call may take (media uploads included) before it counts as a timeout.
    "CALL_TIMEOUT_SECONDS": "30",
    # A copy left "sending" this long was abandoned by a dead worker (must exceed one silo call).
    "STALE_SENDING_SECONDS": "300",
    # A lane message this late was lost (e.g. Redis flushed): the sweep queues a new one.
    "LANE_STALE_SECONDS": "120",
}


def conf(name: str) -> str:
    value = getattr(settings, f"SYNDICATION_{name}", None)
    if value is None:
        value = os.environ.get(f"SYNDICATION_{name}", DEFAULTS[name])
    return str(value)
