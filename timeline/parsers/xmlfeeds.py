"""RSS 0.9x/1.0/2.0 and Atom through feedparser, from bytes with the response's headers (R10, R11).

Relative URLs are resolved later by the sanitiser against each entry's own link (what WordPress and
Hugo authors mean), not by feedparser against the feed URL.

feedparser strips nested ENTITY declarations and never resolves external entities; libexpat ≥ 2.4
caps amplification (billion laughs)."""

from __future__ import annotations

import io

import feedparser

from timeline.parsers.base import (
    ParsedEntry,
    ParsedFeed,
    ParseError,
    http_url,
    photos_in,
    text,
    unique_keys,
    when,
)


def parse_xml(content: bytes, *, url: str, content_type: str) -> ParsedFeed:
    """Parse an RSS or Atom document; a malformed one parses as far as it can, with a warning."""
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(
        io.BytesIO(content), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    if not parsed.get("version") and not parsed.entries:
        raise ParseError("This is not an RSS or Atom feed.")
    base = parsed.feed.get("link") or url
    feed = ParsedFeed(
        format="atom" if parsed.get("version", "").startswith("atom") else "rss",
        title=text(parsed.feed.get("title", "")),
        site_url=http_url(parsed.feed.get("link", ""), url),
        warning=str(parsed.get("bozo_exception", ""))[:500] if parsed.get("bozo") else "",
    )
    for link in parsed.feed.get("links", []):
        if link.get("rel") == "hub":
            feed.hub = feed.hub or http_url(link.get("href", ""), url)
        elif link.get("rel") == "self":
            feed.self_url = feed.self_url or http_url(link.get("href", ""), url)
    feed.entries = unique_keys([_entry(item, base) for item in parsed.entries])
    return feed


def _entry(item: dict, base: str) -> ParsedEntry:
    link = http_url(item.get("link", ""), base)
    contents = item.get("content") or []
    full = contents[0].get("value", "") if contents else ""
    summary = item.get("summary", "")
    author = item.get("author_detail") or {}
    return ParsedEntry(
        key=str(item.get("id") or link or "").strip()[:2000],
        url=link,
        title=text(item.get("title", "")),
        content_html=full or summary,
        summary_only=not full and bool(summary) and bool(item.get("title")),
        author_name=text(author.get("name") or item.get("author", ""), 200),
        author_url=http_url(author.get("href", ""), base),
        photos=_photos(item, link or base, full or summary),
        published=when(item.get("published_parsed") or _updated(item)),
        updated=when(_updated(item)),
    )


def _updated(item: dict) -> object:
    """updated_parsed without feedparser's deprecated fallback to published_parsed (issue 310)."""
    return dict.get(item, "updated_parsed")


def _photos(item: dict, base: str, html: str) -> list[str]:
    """Image enclosures, media:content/thumbnail, then <img> in the content."""
    found = []
    for link in item.get("enclosures", []):
        if str(link.get("type", "")).startswith("image/"):
            found.append(http_url(link.get("href", ""), base))
    for media in item.get("media_content", []) + item.get("media_thumbnail", []):
        if str(media.get("medium", "image")) == "image":
            found.append(http_url(media.get("url", ""), base))
    found.extend(photos_in(html, base))
    return list(dict.fromkeys(url for url in found if url))[:4]
