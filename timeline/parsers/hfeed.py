"""An HTML page's h-feed (or its top-level h-entries) through mf2py, from the fetched document."""

from __future__ import annotations

import mf2py

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


def parse_hfeed(html: str, *, url: str) -> ParsedFeed:
    """h-entries of the page's first h-feed, else its top-level h-entries (microformats.org/wiki/h-feed)."""
    doc = mf2py.parse(doc=html, url=url)
    items = doc.get("items", [])
    feed_item = next((i for i in items if "h-feed" in i.get("type", [])), None)
    entries = (feed_item or {}).get("children", []) if feed_item else items
    entries = [e for e in entries if "h-entry" in e.get("type", [])]
    if not entries:
        raise ParseError("This page has no h-feed or h-entry.")
    props = (feed_item or {}).get("properties", {})
    feed = ParsedFeed(format="hfeed", title=text(_first(props, "name")), site_url=url)
    feed.hub = http_url(_first_rel(doc, "hub"), url)
    feed.entries = unique_keys([_entry(e.get("properties", {}), url, _author(props)) for e in entries])
    return feed


def _first(props: dict, name: str) -> object:
    values = props.get(name) or [""]
    return values[0]


def _first_rel(doc: dict, rel: str) -> str:
    return (doc.get("rels", {}).get(rel) or [""])[0]


def _value(value: object) -> str:
    """The URL or text of an mf2 value that may be a nested object."""
    if isinstance(value, dict):
        return str(value.get("value") or _first(value.get("properties", {}), "url") or "")
    return str(value or "")


def _author(props: dict) -> dict:
    author = _first(props, "author")
    if isinstance(author, dict):
        p = author.get("properties", {})
        return {"name": _value(_first(p, "name")), "url": _value(_first(p, "url"))}
    return {"name": "", "url": _value(author)}


def _entry(props: dict, base: str, feed_author: dict) -> ParsedEntry:
    content = _first(props, "content")
    html = content.get("html", "") if isinstance(content, dict) else ""
    summary = str(_first(props, "summary") or "")
    link = http_url(_value(_first(props, "url")), base)
    name = text(_first(props, "name"))
    plain = text(content.get("value", "") if isinstance(content, dict) else "", 10_000)
    author = _author(props) if props.get("author") else feed_author
    photos = [http_url(_value(p), base) for p in props.get("photo", [])] + photos_in(html, base)
    return ParsedEntry(
        key=_value(_first(props, "uid")) or link,
        url=link,
        title="" if name and plain.startswith(name[:40]) else name,  # a note's implied name is its text
        content_html=html or summary,
        summary_only=not html and bool(summary),
        author_name=text(author.get("name"), 200),
        author_url=http_url(author.get("url"), base),
        photos=list(dict.fromkeys(p for p in photos if p))[:4],
        in_reply_to=http_url(_value(_first(props, "in-reply-to")), base),
        published=when(_first(props, "published")),
        updated=when(_first(props, "updated")),
    )
