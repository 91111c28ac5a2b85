"""Feed documents → ParsedFeed: RSS/Atom (feedparser), JSON Feed (ours), h-feed (mf2py).

Every parser takes bytes the safe fetcher already read, never a URL (R1, R10)."""

from __future__ import annotations

from timeline.parsers.base import ParsedEntry, ParsedFeed, ParseError
from timeline.parsers.detect import parse_document

__all__ = ["ParseError", "ParsedEntry", "ParsedFeed", "parse_document"]
