"""Fan-out off the request path: the author's row at once, followers' rows from the `timeline.fan_out_post`
job in one INSERT … SELECT, active followers only, and nothing written for a post gone or hidden."""

from __future__ import annotations

import datetime
import time

import pytest
from django.test import Client
from django.utils import timezone

from posts.services import create_post, delete_post, update_post
from tests.microhost.test_celery_worker import worker  # noqa: F401  (module-scoped real worker)
from timeline import fanout, tasks
from timeline.models import Follow, TimelineItem, TimelineState

WAIT_SECONDS = 40  # the filesystem transport polls once a second


def follower(make_user, name: str, author, *, days_ago: int | None = 0):
    """A user following author's blog; last seen days_ago (None: never read a timeline, no state row)."""
    user = make_user(name)
    Follow.objects.create(user=user, blog=author.blog)
    if days_ago is not None:
        seen = timezone.now() - datetime.timedelta(days=days_ago)
        TimelineState.objects.create(user=user, last_seen_at=seen, built_at=seen)
    return user


def active(user):
    TimelineState.objects.update_or_create(user=user, defaults={"last_seen_at": timezone.now()})
    return user


def publish(user, content: str = "Hello followers", **properties):
    """create_post as a request does it, its commit callbacks run, the queued job NOT run."""
    props = {"content": [content], **{k: [v] for k, v in properties.items()}}
    return create_post(blog=user.blog, properties=props)


def holders(post) -> set[str]:
    return set(TimelineItem.objects.filter(post=post).values_list("user__username", flat=True))


@pytest.mark.django_db
def test_author_row_at_once_followers_from_the_job(make_user, alice, on_commit):
    """The request writes only the active author's row; the job adds active followers, not quiet ones."""
    active(alice)
    follower(make_user, "fresh", alice)
    follower(make_user, "recent", alice, days_ago=29)
    follower(make_user, "gone", alice, days_ago=60)
    follower(make_user, "never", alice, days_ago=None)
    with on_commit():
        post = publish(alice)
    assert holders(post) == {"alice"}
    assert tasks.fan_out_post(post.pk) == 2
    assert holders(post) == {"alice", "fresh", "recent"}
    assert tasks.fan_out_post(post.pk) == 0  # run twice (acks_late redelivery): nothing new
    item = TimelineItem.objects.get(post=post, user__username="fresh")
    assert (item.published, item.blog_id, item.is_read) == (post.published, alice.blog.pk, False)


@pytest.mark.django_db
def test_inactive_author_gets_no_row(make_user, alice, on_commit):
    """An author gone quiet is rebuilt on return like anyone else: no row written for them now."""
    TimelineState.objects.create(user=alice, last_seen_at=timezone.now() - datetime.timedelta(days=60))
    follower(make_user, "fresh", alice)
    with on_commit():
        post = publish(alice)
    tasks.fan_out_post(post.pk)
    assert holders(post) == {"fresh"}


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", ["unlisted", "private"])
def test_unlisted_and_private_posts_stay_with_the_author(make_user, alice, on_commit, visibility):
    """Only public posts fan out; the job for a hidden post writes nothing."""
    active(alice)
    follower(make_user, "fresh", alice)
    with on_commit():
        post = publish(alice, visibility=visibility)
    assert tasks.fan_out_post(post.pk) == 0
    assert holders(post) == {"alice"}


@pytest.mark.django_db
def test_hiding_a_post_removes_followers_rows_and_a_late_job_adds_none(make_user, alice, on_commit):
    """Made private after fan-out: followers' rows go in the request; the earlier job adds none back."""
    active(alice)
    follower(make_user, "fresh", alice)
    with on_commit():
        post = publish(alice)
    tasks.fan_out_post(post.pk)
    with on_commit():
        update_post(post=post, properties={"visibility": ["private"]})
    assert holders(post) == {"alice"}
    assert tasks.fan_out_post(post.pk) == 0 and holders(post) == {"alice"}


@pytest.mark.django_db
def test_delete_before_the_job_runs_leaves_no_rows(make_user, alice, on_commit):
    """A post deleted while its job waits: the delete removes the author's row, the job writes nothing."""
    active(alice)
    follower(make_user, "fresh", alice)
    with on_commit():
        post = publish(alice)
    with on_commit():
        delete_post(post=post)
    assert tasks.fan_out_post(post.pk) == 0
    assert not TimelineItem.objects.filter(post=post).exists()


@pytest.mark.django_db
def test_job_for_a_vanished_post_is_a_no_op(alice):
    """A job whose post row is gone (hard-deleted) returns 0 instead of failing."""
    assert tasks.fan_out_post(987654) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("followers", [2, 60])
def test_job_queries_do_not_grow_with_followers(
    make_user, alice, on_commit, followers, django_assert_num_queries
):
    """The job is a locked re-read and one INSERT … SELECT: the same queries for 2 followers or 60."""
    for i in range(followers):
        follower(make_user, f"f{i}", alice)
    with on_commit():
        post = publish(alice)
    with django_assert_num_queries(4):  # SAVEPOINT, SELECT … FOR UPDATE, INSERT … SELECT, RELEASE
        assert tasks.fan_out_post(post.pk) == followers


@pytest.mark.django_db
def test_entries_fan_out_in_one_statement(make_user, alice, django_assert_num_queries):
    """fan_out_entries: new feed entries reach the feed's active followers only, in one INSERT … SELECT."""
    from timeline.models import Feed, FeedEntry

    feed = Feed.objects.create(url="https://example.org/feed")
    now = timezone.now()
    entries = [
        FeedEntry.objects.create(feed=feed, key=f"e{i}", key_hash=f"e{i}", content_hash="x", published=now)
        for i in range(3)
    ]
    fresh, gone = make_user("fresh"), make_user("gone")
    for user in (fresh, gone):
        Follow.objects.create(user=user, feed=feed)
    active(fresh)
    TimelineState.objects.create(user=gone, last_seen_at=now - datetime.timedelta(days=60))
    with django_assert_num_queries(1):
        assert fanout.fan_out_entries(feed, entries) == 3
    assert set(TimelineItem.objects.values_list("user_id", "entry_id", "feed_id")) == {
        (fresh.pk, entry.pk, feed.pk) for entry in entries
    }


@pytest.mark.django_db(transaction=True)
def test_real_worker_puts_the_post_in_the_followers_timeline(worker, make_user, alice):  # noqa: F811
    """Publishing commits, the receiver queues timeline.fan_out_post, the worker runs it: the follower's
    timeline page shows the post; the quiet follower got no row."""
    active(alice)
    fresh = follower(make_user, "fresh", alice)
    gone = follower(make_user, "gone", alice, days_ago=60)
    post = publish(alice, "Delivered by the worker")  # a real commit: on_commit runs at once
    assert holders(post) <= {"alice", "fresh"}
    deadline = time.monotonic() + WAIT_SECONDS
    while not TimelineItem.objects.filter(post=post, user=fresh).exists():
        assert time.monotonic() < deadline, "timed out waiting for the fan-out job"
        time.sleep(0.2)
    assert not TimelineItem.objects.filter(user=gone).exists()
    reader = Client(HTTP_HOST="microhost.test")
    reader.force_login(fresh)
    assert "Delivered by the worker" in reader.get("/timeline/").content.decode()
