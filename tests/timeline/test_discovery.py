"""Feed discovery: rel=alternate links, h-feed pages, direct feeds, and clear messages when there is none."""

from __future__ import annotations

import pytest

from timeline.discovery import DiscoveryError, discover

pytestmark = pytest.mark.django_db


def test_page_with_alternates_and_hfeed(feed_site):
    """A page offering RSS and JSON Feed links plus its own h-feed gives three candidates, in page order."""
    page = feed_site.serve("/", "hfeed.html")
    found = discover(page)
    assert [(c.kind, c.url) for c in found] == [
        ("RSS", feed_site.url("/feed.xml")),
        ("JSON Feed", feed_site.url("/feed.json")),
        ("h-feed", page),
    ]
    assert found[0].title == "Ida's RSS"


@pytest.mark.parametrize(
    ("name", "kind"), [("wordpress.rss", "RSS"), ("blogger.atom", "Atom"), ("microblog.json", "JSON Feed")]
)
def test_direct_feed_urls(feed_site, name, kind):
    """A URL that is itself a feed is followed as it is."""
    url = feed_site.serve("/feed", name)
    assert [(c.kind, c.url) for c in discover(url)] == [(kind, url)]


def test_no_feed_message(feed_site):
    """A page with no feed and no h-feed gets a message saying so."""
    url = feed_site.serve("/plain", b"<!doctype html><p>hi</p>", content_type="text/html")
    with pytest.raises(DiscoveryError, match="has no RSS, Atom or JSON feed and no h-feed"):
        discover(url)


def test_missing_page_message(feed_site):
    """A 404 says what happened."""
    with pytest.raises(DiscoveryError, match="answered HTTP 404"):
        discover(feed_site.url("/nope"))


def test_not_a_site(feed_site):
    """An address that is neither page nor feed (an image) is a clear error."""
    url = feed_site.serve("/cat.png", b"\x89PNG\r\n", content_type="image/png")
    with pytest.raises(DiscoveryError, match="neither a web page nor a feed"):
        discover(url)
