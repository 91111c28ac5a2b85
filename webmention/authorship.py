"""Who wrote a response: the IndieWeb authorship algorithm (https://indieweb.org/authorship-spec),
falling back to the page's h-card, then to the source's domain. Everything found stays untrusted."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from microhost.sanitize import plain_text
from webmention.interpret import Author, first, http_url, parent_feed, text
from webmention.mf2 import parse_mf2

# Author pages are small; a page that needs more than this is not worth reading for a name.
AUTHOR_PAGE_MAX_BYTES = 512 * 1024

PageFetcher = Callable[[str], tuple[str, str] | None]  # url -> (html, final url) or None


def card_author(card: dict) -> Author:
    """name/url/photo of an h-card: plain text, http(s) URLs only (R7, R8)."""
    properties = card.get("properties", {})
    return Author(
        name=plain_text(text(first(properties, "name")) or text(card.get("value", "")))[:200],
        url=http_url(first(properties, "url")),
        photo=http_url(first(properties, "photo")),
    )


def _is_card(value: object) -> bool:
    return isinstance(value, dict) and "h-card" in value.get("type", [])


def _cards(parsed: dict) -> list[dict]:
    """Every h-card on a page, top level and nested as children."""
    found: list[dict] = []
    for item in parsed.get("items", []):
        if _is_card(item):
            found.append(item)
        found.extend(child for child in item.get("children", []) if _is_card(child))
    return found


def _card_on_author_page(parsed: dict, page_url: str) -> dict | None:
    """Step 5: the h-card whose url and uid are the page; else whose url is also a rel=me."""
    cards = _cards(parsed)
    for card in cards:
        props = card.get("properties", {})
        if http_url(first(props, "url")) == page_url and http_url(first(props, "uid")) == page_url:
            return card
    rel_me = set(parsed.get("rels", {}).get("me", []))
    for card in cards:
        if {http_url(v) for v in card.get("properties", {}).get("url", [])} & rel_me:
            return card
    return None


def _from_author_page(page_url: str, parsed: dict, fetch_page: PageFetcher) -> Author | None:
    """Steps 5-6: read the author page, else an h-card on the entry's page with that url."""
    page = fetch_page(page_url)
    if page is not None:
        html, final_url = page
        card = _card_on_author_page(parse_mf2(html, final_url), page_url)
        if card is not None:
            return card_author(card)
    for card in _cards(parsed):
        if page_url in {http_url(v) for v in card.get("properties", {}).get("url", [])}:
            return card_author(card)
    return None


def find_author(parsed: dict, entry: dict, *, source: str, fetch_page: PageFetcher) -> Author:
    """The entry's author, by the algorithm; the page's first h-card; else just the domain."""
    parts = urlsplit(source)
    source_host, site = (parts.hostname or ""), f"{parts.scheme}://{parts.netloc}/"
    author = first(entry.get("properties", {}), "author")
    feed = parent_feed(parsed, entry)
    if not author and feed is not None:
        author = first(feed.get("properties", {}), "author")
    if _is_card(author):
        return card_author(author)
    page_url = http_url(author)
    if author and not page_url:
        return Author(name=plain_text(text(author))[:200], url=site)
    if not page_url:
        page_url = http_url((parsed.get("rels", {}).get("author") or [""])[0])
    found = _from_author_page(page_url, parsed, fetch_page) if page_url else None
    if found is not None:
        return found
    cards = _cards(parsed)
    if cards:
        return card_author(cards[0])
    return Author(name=source_host, url=page_url or site)
