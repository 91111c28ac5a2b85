"""Sending: on publish/update/delete (after commit), to old and new targets, retries, SSRF, local delivery."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from posts.models import Post
from posts.services import delete_post, update_post
from tests.webmention.conftest import Page
from webmention.models import Outgoing, Received
from webmention.send import deliver, queue_post
from webmention.verify import verify_received

pytestmark = pytest.mark.django_db

ENDPOINT_HEADERS = {"Content-Type": "text/html", "Link": "</endpoint>; rel=webmention"}


def send_all(post) -> dict[str, Outgoing]:
    for row_id in queue_post(post.pk):
        deliver(row_id)
    return {row.target: row for row in Outgoing.objects.filter(post=post)}


@pytest.fixture
def target_site(site):
    """A site with three pages sharing one endpoint that records each POST and answers 202."""
    for path in ("/a", "/b", "/c"):
        site.pages[path] = Page("<p>a page</p>", headers=ENDPOINT_HEADERS)
    site.pages["/endpoint"] = Page("accepted", status=202, headers={"Content-Type": "text/plain"})
    return site


def sent_targets(site) -> list[str]:
    return [parse_qs(r.body.decode())["target"][0] for r in site.posts_to("/endpoint")]


def jobs_queued(capture, change) -> int:
    """How many webmention jobs change() queues: its commit hooks run (post_changed is sent from one),
    and the webmention hooks they register in turn are counted."""
    with capture() as outer:
        post = change()
    with capture() as inner:
        for callback in outer:
            callback()  # the commit happens: post_changed reaches webmention.apps.send_on_change
    assert post is not None
    return len([callback for callback in inner if callback.__module__.startswith("webmention.")])


def test_post_changed_queues_a_job_after_commit(alice, make_post, django_capture_on_commit_callbacks):
    """A post that links somewhere: the post's own on-commit signal queues one job, nothing sooner."""
    capture = django_capture_on_commit_callbacks
    assert jobs_queued(capture, lambda: make_post(alice, "see [this](https://else.example/a)")) == 1


@pytest.mark.parametrize(
    "properties",
    [{"in_reply_to": "https://else.example/a"}, {"like_of": "https://else.example/a"}],
)
def test_a_response_without_content_links_is_sent(
    alice, make_post, properties, django_capture_on_commit_callbacks
):
    """in-reply-to/like-of name a target of their own: a job even with plain content."""
    assert jobs_queued(django_capture_on_commit_callbacks, lambda: make_post(alice, "yes", **properties)) == 1


def test_a_post_that_links_nowhere_queues_no_job(alice, make_post, django_capture_on_commit_callbacks):
    """A note without links, created, edited or deleted, never told anyone: no job at all (issue 7)."""
    capture = django_capture_on_commit_callbacks
    post = make_post(alice, "just a thought")
    assert jobs_queued(capture, lambda: make_post(alice, "another thought")) == 0
    assert jobs_queued(capture, lambda: update_post(post=post, properties={"content": ["edited"]})) == 0
    assert jobs_queued(capture, lambda: delete_post(post=post)) == 0


def test_removing_every_link_still_resends(alice, make_post, django_capture_on_commit_callbacks):
    """An edit (or delete) of a post that sent before but links nowhere now re-sends: the old targets
    must hear that the link is gone (§3.1.4)."""
    capture = django_capture_on_commit_callbacks
    post = make_post(alice, "see [this](https://else.example/a)")
    assert queue_post(post.pk)  # an Outgoing row per target, as the job makes
    assert jobs_queued(capture, lambda: update_post(post=post, properties={"content": ["no links"]})) == 1
    assert jobs_queued(capture, lambda: delete_post(post=Post.objects.get(pk=post.pk))) == 1


def test_private_posts_queue_no_job(alice, make_post, django_capture_on_commit_callbacks):
    """A private post announces nothing, so it needs no job either."""
    capture = django_capture_on_commit_callbacks
    created = lambda: make_post(alice, "[a](https://else.example/a)", visibility="private")  # noqa: E731
    assert jobs_queued(capture, created) == 0


def test_update_sends_to_new_and_removed_targets(target_site, alice, make_post):
    """webmention.rocks Update #1/#2: after an edit, added and removed links all get a webmention."""
    a, b, c = (target_site.url(p) for p in ("/a", "/b", "/c"))
    post = make_post(alice, f"[a]({a}) [b]({b})")
    send_all(post)
    assert sorted(sent_targets(target_site)) == [a, b]
    post = update_post(post=post, properties={"content": [f"[a]({a}) [c]({c})"]})
    rows = send_all(post)
    assert sorted(sent_targets(target_site)) == sorted([a, b, a, b, c])
    assert set(rows) == {a, b, c} and all(row.state == "sent" for row in rows.values())


