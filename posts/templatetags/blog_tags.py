from django import template
from django.utils.safestring import SafeString

from posts.dates import printed_dates
from posts.entry_html import entry_html
from posts.mf2 import display_context
from posts.selectors import categories_of, photos_of
from webmention.responses_html import responses_html

register = template.Library()

# The response properties the entry shows as a context line above the content.
CONTEXT_FIELDS = ("in_reply_to", "like_of", "repost_of", "bookmark_of")


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


@register.simple_tag
def entry(post, with_responses: bool = False) -> SafeString:
    """`{% entry post %}`: one post's h-entry, rendered by Jinja2 (posts/entry_html.py), where the
    Django include was most of a cold page's template time. Dates use the active {% timezone %}.
    with_responses (the permalink) adds its received responses (webmention/responses_html.py)."""
    responses = responses_html(post) if with_responses else ""
    return entry_html(post, entry_context(post), responses)
