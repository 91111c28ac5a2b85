"""Feed endpoints for a blog and its categories: cheap to poll, and never rendered for a 304."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control

from posts import feeds, selectors
from posts.conditional import blog_conditional
from posts.feed_formats import FORMATS

# Readers poll often; a minute of shared caching absorbs bursts, conditional GET the rest.
FEED_MAX_AGE = 60


def _feed_view(extension: str) -> Callable[..., HttpResponse]:
    """The feed in one format; Last-Modified and ETag both come from the blog row, like every page
    (the newest item's date would not move for a deletion or an edit)."""
    content_type = FORMATS[extension].content_type

    @cache_control(public=True, max_age=FEED_MAX_AGE)
    @blog_conditional
    def view(request: HttpRequest, slug: str | None = None) -> HttpResponse:
        category = selectors.category_or_404(request.blog, slug) if slug else None
        source = feeds.FeedSource(request.blog, category)
        body = feeds.feed(source, extension)
        return HttpResponse(body.encode("utf-8", "xmlcharrefreplace"), content_type=content_type)

    return view


rss = _feed_view("xml")
atom = _feed_view("atom")
json_feed = _feed_view("json")
