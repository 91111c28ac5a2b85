"""JSON Feed 1.0 and 1.1 (jsonfeed.org/version/1.1), a small parser of our own."""

from __future__ import annotations

import json

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

VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")


def parse_json(content: bytes, *, url: str) -> ParsedFeed:
    """Parse a JSON Feed; anything else (other JSON, bad JSON) is a ParseError."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError("This is not valid JSON.") from exc
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/"):
        raise ParseError("This JSON document is not a JSON Feed.")
    feed = ParsedFeed(
        format="jsonfeed",
        title=text(data.get("title")),
        site_url=http_url(data.get("home_page_url"), url),
        self_url=http_url(data.get("feed_url"), url),
        warning="" if data.get("version") in VERSIONS else f"Unknown JSON Feed version {data.get('version')}",
    )
    for hub in data.get("hubs") or []:
        if isinstance(hub, dict) and str(hub.get("type", "")).lower() == "websub":
            feed.hub = feed.hub or http_url(hub.get("url"), url)
    base = feed.site_url or url
    items = [item for item in data.get("items") or [] if isinstance(item, dict)]
    feed.entries = unique_keys([_entry(item, base, _author(data)) for item in items])
    return feed


def _author(data: dict) -> dict:
    """1.1 has `authors` (a list), 1.0 has `author`."""
    authors = data.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        return authors[0]
    return data.get("author") if isinstance(data.get("author"), dict) else {}


def _entry(item: dict, base: str, feed_author: dict) -> ParsedEntry:
    link = http_url(item.get("url"), base) or http_url(item.get("external_url"), base)
    html = item.get("content_html") if isinstance(item.get("content_html"), str) else ""
    plain = item.get("content_text") if isinstance(item.get("content_text"), str) else ""
    summary = item.get("summary") if isinstance(item.get("summary"), str) else ""
    author = _author(item) or feed_author
    photos = [http_url(item.get("image"), base)] + photos_in(html, base)
    photos += [
        http_url(a.get("url"), base)
        for a in item.get("attachments") or []
        if isinstance(a, dict) and str(a.get("mime_type", "")).startswith("image/")
    ]
    return ParsedEntry(
        key=str(item.get("id") or link or "").strip()[:2000],
        url=link,
        title=text(item.get("title")),
        content_html=html or _paragraphs(plain) or _paragraphs(summary),
        summary_only=not html and not plain and bool(summary),
        author_name=text(author.get("name"), 200),
        author_url=http_url(author.get("url"), base),
        photos=list(dict.fromkeys(p for p in photos if p))[:4],
        published=when(item.get("date_published")),
        updated=when(item.get("date_modified")),
    )


def _paragraphs(plain: str) -> str:
    """content_text is plain text: escape it, never pass it as HTML (R8)."""
    from django.utils.html import escape, linebreaks

    return linebreaks(escape(plain)) if plain else ""
