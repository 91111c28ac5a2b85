"""RSS 2.0, Atom 1.0 and JSON Feed 1.1, written straight from a feed's Channel and Items (posts/feeds.py).

Each writer joins strings in one pass. Until session 13 of issue 7, Django's syndication framework
wrote RSS and Atom; it spent ~40 % of an uncached feed's CPU asking the Feed class for each item's
dozen attributes (introspecting each method every time) and copying them into dicts. These writers
print the same bytes that framework printed (tests/posts/test_feed_output.py holds them to golden
files written by it): the same elements in the same order, attributes sorted, `<name/>` for empty
content and the escaping of xml.sax.saxutils. One difference: XML 1.0 cannot carry control
characters, and where Django's XML generator refused them (one post holding a stray \x07 made the
blog's RSS and Atom feeds answer 500), these writers leave them out.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.feedgenerator import rfc2822_date, rfc3339_date

if TYPE_CHECKING:  # posts/feeds.py writes its feeds with these writers
    from posts.feeds import Channel, Item

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

# The control characters XML 1.0 does not allow, even as references (tab, newline and CR it does).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape_text(value: str) -> str:
    """xml.sax.saxutils.escape (& first, then > and <), without control characters."""
    value = _CONTROL.sub("", value)
    return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quote_attribute(value: str) -> str:
    """xml.sax.saxutils.quoteattr: escaped, newlines and tabs as references, in whichever quotes fit."""
    value = escape_text(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"{}"'.format(value.replace('"', "&quot;"))


def element(name: str, text: str | None, attributes: str = "") -> str:
    """`<name attributes>text</name>`, or `<name attributes/>` when there is no text."""
    if not text:
        return f"<{name}{attributes}/>"
    return f"<{name}{attributes}>{escape_text(text)}</{name}>"


def attributes(**values: str) -> str:
    """` key="value"` pairs in sorted order (xml:lang and xmlns are passed as xml_lang and xmlns)."""
    pairs = sorted((key.replace("_", ":"), value) for key, value in values.items())
    return "".join(f" {key}={quote_attribute(value)}" for key, value in pairs)


def latest_date(dates: list[datetime.datetime | None], zone: datetime.tzinfo) -> datetime.datetime:
    """The newest of the items' publication and edit dates, in the blog's zone; now (UTC) for none."""
    newest = max(filter(None, dates), default=None)
    return newest.astimezone(zone) if newest is not None else datetime.datetime.now(tz=datetime.UTC)


def _creator(channel: Channel) -> str:
    if not channel.author_name:
        return ""
    return element("dc:creator", channel.author_name, f' xmlns:dc="{DC_NS}"')


def rss_item(channel: Channel, item: Item) -> str:
    """One <item>: notes go out without <title> (an item needs a title or a description); one
    <enclosure> (the first photo); all photos are in the content."""
    parts = ["<item>"]
    if item.name:
        parts.append(element("title", item.name))
    parts += (element("link", item.link), element("description", item.html), _creator(channel))
    if item.published is not None:
        parts.append(element("pubDate", rfc2822_date(item.published)))
    parts.append(element("guid", item.guid, ' isPermaLink="true"'))
    if item.enclosures:
        url, mime = item.enclosures[0]  # attributes in sorted order, as everywhere
        parts.append(f'<enclosure length="0" type={quote_attribute(mime)} url={quote_attribute(url)}/>')
    parts += (element("category", name) for name in item.categories)
    parts.append("</item>")
    return "".join(parts)


def rss(channel: Channel, entries: list[str], updated: datetime.datetime) -> str:
    """RSS 2.0 (rssboard.org/rss-specification) around rss_item()s."""
    parts = [
        XML_DECLARATION,
        f'<rss version="2.0" xmlns:atom="{ATOM_NS}"><channel>',
        element("title", channel.title),
        element("link", channel.link),
        element("description", channel.description),
        element("atom:link", None, attributes(href=channel.feed_url, rel="self")),
    ]
    if channel.language is not None:
        parts.append(element("language", channel.language))
    parts.append(element("lastBuildDate", rfc2822_date(updated)))
    parts += entries
    parts.append("</channel></rss>")
    return "".join(parts)


def _atom_author(channel: Channel) -> str:
    return f"<author>{element('name', channel.author_name)}{element('uri', channel.author_link)}</author>"


def atom_entry(channel: Channel, item: Item) -> str:
    """One <entry>: a title (notes an excerpt), <updated> (its publication date until edited), the
    full HTML in <content>, every photo as a rel=enclosure link."""
    parts = [
        "<entry>",
        element("title", item.atom_title()),
        f'<link href={quote_attribute(item.link)} rel="alternate"/>',  # attributes in sorted order
    ]
    if item.published is not None:
        parts.append(element("published", rfc3339_date(item.published)))
    if (updated := item.updated or item.published) is not None:
        parts.append(element("updated", rfc3339_date(updated)))
    parts += (_atom_author(channel), element("id", item.guid))
    parts += (
        f'<link href={quote_attribute(url)} length="0" rel="enclosure" type={quote_attribute(mime)}/>'
        for url, mime in item.enclosures
    )
    parts += (f"<category term={quote_attribute(name)}/>" for name in item.categories)
    if item.summary:
        parts.append(element("summary", item.summary, ' type="text"'))
    parts += (element("content", item.html, ' type="html"'), "</entry>")
    return "".join(parts)


def atom(channel: Channel, entries: list[str], updated: datetime.datetime) -> str:
    """Atom 1.0 (RFC 4287) around atom_entry()s."""
    language = {"xml_lang": channel.language} if channel.language is not None else {}
    root = attributes(xmlns=ATOM_NS, **language)
    parts = [
        XML_DECLARATION,
        f"<feed{root}>",
        element("title", channel.title),
        element("link", None, attributes(href=channel.link, rel="alternate")),
        element("link", None, attributes(href=channel.feed_url, rel="self")),
        element("id", channel.guid),
        element("updated", rfc3339_date(updated)),
        _atom_author(channel),
        *entries,
        "</feed>",
    ]
    return "".join(parts)


def _without_empty(data: dict[str, Any]) -> dict[str, Any]:
    """JSON Feed marks optional keys as absent, not null: drop None, "" and []."""
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def _json_date(value: datetime.datetime | None) -> str | None:
    """RFC 3339 with an explicit offset, as §items date_published requires."""
    return rfc3339_date(value) if value is not None else None


def _json(value: Any) -> str:
    """Compact, written by the json module's C encoder."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_item(channel: Channel, item: Item) -> str:
    """One item: a title for articles only, the first photo as `image`, date_modified once edited.
    (The channel is unused: every format's item writer takes the same arguments, see Format.)"""
    return _json(
        _without_empty(
            {
                "id": item.guid or item.link,
                "url": item.link,
                "title": item.name,
                "content_html": item.html,
                "summary": item.summary,
                "image": item.image,
                "date_published": _json_date(item.published),
                "date_modified": _json_date(item.updated),
                "tags": item.categories,
            }
        )
    )


