"""The parsers on samples shaped like real WordPress, Blogger, Hugo, Ghost and micro.blog output."""

from __future__ import annotations

import resource
import time

import pytest

from tests.timeline.conftest import sample
from timeline.entries import _row
from timeline.models import Feed
from timeline.parsers import ParseError, parse_document


def parse(name: str, content_type: str, url: str = "https://site.example/feed"):
    return parse_document(sample(name), url=url, content_type=content_type)


def stored(name: str, content_type: str, url: str = "https://site.example/feed"):
    """The entries as they would be stored (sanitised, resolved)."""
    feed = Feed(url=url)
    return [_row(feed, entry) for entry in parse(name, content_type, url).entries]


def test_wordpress_titles_duplicates_and_scripts():
    """WordPress: HTML titles become text, a duplicate guid is kept once, scripts go, links resolve."""
    parsed = parse("wordpress.rss", "application/rss+xml; charset=UTF-8")
    assert parsed.format == "rss" and parsed.title == "Jane's Kitchen – Notes"
    assert [e.key for e in parsed.entries] == ["https://jane.example/?p=412", "https://jane.example/?p=1"]
    first = stored("wordpress.rss", "application/rss+xml")[0]
    assert first.title == "Sourdough again & more"
    assert "<script" not in first.content_html and "onclick" not in first.content_html
    assert 'href="https://jane.example/2026/11/01/starter/"' in first.content_html
    assert first.photos == ["https://jane.example/wp-content/uploads/2026/11/loaf-1024x768.jpg"]
    assert first.author_name == "jane" and first.published.year == 2026


def test_blogger_summary_only_and_hub():
    """Blogger's summary-only Atom is flagged as such; the media thumbnail is a photo; the hub is found."""
    parsed = parse("blogger.atom", "application/atom+xml")
    assert parsed.format == "atom" and parsed.hub == "http://pubsubhubbub.appspot.com/"
    entry = parsed.entries[0]
    assert entry.summary_only and entry.title == "Lisbon & trams"
    assert entry.url == "https://rob.blogspot.example/2026/11/lisbon-trams.html"
    assert entry.photos == ["https://blogger.googleusercontent.example/img/tram-s72-c.jpg"]


def test_hugo_relative_links_and_missing_dates():
    """Hugo: relative links resolve against the entry, javascript: links die, a missing date becomes 'now'."""
    rows = stored("hugo.xml", "application/rss+xml", url="https://hugo.example/posts/index.xml")
    first, leaked = rows
    assert 'href="https://hugo.example/posts/about/"' in first.content_html
    assert "javascript" not in first.content_html
    assert first.photos == ["https://hugo.example/images/diagram.png"]
    assert leaked.url == "https://hugo.example/posts/leaked/" and leaked.key == leaked.url
    assert abs(time.time() - leaked.published.timestamp()) < 60


def test_ghost_cdata_titles_and_iframes():
    """Ghost: <b> in a CDATA title is dropped to text, iframes never survive, media:content is a photo."""
    row = stored("ghost.rss", "application/rss+xml")[0]
    assert row.title == "Winter is coming"
    assert "iframe" not in row.content_html and "evil.example" not in row.content_html
    assert row.photos == ["https://ghost.example/content/images/2026/11/snow.jpg"]
    assert row.author_name == "Gus Ghost" and not row.summary_only


def test_microblog_json_feed():
    """micro.blog JSON Feed 1.0: untitled notes, image as photo, relative links resolved, text escaped."""
    parsed = parse("microblog.json", "application/json")
    assert parsed.format == "jsonfeed" and not parsed.warning
    rows = stored("microblog.json", "application/json")
    assert rows[0].title == "" and rows[0].photos == ["https://micro.example/uploads/2026/coffee.jpg"]
    assert 'href="https://micro.example/2026/11/19/post.html"' in rows[0].content_html
    assert "&lt;b&gt;angle brackets&lt;/b&gt;" in rows[1].content_html and "<b>" not in rows[1].content_html
    assert rows[0].author_name == "Manny"


def test_jsonfeed_11_authors_and_bad_json():
    """JSON Feed 1.1 `authors` are read; JSON that is not a JSON Feed is a ParseError."""
    doc = b'{"version":"https://jsonfeed.org/version/1.1","title":"T","authors":[{"name":"Ann"}],'
    doc += b'"items":[{"id":"1","content_html":"<p>x</p>","date_published":"2026-11-01T00:00:00Z"}]}'
    parsed = parse_document(doc, url="https://a.example/feed.json", content_type="application/feed+json")
    assert parsed.entries[0].author_name == "Ann"
    with pytest.raises(ParseError):
        parse_document(b'{"hello": 1}', url="https://a.example/", content_type="application/json")


def test_hfeed_page():
    """An h-feed page: entries with photos, in-reply-to, and a note's implied name is not a title."""
    parsed = parse("hfeed.html", "text/html", url="https://ida.example/")
    assert parsed.format == "hfeed" and parsed.title == "Indie Ida"
    note, article = parsed.entries
    assert note.title == "" and note.photos == ["https://ida.example/photos/camp.jpg"]
    assert note.url == "https://ida.example/2026/11/18/camp" and note.author_name == "Ida"
    assert article.title == "A longer article" and article.in_reply_to == "https://elsewhere.example/post/1"


def test_malformed_feed_parses_with_warning():
    """A truncated feed parses as far as it can and records a warning (issue 5 "Bad input")."""
    broken = sample("ghost.rss")[:-40]
    parsed = parse_document(broken, url="https://ghost.example/rss/", content_type="application/rss+xml")
    assert parsed.warning


def test_billion_laughs_is_harmless():
    """R11: billion laughs finishes in < 2 s, < 50 MB growth, no expanded entity, no file contents."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    try:
        parsed = parse_document(
            sample("billion-laughs.xml"), url="https://bomb.example/", content_type="text/xml"
        )
        text = " ".join(e.title + e.content_html for e in parsed.entries)
    except ParseError:
        text = ""
    assert time.monotonic() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024
    assert "lollol" not in text and "root:" not in text
