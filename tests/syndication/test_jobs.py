"""Delivery jobs end to end against the fake silos: R15-R21 (security-and-reliability.md §4).

Transactional tests, so post_changed fires on commit as in production; messages go to an in-memory
broker and `drain` runs them the way one worker would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from posts.models import Post
from posts.services import update_post
from syndication.models import Syndication
from syndication.services import delivery, dispatch
from syndication.tasks import run_lane, sweep
from tests.syndication.conftest import drain

pytestmark = pytest.mark.django_db(transaction=True)
S = Syndication.State


def _row(post) -> Syndication:
    return Syndication.objects.get(post=post)


def test_one_row_per_post_and_connection(alice, connect, make_post, broker) -> None:
    """R15: (post, connection) is unique; a second row for the same pair is refused by the database."""
    connection = connect(alice, "mastodon")
    post = make_post(alice, "Once")
    assert _row(post).state == S.PENDING
    with pytest.raises(IntegrityError), transaction.atomic():
        Syndication.objects.create(post=post, connection=connection, user=alice)


def test_rolled_back_post_enqueues_nothing(alice, connect, make_post, broker) -> None:
    """R16: a post saved in a transaction that rolls back leaves no row and sends no message."""
    connect(alice, "mastodon")
    with pytest.raises(RuntimeError), transaction.atomic():
        make_post(alice, "Never happened")
        raise RuntimeError
    assert not Syndication.objects.exists()
    assert broker == []


def test_committed_post_is_delivered_once_and_shown(
    alice, connect, make_post, broker, fakes, blog_client
) -> None:
    """After commit the lane message finds the row; the copy's URL lands in u-syndication and q=source."""
    connect(alice, "mastodon")
    post = make_post(alice, "Hello Mastodon")
    assert [m.task for m in broker] == ["syndication.run_lane"]
    assert isinstance(broker[0].args[0], int)  # R21: ids, never tokens
    drain(broker)
    row = _row(post)
    assert row.state == S.DONE and len(fakes["mastodon"].statuses) == 1
    post.refresh_from_db()
    assert post.syndication == [row.url]
    page = blog_client(alice).get(post.path)
    assert f'class="u-syndication" rel="syndication" href="{row.url}"' in page.content.decode()
    token = StringIO()
    call_command("mint_token", "alice", "--scope", "create", stdout=token)
    source = blog_client(alice).get(
        f"/micropub?q=source&url={post.get_absolute_url()}",
        HTTP_AUTHORIZATION=f"Bearer {token.getvalue().strip()}",
    )
    assert source.json()["properties"]["syndication"] == [row.url]


def test_recording_the_copy_does_not_loop(alice, connect, make_post, broker, fakes) -> None:
    """update_post(syndication=…) re-sends post_changed; an unchanged copy fingerprint sends no edit."""
    connect(alice, "mastodon")
    post = make_post(alice, "No loop")
    drain(broker)
    drain(broker)
    assert fakes["mastodon"].calls("PUT", "/api/v1/statuses/") == []
    assert _row(post).state == S.DONE and _row(post).attempts == 1


def test_edit_and_delete_reach_the_copy(alice, connect, make_post, broker, fakes) -> None:
    """An edit of the text updates the Mastodon copy; deleting the post deletes the copy and its URL."""
    connect(alice, "mastodon")
    post = make_post(alice, "First words")
    drain(broker)
    update_post(post=post, properties={"content": ["Better words"]})
    drain(broker)
    assert [s["content"] for s in fakes["mastodon"].statuses.values()] == ["Better words"]
    from posts.services import delete_post

    delete_post(post=Post.objects.get(pk=post.pk))
    drain(broker)
    assert fakes["mastodon"].statuses == {} and _row(post).state == S.DELETED
    assert Post.objects.get(pk=post.pk).syndication == []


def test_sweep_delivers_rows_whose_message_was_lost(alice, connect, make_post, broker, fakes) -> None:
    """R16: with the message lost (broker down at commit), the beat sweep re-enqueues and it goes once."""
    connect(alice, "mastodon")
    post = make_post(alice, "Lost message")
    broker.clear()  # the message never reached the broker
    from syndication.models import Lane

    Lane.objects.update(run_at=timezone.now() - timedelta(minutes=5))
    sweep()
    drain(broker)
    sweep()
    drain(broker)
    assert _row(post).state == S.DONE and len(fakes["mastodon"].statuses) == 1


def test_abandoned_mastodon_send_is_repeated_with_the_same_key(
    alice, connect, make_post, broker, fakes, settings
) -> None:
    """R17: the worker died after Mastodon took the status: the repeat (same Idempotency-Key) gets
    the same status back, so exactly one exists and the post shows its URL."""
    settings.SYNDICATION_STALE_SENDING_SECONDS = 0
    settings.SYNDICATION_LANE_STALE_SECONDS = 0
    connect(alice, "mastodon")
    post = make_post(alice, "Exactly once")
    broker.clear()
    row = _row(post)
    claimed, _ = delivery.claim(row.pk)  # the dead worker's part: marked sending, POST sent...
    from syndication.connectors import connector_for

    connector_for(claimed.connection).publish(post, key=delivery.idempotency_key(claimed))  # ...answer lost
    sweep()
    drain(broker)
    assert len(fakes["mastodon"].statuses) == 1
    assert len(fakes["mastodon"].calls("POST", "/api/v1/statuses")) == 2
    assert _row(post).state == S.DONE
    assert Post.objects.get(pk=post.pk).syndication == [_row(post).url]


