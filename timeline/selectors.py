"""Reads: the home timeline, mentions, conversations, Discover, follows (HackSoft selectors)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import Col

from accounts.models import Blog, User
from posts.models import Photo, Post
from posts.selectors import attach_relations
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

    One when no item has photos, categories or a feed entry: the items joined to their posts, blogs and
    authors, mutes excluded and each item saying whether its post has photos or categories. Photos,
    categories and feed entries are read only when some item on the page has them, into the lists
    posts.selectors.photos_of()/categories_of() read.
    """
    rows = _page_rows(user, keyset.decode(cursor), limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    _load_entries(rows)
    attach_relations([item.post for item in rows if item.post_id])
    return rows, keyset.encode(rows[-1].published, rows[-1].pk) if more and rows else ""


# The timeline page's query, written once per process from the models' own tables and columns (issue 7,
# scenario 1): building it with the ORM on every request (three joins, two Exists, the mutes, the keyset)
# cost more CPU than PostgreSQL spends answering it. The rows become the same model instances
# select_related() makes, through Model.from_db() and the fields' own database converters.
_JOINED = (("i", TimelineItem), ("p", Post), ("b", Blog), ("u", User))


@dataclass(frozen=True)
class _PageQuery:
    sql: str  # a user's items (%(user)s), mutes excluded, {after} a keyset position, %(limit)s of them
    after: str  # the keyset condition put at {after}: rows older than (%(moment)s, %(pk)s)
    slices: tuple[tuple[type, int, int, tuple[str, ...]], ...]  # (model, start, stop, attnames) per join
    converted: tuple[tuple[int, Col, tuple], ...]  # (index, column, converters) of the converted columns


def _col(model, name: str, alias: str = "") -> str:
    column = connection.ops.quote_name(model._meta.get_field(name).column)
    return f"{alias}.{column}" if alias else column


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _not_muted(name: str) -> str:
    """Items whose blog (or feed) the user has not muted; NOT IN a subquery PostgreSQL hashes once."""
    source, target = _col(TimelineItem, name, "i"), _col(Mute, name)
    muted = f"SELECT {target} FROM {_table(Mute)} WHERE {_col(Mute, 'user')} = %(user)s"  # noqa: S608
    return f"({source} IS NULL OR {source} NOT IN ({muted} AND {target} IS NOT NULL))"


def _has(model, order: tuple[str, ...]) -> str:
    """Whether the item's post has rows in `model` (photos, category links): what relation_flags says,
    in its form: `(SELECT id … ORDER BY <its index's order> LIMIT 1) IS NOT NULL`, an index probe per
    item, where PostgreSQL may turn an EXISTS into a hashed scan of the whole table, or scan a small
    table whole for each post without any (posts.selectors._has_any)."""
    post, pk = _col(TimelineItem, "post", "i"), _col(model, "id")
    by = ", ".join(_col(model, name) for name in order)
    return (
        f"((SELECT {pk} FROM {_table(model)} WHERE {_col(model, 'post')} = {post} "  # noqa: S608
        f"ORDER BY {by} LIMIT 1) IS NOT NULL)"
    )


@functools.cache
def _page_query(vendor: str) -> _PageQuery:
    """The SQL and row layout for the connection's backend (`vendor` keys the cache: tests swap it)."""
    columns, slices = [], []
    for alias, model in _JOINED:
        fields = model._meta.concrete_fields
        slices.append((model, len(columns), len(columns) + len(fields), tuple(f.attname for f in fields)))
        columns += [field.get_col(alias) for field in fields]
    select = ", ".join(f"{c.alias}.{connection.ops.quote_name(c.target.column)}" for c in columns)
    published, pk = _col(TimelineItem, "published", "i"), _col(TimelineItem, "id", "i")
    sql = (
        f"SELECT {select}, {_has(Photo, ('position', 'id'))}, {_has(Post.categories.through, ('category',))} "  # noqa: S608
        f"FROM {_table(TimelineItem)} i "
        f"LEFT JOIN {_table(Post)} p ON {_col(Post, 'id', 'p')} = {_col(TimelineItem, 'post', 'i')} "
        f"LEFT JOIN {_table(Blog)} b ON {_col(Blog, 'id', 'b')} = {_col(Post, 'blog', 'p')} "
        f"LEFT JOIN {_table(User)} u ON {_col(User, 'id', 'u')} = {_col(Blog, 'user', 'b')} "
        f"WHERE {_col(TimelineItem, 'user', 'i')} = %(user)s "
        f"AND {_not_muted('blog')} AND {_not_muted('feed')}{{after}} "
        f"ORDER BY {published} DESC, {pk} DESC LIMIT %(limit)s"
    )
    after = f" AND ({published} < %(moment)s OR ({published} = %(moment)s AND {pk} < %(pk)s))"
    converted = tuple(
        (index, col, found)
        for index, col in enumerate(columns)
        if (found := tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    )
    return _PageQuery(sql, after, tuple(slices), converted)


def _page_rows(user: User, position: tuple | None, limit: int) -> list[TimelineItem]:
    """`limit` items after `position` (newest first), with post, blog and author as select_related
    loads them, and the post's has_photos / has_categories flags."""
    query = _page_query(connection.vendor)
    params = {"user": user.pk, "limit": limit}
    if position:
        params |= {"moment": connection.ops.adapt_datetimefield_value(position[0]), "pk": position[1]}
    with connection.cursor() as cursor:
        cursor.execute(query.sql.format(after=query.after if position else ""), params)
        rows = cursor.fetchall()
    db = connections[connection.alias]  # the connection itself, not the proxy: read once per row
    blogs: dict[int, Blog] = {}
    return [_item_from_row(query, row, db, blogs) for row in rows]


def _item_from_row(
    query: _PageQuery, row: tuple, db: BaseDatabaseWrapper, blogs: dict[int, Blog]
) -> TimelineItem:
    """The item and, for a post's item, its post, blog and author, linked as select_related() links them,
    except that posts of one blog share its Blog and User (`blogs`, by id), as prefetch_related() would."""
    row = list(row)
    for index, col, converters in query.converted:
        for convert in converters:
            row[index] = convert(row[index], col, db)
    item_layout, post_layout, *author = query.slices
    item = _from_row(db, row, *item_layout)
    if not item.post_id:
        _ITEM_POST.set_cached_value(item, None)
        return item
    post = _from_row(db, row, *post_layout)
    _ITEM_POST.set_cached_value(item, post)
    _POST_BLOG.set_cached_value(post, blogs.get(post.blog_id) or _blog_from_row(db, row, author, blogs))
    post.has_photos, post.has_categories = row[-2], row[-1]
    return item


def _blog_from_row(db: BaseDatabaseWrapper, row: list, author: list, blogs: dict[int, Blog]) -> Blog:
    """The post's blog and its user, linked both ways (a one-to-one), remembered in `blogs`."""
    blog, user = (_from_row(db, row, *layout) for layout in author)
    _BLOG_USER.set_cached_value(blog, user)
    _BLOG_USER.remote_field.set_cached_value(user, blog)
    blogs[blog.pk] = blog
    return blog


def _from_row(db: BaseDatabaseWrapper, row: list, model: type, start: int, stop: int, names: tuple):
    """One model's instance from its columns row[start:stop], as the ORM makes it (Model.from_db)."""
    return model.from_db(db.alias, names, row[start:stop])


_ITEM_POST, _POST_BLOG, _BLOG_USER = TimelineItem.post.field, Post.blog.field, Blog.user.field


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
