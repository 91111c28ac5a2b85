"""One post's h-entry (posts/jinja2/posts/_entry.html), rendered by Jinja2 (microhost/jinja_html.py):
on blog pages (posts/blog_pages.py) and, through `{% entry post %}` (posts/templatetags/blog_tags.py),
on the platform's timeline pages."""

from __future__ import annotations

from django.utils.safestring import SafeString

from microhost import jinja_html
from posts.dates import printed_dates
from posts.mf2 import display_context
from posts.selectors import categories_of, photos_of
from webmention.responses_html import responses_html

ENTRY = "posts/_entry.html"
# Where a listing page's post carries its h-entry, stored or just rendered (posts/stored_renderings.py).
READY_ATTR = "ready_entry"
# The response properties the entry shows as a context line above the content.
CONTEXT_FIELDS = ("in_reply_to", "like_of", "repost_of", "bookmark_of")


def entry(post, with_responses: bool = False) -> SafeString:
    """The post's h-entry, dates in the active time zone; with_responses (the permalink) adds its
    received responses (webmention/responses_html.py) before </article>."""
    ready = getattr(post, READY_ATTR, None)
    if ready is not None and not with_responses:
        return ready
    responses = responses_html(post) if with_responses else ""
    return jinja_html.render(ENTRY, {**entry_context(post), "post": post, "responses": responses})


def _original(post) -> str:
    """The post's own u-url when a client sent an http(s) one (e.g. an imported post's source)."""
    first = (post.extra_properties.get("url") or [""])[0]
    return first if isinstance(first, str) and first.startswith(("https://", "http://")) else ""


def entry_context(post) -> dict:
    """Everything the entry shows beyond plain fields, computed once in Python: an uncached page
    spent most of its template time on lookups, filters and relation managers per entry (issue 7)."""
    ctx = display_context(post)
    blog = post.blog
    published_iso, published_text = printed_dates(post.published, with_time=True)
    updated_iso, updated_text = printed_dates(post.updated, with_time=False)
    photos, original = photos_of(post), _original(post)
    categories = [{"url": c.get_absolute_url(), "name": c.name} for c in categories_of(post)]
    ctx.update(
        url=post.get_absolute_url(),
        has_context=any(getattr(post, name) for name in CONTEXT_FIELDS)
        or any(ctx[key] for key in ("rsvp", "checkin", "location", "geo")),
        # Guards around what most entries lack, so a plain note skips those nodes in one test.
        has_media=bool(photos or ctx["video"] or ctx["audio"]),
        has_more_meta=bool(original or post.updated or categories or post.syndication),
        photos=photos,
        categories=categories,
        home=blog.base_url,
        author=blog.user.name,
        published_iso=published_iso,
        published_text=published_text,
        updated_iso=updated_iso,
        updated_text=updated_text,
        original=original,
    )
    return ctx
