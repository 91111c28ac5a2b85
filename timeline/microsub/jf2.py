"""Timeline items, posts and entries as jf2 (jf2.spec.indieweb.org), the shape Microsub returns."""

from __future__ import annotations

from microhost.sanitize import plain_text
from posts.models import Post
from posts.selectors import categories_of, photos_of
from timeline.models import FeedEntry, TimelineItem


def _clean(data: dict) -> dict:
    """jf2 leaves out empty properties."""
    return {key: value for key, value in data.items() if value not in ("", [], None, {})}


def post_jf2(post: Post) -> dict:
    author = post.blog.user
    data = {
        "type": "entry",
        "url": post.get_absolute_url(),
        "published": post.published.isoformat() if post.published else "",
        "updated": post.updated.isoformat() if post.updated else "",
        "name": post.name,
        "content": {"html": post.content_html, "text": plain_text(post.content_html)}
        if post.content_html
        else {},
        "photo": [photo.url for photo in photos_of(post)],
        "category": [category.name for category in categories_of(post)],
        "in-reply-to": [post.in_reply_to] if post.in_reply_to else [],
        "like-of": [post.like_of] if post.like_of else [],
        "repost-of": [post.repost_of] if post.repost_of else [],
        "bookmark-of": [post.bookmark_of] if post.bookmark_of else [],
        "author": _clean(
            {"type": "card", "name": author.name, "url": f"{post.blog.base_url}/", "photo": author.avatar_url}
        ),  # fmt: skip
    }
    return _clean(data)


def entry_jf2(entry: FeedEntry) -> dict:
    data = {
        "type": "entry",
        "url": entry.url,
        "uid": entry.key,
        "published": entry.published.isoformat(),
        "updated": entry.updated.isoformat() if entry.updated else "",
        "name": entry.title,
        "summary" if entry.summary_only else "content": (
            {"html": entry.content_html, "text": plain_text(entry.content_html)} if entry.content_html else {}
        ),
        "photo": list(entry.photos),
        "in-reply-to": [entry.in_reply_to] if entry.in_reply_to else [],
        "author": _clean(
            {
                "type": "card",
                "name": entry.author_name or entry.feed.display_title,
                "url": entry.author_url or entry.feed.site_url,
            }
        ),  # fmt: skip
        "_source": _clean({"url": entry.feed.url, "name": entry.feed.display_title}),
    }
    return _clean(data)


def item_jf2(item: TimelineItem) -> dict:
    """A timeline row with the Microsub extras: `_id` (for mark_read/remove) and `_is_read`."""
    data = post_jf2(item.post) if item.post_id else entry_jf2(item.entry)
    return {**data, "_id": str(item.pk), "_is_read": item.is_read}
