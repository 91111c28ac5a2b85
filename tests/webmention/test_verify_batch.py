"""The draining verification job (issue 7): many due rows per claim, each decided as one job would."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.webmention.conftest import Page, reply_page
from webmention.models import Received
from webmention.moderation import preferences_for
from webmention.receive import DRAIN_QUEUED_KEY, accept_webmention
from webmention.tasks import verify
from webmention.verify import NO_LINK, claim_due
from webmention.verify_batch import verify_due

pytestmark = pytest.mark.django_db


def pending(post, source: str) -> Received:
    """A stored, unverified mention with no job queued (the drain finds it by its state)."""
    target = post.get_absolute_url()
    return accept_webmention(blog=post.blog, source=source, target=target, queue=lambda _: None)


def test_a_batch_decides_each_row_as_one_job_would(alice, make_post, site, make_site):
    """Accepted, no link and 404 (rejected with this attempt's reason), unreachable (retried later)."""
    post = make_post(alice, "Reply to me")
    site.pages["/ok"] = Page(reply_page(post.get_absolute_url(), text="Well said"))
    site.pages["/nolink"] = Page("<p>No link here</p>")
    closed = make_site()
    unreachable = closed.url("/down")
    closed.server.close()
    rows = {
        name: pending(post, source)
        for name, source in [("ok", site.url("/ok")), ("nolink", site.url("/nolink")),
                             ("missing", site.url("/missing")), ("down", unreachable)]
    }  # fmt: skip
    assert verify_due(batch=2, threads=2) == {"accepted": 1, "rejected": 2, "pending": 1}
    got = {name: Received.objects.get(pk=row.pk) for name, row in rows.items()}
    assert got["ok"].state == "accepted" and "Well said" in got["ok"].content_html and got["ok"].approved
    assert [(got[n].state, got[n].error) for n in ("nolink", "missing")] == [("rejected", NO_LINK)] * 2
    down = got["down"]
    assert (down.state, down.attempts) == ("pending", 1) and down.error
    assert down.next_attempt_at > down.received_at  # backed off: not due again in this drain
    assert all(row.attempts == 1 for row in got.values())


def test_a_job_with_nothing_due_costs_one_query(alice, make_post, site, django_assert_num_queries):
    """A message whose row another job already verified (a burst's usual case) costs one UPDATE."""
    post = make_post(alice, "Reply to me")
    site.pages["/ok"] = Page(reply_page(post.get_absolute_url()))
    row = pending(post, site.url("/ok"))
    assert verify(row.pk) == 1
    with django_assert_num_queries(1):
        assert verify(row.pk) == 0
    assert len(site.requests) == 1


def test_a_batch_writes_once_and_touches_each_blog_once(alice, bob, make_post, site):
    """Five rows on two blogs: claim (2 queries), two UPDATE statements (verified; rejected), one
    touch per blog, BEGIN/COMMIT, and the empty claim that ends the drain."""
    posts = [make_post(alice, "One"), make_post(alice, "Two"), make_post(bob, "Three")]
    for blog in (alice.blog, bob.blog):
        preferences_for(blog)
    for n, post in enumerate([*posts, posts[0]]):
        site.pages[f"/r{n}"] = Page(reply_page(post.get_absolute_url()))
        pending(post, site.url(f"/r{n}"))
    pending(posts[1], site.url("/gone"))
    with CaptureQueriesContext(connection) as queries:
        assert verify_due(batch=10) == {"accepted": 4, "rejected": 1}
    touches = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "accounts_blog"')]
    assert len(touches) == 2
    assert len(queries) <= 9


@pytest.mark.django_db(transaction=True)
def test_the_page_shows_the_mention_on_the_next_get(alice, make_post, site, blog_client, settings):
    """With the page cache on, the post page cached before the drain shows the reply right after it."""
    settings.MICROHOST_PAGE_CACHE = True
    post = make_post(alice, "Cached page")
    client = blog_client(alice)
    assert "Batch-verified reply" not in client.get(post.path).content.decode()
    site.pages["/reply"] = Page(reply_page(post.get_absolute_url(), text="Batch-verified reply"))
    pending(post, site.url("/reply"))
    assert verify_due() == {"accepted": 1}
    assert "Batch-verified reply" in client.get(post.path).content.decode()


def test_a_source_of_ours_is_read_in_process_beside_fetched_ones(alice, bob, make_post, site, network):
    """In a batch, a source on one of our blogs is rendered in this thread (it reads the database),
    never dialled; the loopback one is fetched by the pool."""
    bob.blog.custom_domain = "bob.example"
    bob.blog.save(update_fields=["custom_domain"])
    original = make_post(alice, "Alice's thought")
    reply = make_post(bob, "Agreed, from my own domain", in_reply_to=original.get_absolute_url())
    site.pages["/r"] = Page(reply_page(original.get_absolute_url(), author="Remote"))
    pending(original, reply.get_absolute_url())
    pending(original, site.url("/r"))
    assert verify_due(threads=2) == {"accepted": 2}
    assert sorted(Received.objects.values_list("author_name", flat=True)) == ["Remote", "bob"]
    assert [dial[0] for dial in network.dials] == ["127.0.0.1"] and len(site.requests) == 1


def test_a_leased_row_is_not_claimed_again(alice, make_post, site):
    """Once claimed, a row is not due until its lease ends: a second claim gets only the others."""
    post = make_post(alice, "Reply to me")
    first, second = pending(post, site.url("/a")), pending(post, site.url("/b"))
    taken = claim_due(limit=1)
    assert [row.pk for row in taken] == [first.pk]
    assert [row.pk for row in claim_due(limit=10)] == [second.pk]
    assert claim_due(limit=10) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_skip_rows_locked_by_another(alice, make_post, site):
    """PostgreSQL: while another worker's claim holds a row (not committed yet), this claim skips it
    instead of waiting or taking it; once that claim commits the row is leased, so never taken twice."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no SKIP LOCKED: its writers are serialised")
    post = make_post(alice, "Reply to me")
    rows = [pending(post, site.url(f"/{n}")) for n in range(3)]
    claimed, commit = threading.Event(), threading.Event()
    other: list[int] = []

    def other_worker() -> None:
        try:
            with transaction.atomic():
                other.extend(row.pk for row in claim_due(limit=1))
                claimed.set()
                commit.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert claimed.wait(timeout=10)
    mine = sorted(row.pk for row in claim_due(limit=10))
    commit.set()
    thread.join(timeout=10)
    assert other == [rows[0].pk] and mine == [rows[1].pk, rows[2].pk]
    assert claim_due(limit=10) == []
    assert sorted(Received.objects.values_list("attempts", flat=True)) == [1, 1, 1]


def queued(queue: str = "webmention") -> int:
    """Messages waiting in the broker's queue (filesystem or Redis: no worker consumes them here)."""
    from microhost.celery import app

    with app.connection_for_write() as connection:
        return connection.default_channel.queue_declare(
            queue=queue, durable=True, auto_delete=False
        ).message_count


def test_a_burst_of_receipts_queues_one_drain(
    alice, make_post, site, settings, django_capture_on_commit_callbacks
):
    """With a shared cache, the first receipt queues a drain and the next ones queue nothing while it
    waits; it verifies them all, and once it has started the next receipt queues again."""
    settings.WEBMENTION_COALESCE_JOBS = True
    cache.delete(DRAIN_QUEUED_KEY)
    post = make_post(alice, "Reply to me")
    target = post.get_absolute_url()
    for n in range(4):
        site.pages[f"/r{n}"] = Page(reply_page(target))
    before = queued()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            accept_webmention(blog=alice.blog, source=site.url(f"/r{n}"), target=target)
    assert queued() == before + 1
    assert verify(None) == 3 and Received.objects.filter(state="accepted").count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        accept_webmention(blog=alice.blog, source=site.url("/r3"), target=target)
    assert queued() == before + 2


def test_without_a_shared_cache_each_receipt_queues_its_job(
    alice, make_post, site, settings, django_capture_on_commit_callbacks
):
    """The embedded default (a cache per process): the worker could never clear the flag."""
    settings.WEBMENTION_COALESCE_JOBS = False
    post = make_post(alice, "Reply to me")
    before = queued()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(2):
            accept_webmention(blog=alice.blog, source=site.url(f"/r{n}"), target=post.get_absolute_url())
    assert queued() == before + 2