def json_feed(channel: Channel, entries: list[str], updated: datetime.datetime) -> str:
    """JSON Feed 1.1 (jsonfeed.org/version/1.1) around json_item()s (it has no feed-level date)."""
    author = {"name": channel.author_name, "url": channel.author_link, "avatar": channel.avatar}
    top = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": channel.link,
        "feed_url": channel.feed_url,
        "description": channel.description,
        "language": channel.language,
        "authors": [_without_empty(author)],
    }
    head = _json({**_without_empty(top), "items": []})  # "items" is the last key: …,"items":[]}
    return f"{head[:-2]}{','.join(entries)}]}}"


@dataclass(frozen=True)
class Format:
    """A feed format: how one item is written, how the feed around the items is, its Content-Type, and
    the Post column its items are stored in (posts/stored_renderings.py)."""

    item: Callable[[Channel, Item], str]
    feed: Callable[[Channel, list[str], datetime.datetime], str]
    content_type: str
    column: str


# by the feed URL's extension
FORMATS: dict[str, Format] = {
    "xml": Format(rss_item, rss, "application/rss+xml; charset=utf-8", "rss_item"),
    "atom": Format(atom_entry, atom, "application/atom+xml; charset=utf-8", "atom_entry"),
    "json": Format(json_item, json_feed, "application/feed+json; charset=utf-8", "json_item"),
}
