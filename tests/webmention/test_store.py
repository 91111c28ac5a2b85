"""The receipt's one statement (webmention/store.py, issue 7): the row create() would store, and the
longer path taken when it stores nothing (a bad target, a blocked domain, a repeat)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.utils import timezone

from posts.models import Post
from webmention.models import Received
from webmention.moderation import block_domain
from webmention.receive import Refused, accept_webmention
from webmention.store import insert_new

pytestmark = pytest.mark.django_db

# Made at insert time, so never equal between two rows.
PER_ROW = {"id", "token", "next_attempt_at", "received_at"}


@pytest.fixture
def post(alice, make_post):
    return make_post(alice, "A post worth replying to")


def accept(blog, source: str, target: str) -> tuple[Received | None, list[int]]:
    """accept_webmention with the ids it queues collected."""
    queued: list[int] = []
    return accept_webmention(blog=blog, source=source, target=target, queue=queued.append), queued


def stored(row: Received) -> dict:
    """Every column of the row as the ORM reads it back."""
    fresh = Received.objects.get(pk=row.pk)
    return {field.attname: getattr(fresh, field.attname) for field in Received._meta.concrete_fields}


@pytest.mark.parametrize("home", [False, True], ids=["post", "home page"])
def test_the_row_is_the_one_create_would_store(alice, post, home, django_assert_num_queries):
    """Every column equals what Received.objects.create() stores for the same pair (times and token
    apart), and the instance given back is the stored row: one statement, nothing read back."""
    target = alice.blog.absolute("/") if home else post.get_absolute_url()
    with django_assert_num_queries(1):
        row, queued = accept(alice.blog, "https://carol.example/r", target)
    expected = Received.objects.create(
        blog=alice.blog,
        post=None if home else post,
        source="https://carol.example/other",
        target=target,
        source_host="carol.example",
    )
    ours, theirs = stored(row), stored(expected)
    assert {k: v for k, v in ours.items() if k not in PER_ROW} == {
        **{k: v for k, v in theirs.items() if k not in PER_ROW},
        "source": "https://carol.example/r",
    }
    assert ours == {field: getattr(row, field) for field in ours}  # the instance holds what is stored
    assert queued == [row.pk] and row.blog is alice.blog
    assert isinstance(row.token, uuid.UUID) and row.received_at <= timezone.now()


def test_the_token_is_stored_as_django_stores_a_uuid(alice, post):
    """PostgreSQL's uuid, SQLite's 32 hex characters: the ORM finds the row by its token, and the
    status URL given to the sender works."""
    row, _ = accept(alice.blog, "https://carol.example/r", post.get_absolute_url())
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM webmention_received WHERE id = %s", [row.pk])
        raw = cursor.fetchone()[0]
    assert raw == Received._meta.get_field("token").get_db_prep_save(row.token, connection)
    assert Received.objects.get(token=row.token) == row
    assert row.status_path == f"/webmention/status/{row.token}"


def test_an_unlisted_post_is_a_target_too(alice, make_post, django_assert_num_queries):
    """Unlisted posts have permalinks and take webmentions (only drafts, private and deleted do not)."""
    unlisted = make_post(alice, "quiet", visibility="unlisted")
    with django_assert_num_queries(1):
        row, _ = accept(alice.blog, "https://carol.example/r", unlisted.get_absolute_url())
    assert row.post_id == unlisted.pk


@pytest.mark.parametrize("change", ["draft", "private", "deleted", "other blog"])
def test_a_target_that_is_no_live_post_stores_nothing_and_says_why(alice, bob, post, change):
    """The statement stores nothing for a post gone draft, private, deleted or of another blog; the
    longer path gives the same 400 as before."""
    blog = bob.blog if change == "other blog" else alice.blog
    updates = {
        "draft": {"status": Post.Status.DRAFT},
        "private": {"visibility": Post.Visibility.PRIVATE},
        "deleted": {"deleted_at": timezone.now()},
        "other blog": {},
    }[change]
    Post.objects.filter(pk=post.pk).update(**updates)
    target = blog.absolute(post.path)
    source, domains = "https://carol.example/r", ["carol.example", "example"]
    assert insert_new(blog=blog, source=source, target=target, host=domains[0], domains=domains) is None
    with pytest.raises(Refused) as refused:
        accept(blog, source, target)
    assert (refused.value.reason, refused.value.status) == ("The target is not a post on this blog.", 400)
    assert Received.objects.count() == 0


@pytest.mark.parametrize("home", [False, True], ids=["post", "home page"])
def test_a_blocked_domain_is_dropped_quietly(alice, post, home):
    """A source whose domain (or a parent) the owner blocked: None, nothing stored, nothing queued."""
    block_domain(blog=alice.blog, domain="spam.example")
    target = alice.blog.absolute("/") if home else post.get_absolute_url()
    assert accept(alice.blog, "https://www.spam.example/x", target) == (None, [])
    assert Received.objects.count() == 0


def test_a_repeat_while_pending_is_the_same_row_and_no_new_job(alice, post):
    """The pair sent again before verification: the pending row back, the job already queued suffices."""
    first, queued = accept(alice.blog, "https://carol.example/r", post.get_absolute_url())
    again, queued_again = accept(alice.blog, "https://carol.example/r", post.get_absolute_url())
    assert again.pk == first.pk and again.state == "pending"
    assert (queued, queued_again) == ([first.pk], [])


def test_a_repeat_after_verification_verifies_again(alice, post):
    """The pair sent again once verified: the row is pending again, its count and error reset, queued."""
    first, _ = accept(alice.blog, "https://carol.example/r", post.get_absolute_url())
    Received.objects.filter(pk=first.pk).update(state="rejected", attempts=3, error="No link.")
    again, queued = accept(alice.blog, "https://carol.example/r", post.get_absolute_url())
    fresh = Received.objects.get()
    assert (fresh.pk, fresh.state, fresh.attempts, fresh.error) == (first.pk, "pending", 0, "")
    assert again.pk == first.pk and queued == [first.pk] and fresh.received_at > first.received_at
