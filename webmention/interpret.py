"""A verified source's microformats2 turned into what we show: kind, author, text, date.

Follows webmention.md §6: the first h-entry only; its like-of/repost-of/bookmark-of/in-reply-to
compared with the target decide the kind; content is strict-sanitised (mf2py hands back raw HTML)
and trimmed; names, URLs and photos are untrusted text (R6-R8).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import Truncator

from microhost.sanitize import clean_foreign_html, escape_text, plain_text

# Longest reply text shown in full; longer ones show the summary or a cut text plus a link.
MAX_CONTENT_CHARS = 500
# Response properties in the order they decide the kind (a like that also replies is a like).
KIND_PROPERTIES = (
    ("like-of", "like"),
    ("repost-of", "repost"),
    ("bookmark-of", "bookmark"),
    ("in-reply-to", "reply"),
    ("quotation-of", "quotation"),
)


@dataclass
class Author:
    name: str = ""
    url: str = ""
    photo: str = ""


@dataclass
class Interpretation:
    kind: str = "mention"
    author: Author = field(default_factory=Author)
    content_html: str = ""
    title: str = ""
    url: str = ""
    rsvp: str = ""
    reply_to: list[str] = field(default_factory=list)
    published: datetime.datetime | None = None


def first_entry(parsed: dict) -> dict | None:
    """The first h-entry on the page, looking inside an h-feed's children too."""
    for item in parsed.get("items", []):
        if "h-entry" in item.get("type", []):
            return item
        for child in item.get("children", []):
            if "h-entry" in child.get("type", []):
                return child
    return None


def parent_feed(parsed: dict, entry: dict) -> dict | None:
    for item in parsed.get("items", []):
        if entry in item.get("children", []) and "h-feed" in item.get("type", []):
            return item
    return None


def first(properties: dict, name: str) -> object:
    values = properties.get(name) if isinstance(properties, dict) else None
    return values[0] if isinstance(values, list) and values else ""


def text(value: object) -> str:
    """The string of an mf2 value: a string, an embedded object's value, or a {value, alt} photo."""
    if isinstance(value, dict):
        return str(value.get("value") or first(value.get("properties", {}), "name") or "")
    return str(value or "")


def http_url(value: object) -> str:
    """An http(s) URL or "" (javascript:, data: and relative junk never reach a page)."""
    if isinstance(value, dict) and "properties" in value:
        value = first(value["properties"], "url") or value.get("value")
    url = text(value).strip()
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def urls_of(properties: dict, name: str) -> list[str]:
    """The URLs a response property names: strings, or embedded h-cite url/value."""
    return [url for url in (http_url(v) for v in properties.get(name) or []) if url]


def kind_for(properties: dict, targets: set[str]) -> str:
    """reply/like/repost/bookmark/quotation when that property names the target, rsvp for a reply
    with rsvp, else mention (webmention.md §6 "Response type")."""
    for prop, kind in KIND_PROPERTIES:
        if {urldefrag(url)[0] for url in urls_of(properties, prop)} & targets:
            if kind == "reply" and text(first(properties, "rsvp")):
                return "rsvp"
            return kind
    return "mention"


def parse_published(value: str) -> datetime.datetime | None:
    try:
        moment = parse_datetime(value.strip().replace(" ", "T", 1))
    except ValueError:
        return None
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)


def content_of(properties: dict, base_url: str, link: str) -> tuple[str, str]:
    """(sanitised HTML to show, title): full content if short, else summary, else a cut text."""
    content = first(properties, "content")
    html = content.get("html", "") if isinstance(content, dict) else escape_text(str(content))
    plain = plain_text(html)
    name = plain_text(text(first(properties, "name")))
    title = name if name and not plain.startswith(name[:40]) else ""  # implied names repeat the text
    if len(plain) <= MAX_CONTENT_CHARS:
        return clean_foreign_html(html, base_url=base_url), title[:300]
    summary = plain_text(text(first(properties, "summary")))
    cut = Truncator(summary or plain).chars(MAX_CONTENT_CHARS)
    more = f' <a href="{escape_text(link)}">Read more</a>'
    return clean_foreign_html(f"<p>{escape_text(cut)}{more}</p>", base_url=base_url), title[:300]


def interpret(parsed: dict, entry: dict, *, source: str, targets: set[str], author: Author) -> Interpretation:
    """Everything we keep about a verified response, from its first h-entry."""
    properties = entry.get("properties", {})
    link = http_url(first(properties, "url")) or source
    html, title = content_of(properties, source, link)
    return Interpretation(
        kind=kind_for(properties, targets),
        author=author,
        content_html=html,
        title=title,
        url=link,
        rsvp=plain_text(text(first(properties, "rsvp")))[:16].lower(),
        reply_to=urls_of(properties, "in-reply-to")[:20],
        published=parse_published(text(first(properties, "published"))),
    )
