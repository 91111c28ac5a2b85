from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join

from posts.discovery import discovery_links
from posts.mf2 import display_context
from posts.selectors import categories_of, photos_of

register = template.Library()

# The response properties _entry.html shows as a context line above the content.
CONTEXT_FIELDS = ("in_reply_to", "like_of", "repost_of", "bookmark_of")
PUBLISHED_FORMAT = "M j, Y · H:i"
UPDATED_FORMAT = "M j, Y"


@register.simple_tag
def discovery_link_elements(blog):
    """<link> elements for every discovery rel (the same set as the Link header)."""
    return format_html_join(
        "\n",
        '<link rel="{}" href="{}"{}>',
        (
            (rel, url, format_html(' type="{}"', mime) if mime else "")
            for rel, url, mime in discovery_links(blog)
        ),
    )


def _date(value, fmt: str) -> str:
    """What `{{ value|date:fmt }}` prints, in the active ({% timezone %}) time zone."""
    return dateformat.format(timezone.localtime(value), fmt) if value else ""


def _original(post) -> str:
    """The post's own u-url when a client sent an http(s) one (e.g. an imported post's source)."""
    first = (post.extra_properties.get("url") or [""])[0]
    return first if isinstance(first, str) and first.startswith(("https://", "http://")) else ""


@register.simple_tag
def entry_context(post) -> dict:
    """Everything _entry.html shows beyond plain fields, computed once in Python: an uncached page
    spent most of its template time on lookups, filters and relation managers per entry (issue 7)."""
    ctx = display_context(post)
    blog = post.blog
    ctx.update(
        url=post.get_absolute_url(),
        has_context=any(getattr(post, name) for name in CONTEXT_FIELDS)
        or any(ctx[key] for key in ("rsvp", "checkin", "location", "geo")),
        photos=photos_of(post),
        categories=[{"url": c.get_absolute_url(), "name": c.name} for c in categories_of(post)],
        home=blog.base_url,
        author=blog.user.name,
        published_iso=_date(post.published, "c"),
        published_text=_date(post.published, PUBLISHED_FORMAT),
        updated_iso=_date(post.updated, "c"),
        updated_text=_date(post.updated, UPDATED_FORMAT),
        original=_original(post),
    )
    return ctx