def test_abandoned_send_without_idempotency_becomes_unknown(
    alice, connect, make_post, broker, fakes, settings
) -> None:
    """R18: a Tumblr create abandoned mid-flight is `unknown`, shown, and never sent again by itself."""
    settings.SYNDICATION_STALE_SENDING_SECONDS = 0
    settings.SYNDICATION_LANE_STALE_SECONDS = 0
    connect(alice, "tumblr")
    post = make_post(alice, "Maybe posted")
    broker.clear()
    delivery.claim(_row(post).pk)
    sweep()
    drain(broker)
    sweep()
    drain(broker)
    assert _row(post).state == S.UNKNOWN and "check Tumblr" in _row(post).last_error
    assert fakes["tumblr"].calls("POST", "/posts$") == []


def test_server_error_on_tumblr_is_unknown_not_retried(alice, connect, make_post, broker, fakes) -> None:
    """R18: a 500 after Tumblr got the post marks it unknown; no second create follows."""
    connect(alice, "tumblr")
    fakes["tumblr"].fail(
        "POST", r"/posts$", 500, {"meta": {"status": 500, "msg": "Server Error"}}, process=True
    )
    post = make_post(alice, "Server error")
    drain(broker)
    sweep()
    drain(broker)
    assert _row(post).state == S.UNKNOWN
    assert len(fakes["tumblr"].calls("POST", "/posts$")) == 1


def test_rate_limit_waits_until_the_reset(alice, connect, make_post, broker, fakes) -> None:
    """R19: 429 + X-RateLimit-Reset: the next attempt is at that time, countdown < visibility timeout."""
    connect(alice, "mastodon")
    reset = timezone.now() + timedelta(minutes=10)
    stamp = reset.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    fakes["mastodon"].fail(
        "POST", "/api/v1/statuses", 429, {"error": "Too many requests"}, {"X-RateLimit-Reset": stamp}
    )
    post = make_post(alice, "Limited")
    drain(broker)
    row = _row(post)
    assert row.state == S.PENDING
    assert abs((row.next_attempt_at - reset.replace(microsecond=0)).total_seconds()) < 1
    assert broker and 0 < broker[-1].countdown <= dispatch.MAX_COUNTDOWN < 3600


def test_backoff_has_jitter_and_bounds() -> None:
    """R20: the first retry within seconds, later ones grow to at most 50 minutes, never the same twice."""
    first = {dispatch.backoff(1).total_seconds() for _ in range(20)}
    assert max(first) <= dispatch.BACKOFF_FIRST and len(first) > 1
    assert max(dispatch.backoff(n).total_seconds() for n in range(1, 30)) <= dispatch.BACKOFF_MAX < 3600


def test_attempts_are_finite_and_end_failed_with_the_last_error(
    alice, connect, make_post, broker, fakes
) -> None:
    """R20: retries stop after MAX_ATTEMPTS; the row is failed with the last error."""
    connect(alice, "mastodon")
    fakes["mastodon"].fail("POST", "/api/v1/statuses", 503, {"error": "Unavailable"}, times=100)
    post = make_post(alice, "Doomed")
    for _ in range(dispatch.MAX_ATTEMPTS):
        Syndication.objects.filter(pk=_row(post).pk).update(next_attempt_at=timezone.now())
        dispatch.kick(alice.pk)
        drain(broker)
    row = _row(post)
    assert row.state == S.FAILED and row.attempts == dispatch.MAX_ATTEMPTS
    assert "Unavailable" in row.last_error


def test_revoked_token_fails_at_once_flags_and_emails(
    alice, connect, make_post, broker, fakes, logged_in
) -> None:
    """R20: 401 fails the copy at once, flags the connection, emails the owner once, shows a banner."""
    connection = connect(alice, "mastodon")
    fakes["mastodon"].tokens.clear()
    first, second = make_post(alice, "One"), make_post(alice, "Two")
    drain(broker)
    assert _row(first).state == S.FAILED and _row(second).state == S.FAILED
    connection.refresh_from_db()
    assert connection.needs_reauth and "invalid" in connection.reauth_reason
    assert len(mail.outbox) == 1 and "Reconnect" in mail.outbox[0].subject
    page = logged_in.get("/settings/connections/").content.decode()
    assert "needs reconnecting" in page


def test_reconnecting_requeues_copies_that_failed_for_auth(alice, connect, make_post, broker, fakes) -> None:
    """After reconnecting, copies that failed only because of the dead token go out."""
    connect(alice, "mastodon")
    fakes["mastodon"].tokens.clear()
    post = make_post(alice, "Again")
    drain(broker)
    fakes["mastodon"].tokens.add("masto-token")
    connect(alice, "mastodon")
    dispatch.kick(alice.pk)
    drain(broker)
    assert _row(post).state == S.DONE


