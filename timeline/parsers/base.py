"""The one shape every feed format is converted to, and helpers the parsers share."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from microhost.sanitize import plain_text

MAX_ENTRIES = 200  # a feed listing more is cut: nobody's timeline needs a 10,000-item backlog
MAX_PHOTOS = 4
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)


class ParseError(Exception):
    """The document is not a feed we can read at all."""


@dataclass
class ParsedEntry:
    """An entry as we store it; content_html is raw here and sanitised when stored."""

    key: str
    url: str = ""
    title: str = ""
    content_html: str = ""
    summary_only: bool = False
    author_name: str = ""
    author_url: str = ""
    photos: list[str] = field(default_factory=list)
    in_reply_to: str = ""
    published: datetime.datetime | None = None
    updated: datetime.datetime | None = None


@dataclass
class ParsedFeed:
    format: str
    title: str = ""
    site_url: str = ""
    hub: str = ""
    self_url: str = ""
    entries: list[ParsedEntry] = field(default_factory=list)
    warning: str = ""


def http_url(value: object, base: str = "") -> str:
    """An absolute http(s) URL resolved against base, or "" (javascript: and friends are dropped)."""
    if not isinstance(value, str) or not value.strip():
        return ""
    url = urljoin(base, value.strip()) if base else value.strip()
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def text(value: object, limit: int = 300) -> str:
    """Plain text from a field that may hold HTML (titles with <b> and &amp; in them), cut to limit."""
    if not isinstance(value, str):
        return ""
    return " ".join(plain_text(value).split())[:limit]


def when(value: object) -> datetime.datetime | None:
    """An aware datetime from ISO 8601 (or a struct_time from feedparser), else None."""
    if isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            return None
    elif hasattr(value, "tm_year"):
        moment = datetime.datetime(*value[:6], tzinfo=datetime.UTC)
    else:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def photos_in(html: str, base: str) -> list[str]:
    """Image URLs in content HTML: the sanitiser drops <img>, so the timeline shows them itself."""
    return [url for url in (http_url(src, base) for src in _IMG_SRC.findall(html or "")) if url]


def unique_keys(entries: list[ParsedEntry]) -> list[ParsedEntry]:
    """Duplicate guids in one document (a real WordPress/Blogger quirk): the first one wins."""
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.key and entry.key not in seen:
            seen.add(entry.key)
            kept.append(entry)
    return kept[:MAX_ENTRIES]
