"""Webmention fixtures: loopback 'sites' serving pages a test writes, reusing the fetcher's servers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.microhost.conftest import (  # noqa: F401  (fixtures re-exported for these tests)
    Handler,
    LoopbackServer,
    allow_private,
    fetch_settings,
    loopback,
    network,
)


@dataclass
class Page:
    body: str | bytes = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})


class Site:
    """A loopback web site: path → Page (a test edits it between requests); unknown paths 404."""

    def __init__(self, start: Callable[..., LoopbackServer]) -> None:
        self.pages: dict[str, Page | Callable[[Handler], None]] = {}
        self.server = start(self._respond)

    def _respond(self, request: Handler) -> None:
        page = self.pages.get(request.path) or self.pages.get(request.path.split("?")[0])
        if callable(page):
            page(request)
            return
        if page is None:
            request.reply(404, b"not found", {"Content-Type": "text/plain"})
            return
        body = page.body.encode() if isinstance(page.body, str) else page.body
        request.reply(page.status, body, page.headers)

    def url(self, path: str = "/") -> str:
        return self.server.url(path)

    @property
    def requests(self):
        return self.server.requests

    def posts_to(self, path: str) -> list:
        return [r for r in self.requests if r.method == "POST" and r.path == path]


@pytest.fixture
def site(loopback, allow_private) -> Site:  # noqa: F811
    """One loopback site, with private addresses allowed so the fetcher may reach it."""
    return Site(loopback)


@pytest.fixture
def make_site(loopback, allow_private) -> Callable[[], Site]:  # noqa: F811
    return lambda: Site(loopback)


def reply_page(
    target: str,
    *,
    text: str = "Great post!",
    author: str = "Carol",
    kind: str = "u-in-reply-to",
    photo: str = "https://carol.example/me.jpg",
    extra: str = "",
) -> str:
    """An h-entry responding to target, with an author h-card, as IndieWeb sites mark it up."""
    return f"""<!doctype html><html><body>
<article class="h-entry">
  <a class="{kind}" href="{target}">the post</a>
  <div class="p-author h-card"><img class="u-photo" src="{photo}" alt=""><a class="p-name u-url" href="https://carol.example/">{author}</a></div>
  <div class="e-content">{text}</div>
  <time class="dt-published" datetime="2026-11-20T10:00:00+00:00">yesterday</time>
  {extra}
</article></body></html>"""
