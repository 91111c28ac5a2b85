"""One contract, five connectors: each runs against its fake silo server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from posts.images import process_image
from posts.services import NewPhoto
from syndication.connectors import CONNECTORS, connector_for
from syndication.connectors.base import (
    Gone,
    NeedsReauth,
    PermanentFailure,
    PublishResult,
    RetryLater,
    Unknown,
)
from syndication.models import Syndication
from tests.conftest import jpeg_bytes
from tests.syndication.conftest import REMOTES

SILOS = sorted(CONNECTORS)
# 429 answers as each silo sends them (docs/silos.md): reset header shapes differ, LinkedIn has none.
RESET = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
RATE_LIMITED = {
    "mastodon": ({"error": "Too many requests"}, {"X-RateLimit-Reset": "2030-01-01T12:00:00.000Z"}),
    "tumblr": (
        {"meta": {"status": 429, "msg": "Limit Exceeded"}, "response": []},
        {"X-Ratelimit-Perhour-Reset": "120"},
    ),
    "medium": ({"errors": [{"message": "Too many requests", "code": -1}]}, {}),
    "linkedin": ({"status": 429, "message": "Resource level throttle limit exceeded"}, {}),
    "bluesky": (
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        {"RateLimit-Reset": str(int(RESET.timestamp()))},
    ),
}
INVALID = {
    "mastodon": (422, {"error": "Validation failed: Text can't be blank"}, "Text can't be blank"),
    "tumblr": (
        400,
        {"meta": {"status": 400, "msg": "Bad Request"}, "errors": [{"title": "Invalid NPF", "code": 8001}]},
        "Invalid NPF",
    ),
    "medium": (400, {"errors": [{"message": "Title is too long", "code": 2004}]}, "Title is too long"),
    "linkedin": (422, {"message": "ERROR :: /commentary :: too long", "status": 422}, "ERROR :: /commentary"),
    "bluesky": (
        400,
        {"error": "InvalidRequest", "message": "Record/text must not be longer than 300 graphemes"},
        "300 graphemes",
    ),
}


@pytest.fixture(params=SILOS)
def case(request, alice, connect, fakes):
    """(connector, remote) for one silo, connected as alice."""
    connection = connect(alice, request.param)
    return connector_for(connection), REMOTES[request.param](fakes[request.param])


def _row(post, connector, **fields) -> Syndication:
    return Syndication.objects.create(
        post=post, connection=connector.connection, user=post.blog.user, **fields
    )


def test_publish_returns_url_and_id_and_posts_once(case, alice, make_post) -> None:
    """publish() creates exactly one copy on the silo and returns its URL and remote id."""
    connector, remote = case
    post = make_post(alice, "Hello from the contract test https://example.com/x")
    result = connector.publish(post, key="k1")
    assert isinstance(result, PublishResult)
    assert result.url.startswith("http") and result.remote_id
    assert len(remote.copies()) == 1
    assert len(remote.fake.calls("POST", remote.create_path)) == 1


def test_preview_counts_as_the_silo_and_fits(case, alice, make_post) -> None:
    """A long note is cut at a word boundary with … and the permalink, within the silo's count."""
    connector, _ = case
    post = make_post(alice, "word " * 2000)
    preview = connector.preview(post)
    assert preview.count <= preview.limit
    if connector.NAME in ("mastodon", "bluesky", "linkedin"):
        assert preview.text.endswith(f"… {post.get_absolute_url()}")
        assert "word wo…" not in preview.text


def test_short_note_goes_whole_without_link(case, alice, make_post) -> None:
    """A note that fits is posted whole, with no link home appended (feed silos)."""
    connector, _ = case
    post = make_post(alice, "Short and sweet.")
    text = connector.preview(post).text
    if connector.NAME in ("mastodon", "bluesky", "linkedin"):
        assert text == "Short and sweet."
    else:
        assert "Short and sweet." in text


def test_rate_limit_is_retry_later_at_the_reset_time(case, alice, make_post) -> None:
    """429 becomes RetryLater, at the time the silo's reset header names (R19)."""
    connector, remote = case
    body, headers = RATE_LIMITED[connector.NAME]
    remote.fake.fail("POST", remote.create_path, 429, body, headers)
    with pytest.raises(RetryLater) as raised:
        connector.publish(make_post(alice, "limited"), key="k")
    if connector.NAME in ("mastodon", "bluesky"):
        assert raised.value.after == RESET
    elif connector.NAME == "tumblr":
        assert timedelta(seconds=100) < raised.value.after - timezone.now() <= timedelta(seconds=120)
    else:
        assert raised.value.after is None  # no header: our backoff decides
    assert remote.copies() == {}


def test_revoked_token_needs_reauth(case, alice, make_post) -> None:
    """401 (revoked) asks the owner to reconnect."""
    connector, remote = case
    remote.fake.fail("POST", remote.create_path, 401, {"error": "The access token is invalid"})
    with pytest.raises(NeedsReauth):
        connector.publish(make_post(alice, "revoked"), key="k")


