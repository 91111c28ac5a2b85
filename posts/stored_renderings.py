"""Each post stored rendered, the way listing pages (its h-entry) and feeds (an RSS item, an Atom
entry, a JSON Feed item) show it: a page joins stored strings instead of rendering twenty posts.

micro.blog keeps whole pages as static files; this keeps one post at a time. An uncached home spent
about a third of its CPU rendering entries and another quarter reading the photos and categories they
show, a feed about half in reading whole posts and writing their items (issue 7). Now a listing or a
feed reads each post's stored rendering and `rendered_key` only; the posts whose rendering is stale
are read whole, rendered as before, and stored.

What a rendering shows comes from three places, and each changes the key:
- the post, its photos and its categories: every save of a post puts a fresh random token in its key
  ("~" + token, Post.save()), and every change to its photos or category links is made in the
  transaction that saves it (posts/services.py, posts/signals.py);
- the blog: its URL, time zone and author name, and the active language, are in the presentation key;
- the code: a fingerprint of the templates and modules that render a post is in the presentation key
  too, so a deploy that changes how a post looks renders every post again the first time it is shown.

A stored key is `<presentation key>:<the token of the save it was rendered after>`; it is current
when it starts with the page's presentation key. Storing is compare-and-set on the whole key the page
read, so a rendering of a row that was saved since is never stored (a save's token is never reused).
Storing is best effort: if the write fails (a locked SQLite file, say) the page is still served, and
the next one tries again.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from posts import selectors
from posts.entry_html import READY_ATTR, entry
from posts.models import RENDERED_COLUMNS, Post

log = logging.getLogger(__name__)

_ROOT = Path(__file__).resolve().parent.parent
# What a post's renderings are made by: templates and the Python that fills them (URLs, dates, text).
RENDERER_FILES = tuple(
    _ROOT / name
    for name in (
        "posts/jinja2/posts/_entry.html",
        "posts/entry_html.py",
        "posts/mf2.py",
        "posts/dates.py",
        "posts/excerpts.py",
        "posts/feeds.py",
        "posts/feed_formats.py",
        "posts/models.py",
        "posts/selectors.py",
        "accounts/urls_util.py",
        "microhost/jinja_html.py",
    )
)


@functools.cache
def renderer_fingerprint() -> str:
    digest = hashlib.blake2b(digest_size=16)
    for path in RENDERER_FILES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def presentation_key(blog) -> str:
    """How `blog`'s posts look besides the posts, their photos and categories: 32 hex digits."""
    parts = (
        renderer_fingerprint(),
        blog.base_url,
        blog.timezone,
        blog.user.name,
        translation.get_language() or "",
        settings.MEDIA_URL,
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def _token(stored_key: str) -> str:
    """The save token in a stored key: "~<token>" after a save, "<presentation>:<token>" once stored."""
    return stored_key.rpartition(":")[2].lstrip("~")


def storage_signs_urls() -> bool:
    """Object storage handing out expiring signed URLs (django-storages' querystring_auth): a post
    showing uploaded photos must then be rendered every time."""
    return bool(getattr(default_storage, "querystring_auth", False))


def rendered(blog, rows: list[Post], column: str, render: Callable[[Post], str]) -> list[tuple[Post, str]]:
    """(post, its rendering in `column`) for each of the rows (read with `column` and rendered_key):
    stored ones as they are; stale ones read whole, rendered by `render` in the blog's time zone and
    stored. A stale post gone between the two reads (deleted) is left out, as the next page would."""
    key = presentation_key(blog)
    current = f"{key}:"
    stale = {
        post.pk: post
        for post in rows
        if not (post.rendered_key.startswith(current) and getattr(post, column))
    }
    if not stale:
        return [(post, getattr(post, column)) for post in rows]
    whole = {post.pk: post for post in selectors.posts_by_id(blog, list(stale))}
    texts = {}
    with timezone.override(blog.timezone):
        for pk, post in whole.items():
            texts[pk] = render(post)
    signed = storage_signs_urls()
    store(
        key,
        column,
        [
            (pk, stale[pk].rendered_key, text)
            for pk, text in texts.items()
            if not (signed and _has_uploads(whole[pk]))
        ],
    )
    return [
        (whole[post.pk], texts[post.pk]) if post.pk in stale else (post, getattr(post, column))
        for post in rows
        if post.pk in whole or post.pk not in stale
    ]


def _has_uploads(post: Post) -> bool:
    return any(not photo.remote_url for photo in selectors.photos_of(post))


def store(key: str, column: str, renderings: list[tuple[int, str, str]]) -> None:
    """Store (post id, the key read, its rendering in `column`) for each post still holding the key
    read, in one executemany: a post already under `key` gets `column` filled in; a post moving to it
    gets its other renderings (of another presentation) emptied. Failures are logged, not raised.

    Plain SQL: the ORM's UPDATE with a CASE per post and an OR of 20 conditions cost ~0.25 ms of CPU
    per post to build, several times the rendering it stores."""
    if not renderings:
        return
    if column not in RENDERED_COLUMNS:
        raise ValueError(f"{column!r} is not a stored rendering")
    current, q = f"{key}:", connection.ops.quote_name
    filling = [(text, pk, read) for pk, read, text in renderings if read.startswith(current)]
    moving = [
        (text, f"{current}{_token(read)}", pk, read)
        for pk, read, text in renderings
        if not read.startswith(current)
    ]
    # Names from the model's metadata, values as parameters.
    key_column = q("rendered_key")
    update = f"UPDATE {q(Post._meta.db_table)} SET {q(column)} = %s"  # noqa: S608
    where = f"WHERE {q(Post._meta.pk.column)} = %s AND {key_column} = %s"
    emptied = "".join(f", {q(other)} = ''" for other in RENDERED_COLUMNS if other != column)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if filling:
                cursor.executemany(f"{update} {where}", filling)
            if moving:
                cursor.executemany(f"{update}, {key_column} = %s{emptied} {where}", moving)
    except DatabaseError:
        log.warning("could not store %d rendered posts", len(renderings), exc_info=True)


# ---- listing pages -----------------------------------------------------------------------------------
def with_entries(blog, posts: list[Post]) -> list[Post]:
    """The page's posts, each with its h-entry ready for entry() (posts/entry_html.py)."""
    shown = []
    for post, html in rendered(blog, posts, "entry_html", entry):
        setattr(post, READY_ATTR, SafeString(html))
        shown.append(post)
    return shown


def listed_page(blog, page: int, size: int, *, category=None) -> tuple[list[Post], bool]:
    """selectors.listed_page() with the entries ready."""
    posts, has_next = selectors.listed_page(blog, page, size, category=category)
    return with_entries(blog, posts), has_next


def page_of(queryset, page: int, size: int, *, blog) -> tuple[list[Post], bool]:
    """selectors.page_of() with the entries ready."""
    posts, has_next = selectors.page_of(queryset, page, size)
    return with_entries(blog, posts), has_next
