"""Each post's h-entry stored with the post, so a listing page (home, category, month) joins stored
HTML instead of rendering twenty entries.

micro.blog keeps whole pages as static files; this keeps one entry at a time. An uncached home spent
about a third of its CPU rendering entries and another quarter reading the photos and categories they
show (issue 7). Now a listing reads each post's `entry_html` and `entry_html_key` only; a post whose
key is not the page's presentation key is read whole, rendered as before, and stored.

What an entry shows comes from three places, and each moves the key:
- the post, its photos and its categories: every save of a post, and every change to its photos or
  category links or to a category's name, puts a fresh random token in its key (Post.save(),
  posts/signals.py), which no presentation key equals;
- the blog: its URL, time zone and author name, and the active language, are in the presentation key;
- the code: a fingerprint of the entry template and the modules that fill it is in the key too, so a
  deploy that changes how an entry looks re-renders every entry the first time it is shown.

Storing is compare-and-set on the token the page read: a post saved after the page read it keeps its
new token, and the entry rendered from the old row is not stored. Storing is best effort: if the write
fails (a locked SQLite file, say) the page is still served, and the next one tries again.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, models, transaction
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from posts import selectors
from posts.entry_html import READY_ATTR, entry
from posts.models import Post

log = logging.getLogger(__name__)

_POSTS = Path(__file__).resolve().parent
# What an entry's HTML is made by: the template and the Python that fills it (and its URLs and dates).
RENDERER_FILES = (
    _POSTS / "jinja2" / "posts" / "_entry.html",
    _POSTS / "entry_html.py",
    _POSTS / "mf2.py",
    _POSTS / "dates.py",
    _POSTS / "models.py",
    _POSTS / "selectors.py",
    _POSTS.parent / "accounts" / "urls_util.py",
    _POSTS.parent / "microhost" / "jinja_html.py",
)


@functools.cache
def renderer_fingerprint() -> str:
    digest = hashlib.blake2b(digest_size=16)
    for path in RENDERER_FILES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def presentation_key(blog) -> str:
    """What an entry of `blog` looks like besides its post, photos and categories, as 32 hex digits."""
    parts = (
        renderer_fingerprint(),
        blog.base_url,
        blog.timezone,
        blog.user.name,
        translation.get_language() or "",
        settings.MEDIA_URL,
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def storage_signs_urls() -> bool:
    """Object storage handing out expiring signed URLs (django-storages' querystring_auth): an entry
    showing uploaded photos must then be rendered every time."""
    return bool(getattr(default_storage, "querystring_auth", False))


def with_entries(blog, posts: list[Post]) -> list[Post]:
    """The page's posts, each with its h-entry ready for entry(): stored ones as they are, stale ones
    read whole, rendered in the blog's time zone and stored."""
    key = presentation_key(blog)
    stale = {post.pk: post.entry_html_key for post in posts if post.entry_html_key != key}
    for post in posts:
        if post.pk not in stale:
            setattr(post, READY_ATTR, SafeString(post.entry_html))
    if not stale:
        return posts
    whole = {post.pk: post for post in selectors.posts_by_id(blog, list(stale))}
    rendered = {}
    with timezone.override(blog.timezone):
        for pk, post in whole.items():
            rendered[pk] = entry(post)
            setattr(post, READY_ATTR, rendered[pk])
    signed = storage_signs_urls()
    store(
        key,
        [(pk, stale[pk], html) for pk, html in rendered.items() if not (signed and _has_uploads(whole[pk]))],
    )
    # A stale post gone between the two reads (deleted) is left out, as the next page would.
    return [whole.get(post.pk, post) for post in posts if post.pk in whole or post.pk not in stale]


def _has_uploads(post: Post) -> bool:
    return any(not photo.remote_url for photo in selectors.photos_of(post))


def store(key: str, entries: list[tuple[int, str, str]]) -> None:
    """Store (post id, the token read, its entry) under `key`, for each post still holding that token:
    one UPDATE. A failure is logged, not raised (the page has its entries)."""
    if not entries:
        return
    still_stale = models.Q()
    for pk, token, _html in entries:
        still_stale |= models.Q(pk=pk, entry_html_key=token)
    html_of = models.Case(
        *(models.When(pk=pk, then=models.Value(html)) for pk, _token, html in entries),
        output_field=models.TextField(),
    )
    try:
        with transaction.atomic():
            Post.objects.filter(still_stale).update(entry_html=html_of, entry_html_key=key)
    except DatabaseError:
        log.warning("could not store %d rendered entries", len(entries), exc_info=True)


def listed_page(blog, page: int, size: int, *, category=None) -> tuple[list[Post], bool]:
    """selectors.listed_page() with the entries ready."""
    posts, has_next = selectors.listed_page(blog, page, size, category=category)
    return with_entries(blog, posts), has_next


def page_of(queryset, page: int, size: int, *, blog) -> tuple[list[Post], bool]:
    """selectors.page_of() with the entries ready."""
    posts, has_next = selectors.page_of(queryset, page, size)
    return with_entries(blog, posts), has_next
