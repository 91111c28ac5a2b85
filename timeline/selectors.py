"""Reads: the home timeline, mentions, conversations, Discover, follows (HackSoft selectors)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q

from accounts.models import User
from posts.models import Post
from posts.selectors import attach_relations, relation_flags
from timeline import cursor as keyset
from timeline.imports import may_syndicate
from timeline.models import FeaturedPost, FeedEntry, Follow, Mute, TimelineItem

__all__ = ["conversation", "discover_page", "follows_of", "mentions_page", "may_syndicate", "timeline_page"]

PAGE_SIZE = 20
# Other apps add mentions (received webmentions, issue 4) with register_mentions(provider):
# provider(user, limit) -> list of objects with .published (datetime) and a template-ready shape
# (.author_name, .author_url, .url, .content_html, .kind). They are merged into the Mentions page.
MENTION_PROVIDERS: list[Callable[[User, int], list]] = []
# Same for a conversation's replies from elsewhere: provider(post) -> list ordered by .published.
CONVERSATION_PROVIDERS: list[Callable[[Post], list]] = []


def register_mentions(provider: Callable[[User, int], list]) -> None:
    if provider not in MENTION_PROVIDERS:
        MENTION_PROVIDERS.append(provider)


def register_conversation(provider: Callable[[Post], list]) -> None:
    if provider not in CONVERSATION_PROVIDERS:
        CONVERSATION_PROVIDERS.append(provider)


def timeline_page(user: User, *, cursor: str = "", limit: int = PAGE_SIZE) -> tuple[list[TimelineItem], str]:
    """The user's materialised timeline, newest first, muted sources hidden; a fixed number of queries.

    Two when no item has photos, categories or a feed entry: the user's mutes (a short list, cheaper than
    excluding by subqueries), then the items joined to their posts, blogs and authors, each item saying
    whether its post has photos or categories. Photos, categories and feed entries are read only when
    some item on the page has them, into the lists posts.selectors.photos_of()/categories_of() read.
    Each query Django builds costs more CPU here than PostgreSQL spends answering it (issue 7, scenario 1).
    """
    muted_blogs, muted_feeds = muted_ids(user)
    items = TimelineItem.objects.filter(user=user)
    if muted_blogs:
        items = items.exclude(blog__in=muted_blogs)
    if muted_feeds:
        items = items.exclude(feed__in=muted_feeds)
    items = items.select_related("post__blog__user").annotate(**relation_flags("post_id"))
    rows, next_cursor = keyset.page(items, cursor, limit)
    _load_entries(rows)
    posts = []
    for item in rows:
        if item.post_id:
            item.post.has_photos, item.post.has_categories = item.has_photos, item.has_categories
            posts.append(item.post)
    attach_relations(posts)
    return rows, next_cursor


def _load_entries(items: list[TimelineItem]) -> None:
    if ids := [item.entry_id for item in items if item.entry_id]:
        entries = FeedEntry.objects.select_related("feed").in_bulk(ids)
        for item in items:
            if item.entry_id:
                item.entry = entries[item.entry_id]


def mentions_query(user: User):
    """Posts on the platform replying to, liking, reposting or linking to the user's blog."""
    base = user.blog.base_url + "/"
    cites = Q(in_reply_to__startswith=base) | Q(like_of__startswith=base) | Q(repost_of__startswith=base)
    return (
        Post.objects.listed()
        .filter(cites | Q(content_html__contains=f'href="{base}'))
        .exclude(blog__user=user)
    )


def mentions_page(user: User, *, cursor: str = "", limit: int = PAGE_SIZE) -> tuple[list, str]:
    """Platform mentions, merged with what registered providers (webmentions) add to this page."""
    posts, next_cursor = keyset.page(mentions_query(user).with_relations(), cursor, limit)
    extra = [m for provider in MENTION_PROVIDERS for m in provider(user, limit)] if not cursor else []
    merged = sorted([*posts, *extra], key=lambda m: m.published, reverse=True)
    return merged, next_cursor


def conversation(post: Post, *, depth: int = 6) -> list[tuple[int, object]]:
    """The post and its replies on the platform in thread order, as (depth, post) pairs; one query a level."""
    replies_of: dict[str, list[Post]] = {}
    level = [post.get_absolute_url()]
    for _ in range(depth):
        found = list(
            Post.objects.listed().filter(in_reply_to__in=level).with_relations().order_by("published")
        )
        for reply in found:
            replies_of.setdefault(reply.in_reply_to, []).append(reply)
        level = [reply.get_absolute_url() for reply in found]
        if not level:
            break
    thread: list[tuple[int, object]] = []

    def walk(node: Post, at: int) -> None:
        thread.append((at, node))
        for child in replies_of.get(node.get_absolute_url(), []):
            walk(child, at + 1)

    walk(post, 0)
    thread.extend((1, reply) for provider in CONVERSATION_PROVIDERS for reply in provider(post))
    return thread


def discover_page(*, cursor: str = "", limit: int = PAGE_SIZE) -> tuple[list[Post], str]:
    """Recent public posts from across the platform, newest first."""
    return keyset.page(Post.objects.listed().with_relations(), cursor, limit)


def featured(limit: int = 5) -> list[Post]:
    """Posts operators featured (admin), newest feature first, still public."""
    ids = list(FeaturedPost.objects.values_list("post_id", flat=True)[:limit])
    by_id = {p.pk: p for p in Post.objects.listed().filter(pk__in=ids).with_relations()}
    return [by_id[i] for i in ids if i in by_id]


def follows_of(user: User):
    """The user's follows with `is_muted`, newest first."""
    muted = Mute.objects.filter(user=user).filter(
        Q(blog_id=OuterRef("blog_id"), blog__isnull=False)
        | Q(feed_id=OuterRef("feed_id"), feed__isnull=False)
    )
    follows = Follow.objects.filter(user=user).select_related("blog__user", "feed")
    return follows.annotate(is_muted=Exists(muted)).order_by("-created_at", "-id")


def muted_ids(user: User) -> tuple[set[int], set[int]]:
    rows = list(Mute.objects.filter(user=user).values_list("blog_id", "feed_id"))
    return {b for b, _ in rows if b}, {f for _, f in rows if f}
