"""Fan-out on write into the materialised TimelineItem table (takahe's and Mastodon's home feed).

Reads stay one indexed range scan however many sources a user follows; writes go to active users
only, and a user back after `active_days` is rebuilt from their follows on their first read."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from posts.models import Post
from posts.prepared import PreparedQuery
from timeline import conf
from timeline.models import Feed, FeedEntry, Follow, TimelineItem, TimelineState

SEEN_RESOLUTION = datetime.timedelta(hours=1)  # last_seen_at is written at most hourly per user


def active_cutoff() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=conf.active_days())


def _active(user_ids: Iterable[int]) -> list[int]:
    return list(
        TimelineState.objects.filter(
            user_id__in=list(user_ids), last_seen_at__gte=active_cutoff()
        ).values_list("user_id", flat=True)
    )


def post_item(user_id: int, post: Post) -> TimelineItem:
    return TimelineItem(user_id=user_id, published=post.published, post=post, blog_id=post.blog_id)


def entry_item(user_id: int, entry: FeedEntry) -> TimelineItem:
    return TimelineItem(user_id=user_id, published=entry.published, entry=entry, feed_id=entry.feed_id)


def _in_timelines(post: Post) -> bool:
    return post.deleted_at is None and post.status == Post.Status.PUBLISHED and post.published is not None


def place_post(post: Post) -> bool:
    """In the request: the author's own row now (visible on their next read), rows that must go gone now.

    Returns True when the post should reach followers: the caller queues `timeline.fan_out_post`."""
    if not _in_timelines(post):
        remove_post(post)
        return False
    author = post.blog.user_id
    public = post.visibility == Post.Visibility.PUBLIC
    with transaction.atomic():
        if not public:
            TimelineItem.objects.filter(post=post).exclude(user_id=author).delete()
        TimelineItem.objects.filter(post=post).exclude(published=post.published).update(
            published=post.published
        )
        if _active([author]):
            TimelineItem.objects.bulk_create([post_item(author, post)], ignore_conflicts=True)
    return public


def fan_out_post(post_id: int) -> int:
    """The job: a public post reaches its author's active followers in one INSERT … SELECT.

    The post row is locked and re-read first, so a job that runs after (or while) the post is deleted
    or hidden writes nothing: an edit commits either before our read or after our insert, and in the
    second case its own receiver removes the rows (and moves `published` on the rows written here).
    Returns the rows written."""
    with transaction.atomic():
        post = Post.objects.select_for_update().filter(pk=post_id).first()
        if post is None or not _in_timelines(post) or post.visibility != Post.Visibility.PUBLIC:
            return 0
        posts = Post._meta.db_table
        return _insert_for_followers(
            columns=("published", "post", "blog"),
            select=f"p.{_col(Post, 'published')}, p.{_col(Post, 'id')}, p.{_col(Post, 'blog')}",
            join=f"JOIN {posts} p ON p.{_col(Post, 'blog')} = f.{_col(Follow, 'blog')}",
            where=f"p.{_col(Post, 'id')} = %s",
            params=[post.pk],
        )


def remove_post(post: Post) -> None:
    TimelineItem.objects.filter(post=post).delete()


def fan_out_entries(feed: Feed, entries: list[FeedEntry]) -> int:
    """New entries go to the feed's active followers: one INSERT … SELECT for all of them."""
    if not entries:
        return 0
    ids = [entry.pk for entry in entries]
    return _insert_for_followers(
        columns=("published", "entry", "feed"),
        select=f"e.{_col(FeedEntry, 'published')}, e.{_col(FeedEntry, 'id')}, e.{_col(FeedEntry, 'feed')}",
        join=f"JOIN {FeedEntry._meta.db_table} e ON e.{_col(FeedEntry, 'feed')} = f.{_col(Follow, 'feed')}",
        where=f"e.{_col(FeedEntry, 'id')} IN ({', '.join(['%s'] * len(ids))})",
        params=ids,
    )


def _col(model, name: str) -> str:
    return model._meta.get_field(name).column