def test_validation_error_is_permanent_with_the_silos_message(case, alice, make_post) -> None:
    """4xx validation fails for good, with the silo's own message."""
    connector, remote = case
    status, body, said = INVALID[connector.NAME]
    remote.fake.fail("POST", remote.create_path, status, body)
    with pytest.raises(PermanentFailure) as raised:
        connector.publish(make_post(alice, "invalid"), key="k")
    assert said in str(raised.value)


def test_server_error_after_sending_is_unknown_unless_idempotent(case, alice, make_post) -> None:
    """500 on create: Mastodon (Idempotency-Key) retries; the others become Unknown (R18)."""
    connector, remote = case
    remote.fake.fail("POST", remote.create_path, 500, {"error": "boom"}, process=True)
    expected = RetryLater if connector.IDEMPOTENT else Unknown
    with pytest.raises(expected):
        connector.publish(make_post(alice, "maybe"), key="k")


def test_timeout_after_sending_is_unknown_unless_idempotent(case, alice, make_post) -> None:
    """A create that times out after it was sent: retry only with an idempotency key (R18)."""
    connector, remote = case
    remote.fake.fail("POST", remote.create_path, 200, {}, delay=3, process=True)
    expected = RetryLater if connector.IDEMPOTENT else Unknown
    with pytest.raises(expected):
        connector.publish(make_post(alice, "slow"), key="k")


def test_503_before_processing_retries(case, alice, make_post) -> None:
    """503 (not processed) is retried on every silo (R18)."""
    connector, remote = case
    remote.fake.fail("POST", remote.create_path, 503, {"error": "unavailable"})
    with pytest.raises(RetryLater):
        connector.publish(make_post(alice, "later"), key="k")


def test_update_reaches_the_copy_where_the_silo_allows(case, alice, make_post) -> None:
    """update() changes the copy (Mastodon, Tumblr, LinkedIn) or says the silo cannot."""
    connector, remote = case
    post = make_post(alice, "before the edit")
    result = connector.publish(post, key="k")
    row = _row(post, connector, url=result.url, remote_id=result.remote_id, extra=result.extra, state="done")
    if not connector.CAN_UPDATE:
        with pytest.raises(PermanentFailure):
            connector.update(post, row, text="after the edit")
        return
    connector.update(post, row, text="after the edit")
    assert "after the edit" in str(remote.copies())


def test_delete_removes_the_copy_where_the_silo_allows(case, alice, make_post) -> None:
    """delete() removes the copy (all but Medium); a second delete is Gone or a no-op."""
    connector, remote = case
    post = make_post(alice, "to be deleted")
    result = connector.publish(post, key="k")
    row = _row(post, connector, url=result.url, remote_id=result.remote_id, extra=result.extra, state="done")
    if not connector.CAN_DELETE:
        with pytest.raises(PermanentFailure):
            connector.delete(row)
        return
    connector.delete(row)
    assert remote.copies() == {}
    try:
        connector.delete(row)
    except Gone:
        pass


def test_photos_go_with_their_alt_text(case, alice, make_post, settings) -> None:
    """Uploaded photos reach silos that take media, with alt text."""
    connector, remote = case
    photo = NewPhoto(process_image(jpeg_bytes(800, 600)), alt="A teal square")
    post = make_post(alice, "With a photo", photos=[photo])
    connector.publish(post, key="k")
    sent = str(remote.fake.requests[-5:])
    if connector.NAME == "mastodon":
        assert [m["description"] for m in remote.fake.media_items.values()] == ["A teal square"]
    elif connector.NAME == "medium":
        assert 'alt="A teal square"' in str(remote.copies())
    else:
        assert "A teal square" in str(remote.copies()) or "A teal square" in sent


@pytest.mark.parametrize("silo", ["bluesky", "linkedin"])
def test_articles_get_a_link_card_we_build(silo, alice, connect, fakes, make_post) -> None:
    """Bluesky and LinkedIn do not unfurl links: an article's copy carries a card with title and summary."""
    connector = connector_for(connect(alice, silo))
    post = make_post(alice, "Body " * 50, name="A titled article", summary="The gist.")
    connector.publish(post, key="k")
    [sent] = REMOTES[silo](fakes[silo]).copies().values()
    card = sent["embed"]["external"] if silo == "bluesky" else sent["content"]["article"]
    assert card["title"] == "A titled article" and card["description"] == "The gist."
    assert post.get_absolute_url() in (card.get("uri"), card.get("source"))


@pytest.mark.parametrize("silo", ["linkedin", "medium"])
def test_retry_after_is_honoured_where_the_silo_sends_it(silo, alice, connect, fakes, make_post) -> None:
    """R19: a 429 with Retry-After: 120 (no silo-specific header) waits at least that long."""
    connector = connector_for(connect(alice, silo))
    remote = REMOTES[silo](fakes[silo])
    remote.fake.fail("POST", remote.create_path, 429, {"message": "Too many"}, {"Retry-After": "120"})
    with pytest.raises(RetryLater) as raised:
        connector.publish(make_post(alice, "limited"), key="k")
    assert timedelta(seconds=115) < raised.value.after - timezone.now() <= timedelta(seconds=120)
