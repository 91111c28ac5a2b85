"""WebSub: subscribe at the advertised hub, verification handshake, signed pushes (w3.org/TR/websub)."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs

import pytest

from tests.timeline.conftest import sample
from timeline.models import Feed, FeedEntry, Follow
from timeline.polling import poll_feed

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(feed_site, alice):
    """A feed advertising a hub (the loopback server plays the hub, answering 202)."""
    hub = feed_site.url("/hub")
    body = sample("ghost.rss").replace(b"<ttl>", f'<atom:link rel="hub" href="{hub}"/><ttl>'.encode())
    feed = Feed.objects.create(url=feed_site.serve("/rss/", body))
    feed_site.routes["/hub"] = type(feed_site.routes["/rss/"])(
        202, b"", content_type="text/plain", etag=False
    )
    Follow.objects.create(user=alice, feed=feed)
    poll_feed(feed.pk)
    feed.refresh_from_db()
    return feed


def test_subscribes_at_the_hub(subscribed, feed_site):
    """The poll that finds a hub sends hub.mode=subscribe with our callback, topic and a secret."""
    request = next(r for r in feed_site.requests if r.path == "/hub")
    form = parse_qs(request.body.decode())
    # The topic is the feed's rel=self URL (§4), here the one Ghost advertises.
    assert form["hub.mode"] == ["subscribe"] and form["hub.topic"] == ["https://ghost.example/rss/"]
    assert form["hub.callback"] == [f"http://microhost.test/websub/{subscribed.pk}/"]
    assert form["hub.secret"] == [subscribed.websub_secret]


def test_verification_handshake(subscribed, platform_client):
    """The hub's GET is answered with the challenge; polling then slows to the cap (push replaces it)."""
    params = {
        "hub.mode": "subscribe",
        "hub.topic": subscribed.websub_topic,
        "hub.challenge": "xyz",
        "hub.lease_seconds": "600",
    }
    response = platform_client.get(f"/websub/{subscribed.pk}/", params)
    assert response.status_code == 200 and response.content == b"xyz"
    subscribed.refresh_from_db()
    assert subscribed.websub_active
    wrong = platform_client.get(
        f"/websub/{subscribed.pk}/", {**params, "hub.topic": "https://other.example/"}
    )
    assert wrong.status_code == 404


def test_signed_push_is_ingested_and_unsigned_ignored(subscribed, platform_client):
    """A push signed with our secret adds its entries; a forged one is acknowledged and ignored."""
    body = sample("microblog.json")
    bad = platform_client.post(
        f"/websub/{subscribed.pk}/",
        body,
        content_type="application/feed+json",
        HTTP_X_HUB_SIGNATURE="sha256=00",
    )
    assert bad.status_code == 202 and not FeedEntry.objects.filter(key__contains="micro.example").exists()
    signature = hmac.new(subscribed.websub_secret.encode(), body, hashlib.sha256).hexdigest()
    good = platform_client.post(
        f"/websub/{subscribed.pk}/",
        body,
        content_type="application/feed+json",
        HTTP_X_HUB_SIGNATURE=f"sha256={signature}",
    )
    assert good.status_code == 202 and FeedEntry.objects.filter(key__contains="micro.example").count() == 2


def test_renews_before_the_lease_ends(subscribed, feed_site):
    """A lease ending within a day is renewed on the next poll, even a 304; a long lease is left alone."""
    import datetime

    from django.utils import timezone

    hub_requests = lambda: feed_site.hits("/hub")  # noqa: E731
    assert hub_requests() == 1
    Feed.objects.filter(pk=subscribed.pk).update(
        websub_expires_at=timezone.now() + datetime.timedelta(days=5),
        websub_requested_at=timezone.now() - datetime.timedelta(days=9),
    )
    poll_feed(subscribed.pk)
    assert hub_requests() == 1
    Feed.objects.filter(pk=subscribed.pk).update(
        websub_expires_at=timezone.now() + datetime.timedelta(hours=3)
    )
    assert poll_feed(subscribed.pk).status == "not_modified"
    assert hub_requests() == 2
    poll_feed(subscribed.pk)
    assert hub_requests() == 2  # asked less than a day ago: not again until it verifies or a day passes