def _dt(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _insert_for_followers(
    *, columns: tuple[str, ...], select: str, join: str, where: str, params: list
) -> int:
    """INSERT INTO timelineitem (user, <columns>, is_read) SELECT f.user, <select>, FALSE FROM follow f
    JOIN state s … <join> WHERE s.last_seen_at >= cutoff AND <where> ON CONFLICT DO NOTHING: one
    statement whatever the follower count (SQLite ≥ 3.24 and PostgreSQL both take it).

    Users gone quiet (no TimelineState, or last seen before the cutoff) get no rows: they are rebuilt on
    their next read. Duplicates (a job run twice, the author's own row) meet the unique constraints."""
    item, follow, state = (model._meta.db_table for model in (TimelineItem, Follow, TimelineState))
    targets = ", ".join(_col(TimelineItem, name) for name in ("user", *columns, "is_read"))
    # Identifiers come from model metadata only; every value is a bound parameter.
    sql = (
        f"INSERT INTO {item} ({targets}) SELECT f.{_col(Follow, 'user')}, {select}, FALSE "  # noqa: S608
        f"FROM {follow} f JOIN {state} s ON s.{_col(TimelineState, 'user')} = f.{_col(Follow, 'user')} "
        f"{join} WHERE s.{_col(TimelineState, 'last_seen_at')} >= %s AND {where} ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_dt(active_cutoff()), *params])
        return max(cursor.rowcount, 0)


def backfill_follow(follow: Follow) -> None:
    """Copy the newest items of a newly followed source into the follower's timeline."""
    limit = conf.backfill()
    if follow.blog_id:
        posts = Post.objects.listed().filter(blog_id=follow.blog_id).newest_first()[:limit]
        items = [post_item(follow.user_id, p) for p in posts]
    else:
        entries = FeedEntry.objects.filter(feed_id=follow.feed_id).order_by("-published", "-id")[:limit]
        items = [entry_item(follow.user_id, e) for e in entries]
    TimelineItem.objects.bulk_create(items, ignore_conflicts=True)


def drop_follow(follow: Follow) -> None:
    """Unfollowing removes that source's items (the user's own posts stay)."""
    if follow.blog_id and follow.blog.user_id != follow.user_id:
        TimelineItem.objects.filter(user_id=follow.user_id, blog_id=follow.blog_id).delete()
    elif follow.feed_id:
        TimelineItem.objects.filter(user_id=follow.user_id, feed_id=follow.feed_id).delete()


def rebuild(user) -> None:
    """Fan-out on read, once: the newest `cap` items from the user's own blog and every follow."""
    cap = conf.timeline_cap()
    blogs = list(Follow.objects.filter(user=user, blog__isnull=False).values_list("blog_id", flat=True))
    feeds = list(Follow.objects.filter(user=user, feed__isnull=False).values_list("feed_id", flat=True))
    own = Post.objects.published().filter(blog__user=user).newest_first()[:cap]
    followed = Post.objects.listed().filter(blog_id__in=blogs).exclude(blog__user=user).newest_first()[:cap]
    entries = FeedEntry.objects.filter(feed_id__in=feeds).order_by("-published", "-id")[:cap]
    items = [post_item(user.pk, p) for p in (*own, *followed)] + [entry_item(user.pk, e) for e in entries]
    items.sort(key=lambda item: item.published, reverse=True)
    TimelineItem.objects.filter(user=user).delete()
    TimelineItem.objects.bulk_create(items[:cap], ignore_conflicts=True)


# The reader's state, read on every timeline page: compiled once (get_or_create's ORM work was ~0.4 ms
# of CPU a page, all of it on top of what the page's reference pays; issue 7, scenario 1).
_STATE = PreparedQuery(
    TimelineState,
    lambda user: TimelineState.objects.filter(user_id=user).order_by(),
    markers={"user": -7_300_001},
)


def touch(user) -> None:
    """Called on every timeline read: rebuild users who were inactive (or never built), else mark seen."""
    now = timezone.now()
    found = _STATE(user=user.pk)
    if found:
        state, created = found[0], False
    else:
        state, created = TimelineState.objects.get_or_create(user=user, defaults={"last_seen_at": now})
    if created or state.last_seen_at < active_cutoff():
        rebuild(user)
        TimelineState.objects.filter(pk=state.pk).update(last_seen_at=now, built_at=now)
    elif now - state.last_seen_at > SEEN_RESOLUTION:
        TimelineState.objects.filter(pk=state.pk).update(last_seen_at=now)


def trim() -> int:
    """Keep at most `cap` rows per user (run from the beat sweep); returns rows deleted."""
    cap = conf.timeline_cap()
    over = TimelineItem.objects.values("user_id").annotate(n=Count("id")).filter(n__gt=cap)
    deleted = 0
    for user_id in over.values_list("user_id", flat=True)[:500]:
        newest = TimelineItem.objects.filter(user_id=user_id).order_by("-published", "-id")
        keep = list(newest.values_list("id", flat=True)[:cap])
        deleted += TimelineItem.objects.filter(user_id=user_id).exclude(id__in=keep).delete()[0]
    return deleted
