"""Which parser a fetched document needs, from its Content-Type and first bytes."""

from __future__ import annotations

from timeline.parsers.base import ParsedFeed, ParseError
from timeline.parsers.hfeed import parse_hfeed
from timeline.parsers.jsonfeed import parse_json
from timeline.parsers.xmlfeeds import parse_xml


def looks_like(content: bytes, content_type: str) -> str:
    """ "json", "html" or "xml" (servers often send feeds as text/html or text/plain)."""
    head = content[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"{", b"[")) or "json" in content_type:
        return "json"
    if head.startswith((b"<!doctype html", b"<html")) or (
        "html" in content_type and not head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf"))
    ):
        return "html"
    return "xml"


def parse_document(content: bytes, *, url: str, content_type: str, text: str | None = None) -> ParsedFeed:
    """Parse whatever feed the bytes hold; ParseError if none."""
    kind = looks_like(content, content_type.lower())
    if kind == "json":
        return parse_json(content, url=url)
    if kind == "html":
        return parse_hfeed(text if text is not None else content.decode("utf-8", "replace"), url=url)
    if not content.strip():
        raise ParseError("The feed is empty.")
    return parse_xml(content, url=url, content_type=content_type)
