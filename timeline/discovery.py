"""Finding the feeds of a site: rel=alternate RSS/Atom/JSON Feed links, an h-feed on the page, or
the URL being a feed itself (issue 5 "Following")."""

from __future__ import annotations

from dataclasses import dataclass

import mf2py

from microhost.fetch import FetchError, fetch
from timeline.parsers import ParseError, parse_document
from timeline.parsers.detect import looks_like
from timeline.polling import ACCEPT

FEED_TYPES = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
    "application/json": "JSON Feed",
    "application/rdf+xml": "RSS",
}


class DiscoveryError(Exception):
    """Nothing to follow at that address; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Candidate:
    url: str
    kind: str  # RSS / Atom / JSON Feed / h-feed
    title: str = ""


def discover(url: str) -> list[Candidate]:
    """The feeds a URL offers, in page order; raises DiscoveryError with a message for people."""
    try:
        response = fetch(url, headers={"Accept": ACCEPT})
    except FetchError as exc:
        raise DiscoveryError(f"Could not read {url}: {exc}") from exc
    if response.status_code != 200:
        raise DiscoveryError(f"{url} answered HTTP {response.status_code}, so there is nothing to follow.")
    content_type = response.headers.get("Content-Type", "").lower()
    if looks_like(response.content, content_type) != "html":
        return [_as_feed(response.content, response.url, content_type)]
    found = _alternates(response.text, response.url)
    try:
        hfeed = parse_document(
            response.content, url=response.url, content_type="text/html", text=response.text
        )
        found.append(Candidate(response.url, "h-feed", hfeed.title))
    except ParseError:
        pass
    if not found:
        raise DiscoveryError(f"{url} has no RSS, Atom or JSON feed and no h-feed to follow.")
    return list(dict.fromkeys(found))


def _as_feed(content: bytes, url: str, content_type: str) -> Candidate:
    try:
        parsed = parse_document(content, url=url, content_type=content_type)
    except ParseError as exc:
        raise DiscoveryError(f"{url} is neither a web page nor a feed we can read ({exc})") from exc
    kinds = {"rss": "RSS", "atom": "Atom", "jsonfeed": "JSON Feed"}
    return Candidate(url, kinds.get(parsed.format, parsed.format), parsed.title)


def _alternates(html: str, base: str) -> list[Candidate]:
    """<link rel="alternate" type="application/rss+xml" …> and friends, via mf2py's rel-urls."""
    rel_urls = mf2py.parse(doc=html, url=base).get("rel-urls", {})
    found = []
    for href, info in rel_urls.items():
        kind = FEED_TYPES.get(str(info.get("type", "")).split(";")[0].strip().lower())
        if "alternate" in info.get("rels", []) and kind and href.startswith(("http://", "https://")):
            found.append(Candidate(href, kind, str(info.get("title", ""))[:200]))
    return found