def test_delete_resends_to_every_target_and_the_source_is_gone(target_site, alice, make_post, blog_client):
    """webmention.rocks Delete #1: after deletion the post answers 410 and every target is told again."""
    a, b = target_site.url("/a"), target_site.url("/b")
    post = make_post(alice, f"[a]({a})", in_reply_to=b)
    send_all(post)
    post = delete_post(post=post)
    assert blog_client(alice).get(post.path).status_code == 410
    send_all(post)
    assert sorted(sent_targets(target_site)) == sorted([a, b, a, b])
    assert {parse_qs(r.body.decode())["source"][0] for r in target_site.posts_to("/endpoint")} == {
        post.get_absolute_url()
    }


def test_drafts_and_private_posts_send_nothing(target_site, alice, make_post):
    """A draft or private post announces nothing (no leak of a private post's URL)."""
    a = target_site.url("/a")
    make_post(alice, f"[a]({a})", post_status="draft")
    private = make_post(alice, f"[a]({a})", visibility="private")
    assert queue_post(private.pk) == []
    assert target_site.requests == []


def test_private_address_endpoint_gets_no_post(site, alice, make_post, settings, network):
    """A public target whose endpoint is on loopback: discovery works, the endpoint gets nothing (R5)."""
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = False
    network.names["public.example"] = ["93.184.215.14"]
    network.route("93.184.215.14", 80, site.server)
    site.pages["/page"] = Page("<p>hi</p>", headers={"Link": f"<{site.url('/endpoint')}>; rel=webmention"})
    post = make_post(alice, "[x](http://public.example/page)")
    [row] = send_all(post).values()
    assert row.state == "failed" and row.endpoint == site.url("/endpoint"), row.error
    assert "private" in row.error or "refused" in row.error.lower(), row.error
    assert [r.method for r in site.requests] == ["GET"]


@pytest.mark.parametrize(
    ("status", "retried"), [(500, True), (503, True), (429, True), (400, False), (404, False)]
)
def test_retries_only_for_5xx_and_429(site, alice, make_post, status, retried):
    """5xx and 429 leave the row pending with a later attempt; other 4xx fail at once with the reason."""
    site.pages["/t"] = Page("<p>t</p>", headers={"Link": "</endpoint>; rel=webmention"})
    site.pages["/endpoint"] = Page("no thanks", status=status, headers={"Content-Type": "text/plain"})
    post = make_post(alice, f"[t]({site.url('/t')})")
    [row] = send_all(post).values()
    assert row.status_code == status
    assert row.state == ("pending" if retried else "failed")
    if retried:
        assert row.next_attempt_at > row.updated_at and row.attempts == 1
        assert deliver(row.pk) is None  # not due yet: a redelivered message does nothing
    else:
        assert "no thanks" in row.error


def test_retry_after_is_honoured_and_retries_end(site, alice, make_post):
    """429 with Retry-After schedules no earlier than asked; the last attempt ends in failed."""
    site.pages["/t"] = Page("<p>t</p>", headers={"Link": "</endpoint>; rel=webmention"})
    site.pages["/endpoint"] = Page("slow down", status=429, headers={"Retry-After": "120"})
    post = make_post(alice, f"[t]({site.url('/t')})")
    [row] = send_all(post).values()
    assert 119 <= (row.next_attempt_at - row.updated_at).total_seconds() <= 121
    Outgoing.objects.filter(pk=row.pk).update(attempts=5, next_attempt_at=row.updated_at)
    row = deliver(row.pk)
    assert row.state == "failed" and row.error.startswith("Gave up")


def test_unreachable_target_is_retried(alice, make_post, make_site):
    """A target that refuses connections is retried later (ConnectFailed: nothing was sent)."""
    site = make_site()
    url = site.url("/t")
    site.server.close()
    post = make_post(alice, f"[t]({url})")
    [row] = send_all(post).values()
    assert row.state == "pending" and row.status_code is None and "connect" in row.error.lower()


def test_local_targets_are_delivered_directly(alice, bob, make_post, blog_client):
    """A reply to a post on another blog here reaches its receiver with no HTTP, and shows after verifying."""
    original = make_post(bob, "Bob's thought")
    reply = make_post(alice, "I agree!", in_reply_to=original.get_absolute_url())
    [row] = send_all(reply).values()
    assert (row.state, row.endpoint, row.status_code) == ("sent", "(local)", 202)
    received = Received.objects.get()
    assert (received.source, received.post) == (reply.get_absolute_url(), original)
    received = verify_received(received.pk)
    assert (received.state, received.kind, received.author_name) == ("accepted", "reply", "alice")
    assert "I agree!" in blog_client(bob).get(original.path).content.decode()
    delete_post(post=reply)
    send_all(reply)
    assert verify_received(received.pk).state == "deleted"


def test_local_target_that_is_not_a_post_fails_with_the_reason(alice, bob, make_post):
    """A link to a missing page on another blog here: the row fails with the receiver's 400 reason."""
    post = make_post(alice, f"[gone]({bob.blog.absolute('/2020/01/01/nope/')})")
    [row] = send_all(post).values()
    assert (row.state, row.status_code) == ("failed", 400) and "not a post" in row.error
