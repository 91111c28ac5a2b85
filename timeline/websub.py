"""WebSub subscriber (w3.org/TR/websub §5): subscribe at the advertised hub, answer the
verification handshake, take signed pushes; polling carries on at the slowest rate as a fallback."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging

from django.utils import timezone

from accounts.urls_util import platform_url
from microhost.fetch import FetchError, post_form
from timeline.models import Feed

log = logging.getLogger(__name__)
LEASE_SECONDS = 10 * 24 * 3600  # what we ask for; the hub decides (§5.1)
# X-Hub-Signature algorithms a hub may use (§7); sha1 is the spec's minimum.
ALGORITHMS = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


def callback_url(feed: Feed) -> str:
    return platform_url(f"/websub/{feed.pk}/")


def subscribe(feed: Feed) -> bool:
    """Ask the hub for pushes (§5.1); True when the hub accepted the request (202)."""
    secret = feed.new_websub_secret()
    feed.websub_requested_at = timezone.now()
    Feed.objects.filter(pk=feed.pk).update(websub_secret=secret, websub_requested_at=feed.websub_requested_at)
    data = {
        "hub.mode": "subscribe",
        "hub.topic": feed.websub_topic or feed.url,
        "hub.callback": callback_url(feed),
        "hub.secret": secret,
        "hub.lease_seconds": str(LEASE_SECONDS),
    }
    try:
        response = post_form(feed.websub_hub, data)
    except FetchError as exc:
        log.info("WebSub subscribe to %s failed: %s", feed.websub_hub, exc)
        return False
    return response.status_code in (200, 202, 204)


def verify_intent(feed: Feed, params: dict[str, str]) -> str | None:
    """The challenge to echo when the hub confirms a subscription we asked for (§5.3), else None."""
    if params.get("hub.mode") != "subscribe" or not feed.websub_hub:
        return None
    if params.get("hub.topic") != (feed.websub_topic or feed.url) or not params.get("hub.challenge"):
        return None
    lease = params.get("hub.lease_seconds", "")
    seconds = int(lease) if lease.isdigit() else LEASE_SECONDS
    feed.websub_expires_at = timezone.now() + datetime.timedelta(seconds=seconds)
    Feed.objects.filter(pk=feed.pk).update(websub_expires_at=feed.websub_expires_at)
    return params["hub.challenge"]


def signature_ok(feed: Feed, body: bytes, header: str) -> bool:
    """X-Hub-Signature: method=hex HMAC of the body with our secret (§7); unsigned pushes are refused."""
    method, _, signature = header.partition("=")
    algorithm = ALGORITHMS.get(method.strip().lower())
    if algorithm is None or not feed.websub_secret:
        return False
    expected = hmac.new(feed.websub_secret.encode(), body, algorithm).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())
