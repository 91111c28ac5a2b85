"""Feed endpoints for a blog and its categories: cheap to poll, and never rendered for a 304."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control

from posts.conditional import blog_conditional
from posts.feeds import BlogAtomFeed, BlogJsonFeed, BlogRssFeed

# Readers poll often; a minute of shared caching absorbs bursts, conditional GET the rest.
FEED_MAX_AGE = 60


def _feed_view(feed: Feed) -> Callable[..., HttpResponse]:
    """Wrap a Feed so that Last-Modified and ETag both come from the blog row, like every page."""

    @cache_control(public=True, max_age=FEED_MAX_AGE)
    @blog_conditional
    def view(request: HttpRequest, slug: str | None = None) -> HttpResponse:
        response = feed(request, slug=slug)
        # Feed sets it from the newest item; a deletion or edit would not move that date.
        del response["Last-Modified"]
        return response

    return view


rss = _feed_view(BlogRssFeed())
atom = _feed_view(BlogAtomFeed())
json_feed = _feed_view(BlogJsonFeed())
