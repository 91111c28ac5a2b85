"""Fan-out on write into the materialised TimelineItem table (takahe's and Mastodon's home feed).

Reads stay one indexed range scan however many sources a user follows; writes go to active users
only, and a user back after `active_days` is rebuilt from their follows on their first read."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from posts.models import Post
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


def _followers_active(**target) -> list[int]:
    active = TimelineState.objects.filter(user_id=OuterRef("user_id"), last_seen_at__gte=active_cutoff())
    return list(Follow.objects.filter(Exists(active), **target).values_list("user_id", flat=True))


def post_item(user_id: int, post: Post) -> TimelineItem:
    return TimelineItem(user_id=user_id, published=post.published, post=post, blog_id=post.blog_id)


def entry_item(user_id: int, entry: FeedEntry) -> TimelineItem:
    return TimelineItem(user_id=user_id, published=entry.published, entry=entry, feed_id=entry.feed_id)


def fan_out_post(post: Post) -> None:
    """A published post goes to its author and, when public, to the author's active followers."""
    if post.deleted_at is not None or post.status != Post.Status.PUBLISHED or post.published is None:
        remove_post(post)
        return
    users = set(_active([post.blog.user_id]))
    if post.visibility == Post.Visibility.PUBLIC:
        users.update(_followers_active(blog_id=post.blog_id))
    else:
        TimelineItem.objects.filter(post=post).exclude(user_id=post.blog.user_id).delete()
    TimelineItem.objects.filter(post=post).update(published=post.published)
    TimelineItem.objects.bulk_create([post_item(u, post) for u in users], ignore_conflicts=True)


def remove_post(post: Post) -> None:
    TimelineItem.objects.filter(post=post).delete()


def fan_out_entries(feed: Feed, entries: list[FeedEntry]) -> None:
    """New entries go to the feed's active followers (one INSERT for all of them)."""
    if not entries:
        return
    users = _followers_active(feed_id=feed.pk)
    items = [entry_item(u, e) for u in users for e in entries]
    TimelineItem.objects.bulk_create(items, ignore_conflicts=True, batch_size=2000)


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


def touch(user) -> None:
    """Called on every timeline read: rebuild users who were inactive (or never built), else mark seen."""
    now = timezone.now()
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
