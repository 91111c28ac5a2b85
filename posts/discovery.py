"""The rel links every blog page advertises, in the <head> and as HTTP Link headers.

Features that add an endpoint (Micropub, Webmention, IndieAuth, Microsub) call register_discovery()
from their AppConfig.ready(); each provider maps a blog to (rel, absolute URL, type) triples.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from accounts.models import Blog

FEED_TYPES = (
    ("/feed.xml", "application/rss+xml", "RSS"),
    ("/feed.atom", "application/atom+xml", "Atom"),
    ("/feed.json", "application/feed+json", "JSON Feed"),
)


def feed_links(blog: Blog) -> list[tuple[str, str, str]]:
    return [("alternate", blog.absolute(path), mime) for path, mime, _ in FEED_TYPES]


Provider = Callable[[Blog], list[tuple[str, str, str]]]
DISCOVERY_PROVIDERS: list[Provider] = [feed_links]


def register_discovery(provider: Provider) -> None:
    """Add a provider once (ready() may run more than once in tests)."""
    if provider not in DISCOVERY_PROVIDERS:
        DISCOVERY_PROVIDERS.append(provider)


def discovery_links(blog: Blog) -> list[tuple[str, str, str]]:
    """Every provider's links for `blog`, worked out once per blog object (a request's page and its Link
    header both ask) and again if its address changes."""
    remembered = blog.__dict__.get(_REMEMBERED)
    if remembered is not None and remembered[0] == blog.base_url:
        return remembered[1]
    links: list[tuple[str, str, str]] = []
    for provider in DISCOVERY_PROVIDERS:
        links.extend(provider(blog))
    blog.__dict__[_REMEMBERED] = (blog.base_url, links)
    return links


_REMEMBERED = "_discovery_links"


def link_elements(links: list[tuple[str, str, str]]) -> str:
    """The links as <link> elements, one a line, attribute values escaped (html.escape is what Django's
    escape does, without format_html's per-value lazy-string checks)."""
    return "\n".join(
        f'<link rel="{escape(rel)}" href="{escape(url)}"' + (f' type="{escape(mime)}">' if mime else ">")
        for rel, url, mime in links
    )


def link_header(links: list[tuple[str, str, str]]) -> str:
    parts = []
    for rel, url, mime in links:
        part = f'<{url}>; rel="{rel}"'
        if mime:
            part += f'; type="{mime}"'
        parts.append(part)
    return ", ".join(parts)
