"""The rel links every blog page advertises, in the <head> and as HTTP Link headers.

Features that add an endpoint (Micropub, Webmention, IndieAuth, Microsub) register it in
DISCOVERY_PROVIDERS; each provider maps a blog to (rel, absolute URL, type) triples.
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.models import Blog

FEED_TYPES = (
    ("/feed.xml", "application/rss+xml", "RSS"),
    ("/feed.atom", "application/atom+xml", "Atom"),
    ("/feed.json", "application/feed+json", "JSON Feed"),
)


def feed_links(blog: Blog) -> list[tuple[str, str, str]]:
    return [("alternate", blog.absolute(path), mime) for path, mime, _ in FEED_TYPES]


DISCOVERY_PROVIDERS: list[Callable[[Blog], list[tuple[str, str, str]]]] = [feed_links]


def discovery_links(blog: Blog) -> list[tuple[str, str, str]]:
    links: list[tuple[str, str, str]] = []
    for provider in DISCOVERY_PROVIDERS:
        links.extend(provider(blog))
    return links


def link_header(links: list[tuple[str, str, str]]) -> str:
    parts = []
    for rel, url, mime in links:
        part = f'<{url}>; rel="{rel}"'
        if mime:
            part += f'; type="{mime}"'
        parts.append(part)
    return ", ".join(parts)