def test_task_options_are_safe() -> None:
    """R21: acks_late + reject_on_worker_lost on the lane task (exactly-once rules), limits < 1 h."""
    assert run_lane.acks_late and run_lane.reject_on_worker_lost
    assert run_lane.time_limit < 3600 and sweep.time_limit < 3600


def test_one_users_backlog_does_not_delay_another(alice, bob, connect, make_post, broker, fakes) -> None:
    """Fairness: with 60 of alice's copies queued, bob's single copy goes out within two turns."""
    connection = connect(alice, "mastodon")
    connect(bob, "mastodon")
    posts = [make_post(alice, f"Backlog {n}", mp_syndicate_to="none") for n in range(60)]
    Syndication.objects.bulk_create(
        [
            Syndication(post=p, connection=connection, user=alice, next_attempt_at=timezone.now())
            for p in posts
        ]
    )
    dispatch.kick(alice.pk)
    broker.clear()
    dispatch.kick(alice.pk)
    from syndication.models import Lane

    Lane.objects.filter(user=alice).update(run_at=None)
    dispatch.kick(alice.pk)
    bobs = make_post(bob, "Just one")
    drain(broker, until=lambda: _row(bobs).state == S.DONE)
    alice_done = Syndication.objects.filter(user=alice, state=S.DONE).count()
    assert _row(bobs).state == S.DONE and alice_done <= 2


def test_reply_to_own_copied_post_threads_on_mastodon(alice, connect, make_post, broker, fakes) -> None:
    """A reply to one's own post that has a Mastodon copy becomes a native reply to that copy."""
    connect(alice, "mastodon")
    parent = make_post(alice, "Thread start")
    drain(broker)
    reply = make_post(alice, "Thread continues", in_reply_to=parent.get_absolute_url())
    drain(broker)
    statuses = fakes["mastodon"].statuses
    assert statuses[_row(reply).remote_id]["in_reply_to_id"] == _row(parent).remote_id


def test_bluesky_logs_in_once_and_refreshes(alice, connect, make_post, broker, fakes) -> None:
    """Bluesky: one createSession at connect; an expired access JWT is refreshed, never a new login."""
    fakes["bluesky"].access_seconds = 1
    connect(alice, "bluesky")
    for n in range(3):
        make_post(alice, f"Sky {n} https://example.com/{n}")
    drain(broker)
    assert fakes["bluesky"].logins == 1
    assert fakes["bluesky"].calls("POST", "refreshSession")
    assert Syndication.objects.filter(state=S.DONE).count() == 3


def test_draft_copies_wait_until_published(alice, connect, make_post, broker, fakes) -> None:
    """A draft's copies are held; publishing releases them."""
    connect(alice, "mastodon")
    draft = make_post(alice, "Not yet", post_status="draft")
    drain(broker)
    assert _row(draft).state == S.HELD and fakes["mastodon"].statuses == {}
    update_post(post=draft, properties={"post-status": ["published"]})
    drain(broker)
    assert _row(draft).state == S.DONE


def test_mp_syndicate_to_chooses_and_defaults_apply(alice, connect, make_post, broker) -> None:
    """mp-syndicate-to picks connections by uid; none named → on-by-default ones; "none" → no copies."""
    masto = connect(alice, "mastodon")
    medium = connect(alice, "medium", on_by_default=False)
    chosen = make_post(alice, "Chosen", mp_syndicate_to=medium.uid)
    default = make_post(alice, "Default")
    nothing = make_post(alice, "Nothing", mp_syndicate_to="none")
    assert [r.connection for r in Syndication.objects.filter(post=chosen)] == [medium]
    assert [r.connection for r in Syndication.objects.filter(post=default)] == [masto]
    assert not Syndication.objects.filter(post=nothing).exists()


def test_likes_and_private_posts_are_never_copied(alice, connect, make_post, broker) -> None:
    """Likes, reposts and bookmarks of others' posts, and private posts, get no copies."""
    connect(alice, "mastodon")
    make_post(alice, "", like_of="https://example.com/")
    make_post(alice, "Secret", visibility="private")
    assert not Syndication.objects.exists()


def test_rate_limit_reset_parsing_is_utc() -> None:
    """Mastodon's reset time is ISO 8601 with Z (api/rate-limits)."""
    from syndication.connectors.mastodon import MastodonHTTP

    class R:
        headers = {"X-RateLimit-Reset": "2030-01-01T12:00:00.000Z"}

    assert MastodonHTTP().retry_at(R()) == datetime(2030, 1, 1, 12, tzinfo=UTC)


def test_an_answer_not_shaped_like_the_api_is_never_left_sending(
    alice, connect, make_post, broker, fakes
) -> None:
    """A 201 without an id (Tumblr may have posted it) ends `unknown`, not stuck in `sending`."""
    connect(alice, "tumblr")
    fakes["tumblr"].fail("POST", r"/posts$", 201, {"meta": {"status": 201, "msg": "Created"}, "response": {}})
    post = make_post(alice, "Odd answer")
    drain(broker)
    assert _row(post).state == S.UNKNOWN and "Unexpected error" in _row(post).last_error
