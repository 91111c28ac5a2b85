"""Fixtures for the timeline tests: a loopback "feed farm" serving the sample feeds in testdata/.

The server answers like real blogs do: ETag/Last-Modified with 304 on a match, redirects, 410,
errors, and it counts every request so tests can prove a 304 costs nothing more."""

from __future__ import annotations

import hashlib
import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.microhost import conftest as microhost_fixtures
from tests.microhost.conftest import Handler, LoopbackServer
from timeline import tasks

loopback = microhost_fixtures.loopback  # the fetcher tests' loopback server factory, reused
TESTDATA = pathlib.Path(__file__).parent / "testdata"
TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".xml": "application/rss+xml",
    ".json": "application/feed+json",
    ".html": "text/html; charset=utf-8",
    ".opml": "text/x-opml",
}


def sample(name: str) -> bytes:
    return (TESTDATA / name).read_bytes()


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/rss+xml"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # answer with an ETag and honour If-None-Match


class FeedSite:
    """Routes path → Route on one loopback server; tests change routes between polls."""

    def __init__(self, loopback: Callable[..., LoopbackServer]) -> None:
        self.routes: dict[str, Route] = {}
        self.server = loopback(self._respond)

    @property
    def requests(self):
        return self.server.requests

    def url(self, path: str) -> str:
        return self.server.url(path)

    def serve(self, path: str, name_or_body: str | bytes, **kwargs) -> str:
        """Serve a testdata file (by name) or bytes at path; returns the absolute URL."""
        if isinstance(name_or_body, str):
            kwargs.setdefault("content_type", TYPES[pathlib.Path(name_or_body).suffix])
            name_or_body = sample(name_or_body)
        self.routes[path] = Route(body=name_or_body, **kwargs)
        return self.url(path)

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def _respond(self, req: Handler) -> None:
        route = self.routes.get(req.path.split("?")[0])
        if route is None:
            req.reply(404, b"not found", {"Content-Type": "text/plain"})
            return
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.etag and route.status == 200:
            tag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            headers["ETag"] = tag
            if req.headers.get("If-None-Match") == tag:
                req.reply(304, b"", {"ETag": tag})
                return
        req.reply(route.status, route.body, headers)


@pytest.fixture
def feed_site(loopback, settings) -> FeedSite:
    """A loopback blog host; outbound fetches may reach loopback (MICROHOST_ALLOW_PRIVATE_ADDRESSES)."""
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = True
    settings.MICROHOST_FETCH_TOTAL_TIMEOUT = 5.0
    return FeedSite(loopback)


@pytest.fixture
def make_post(make_post, django_capture_on_commit_callbacks):
    """The shared post factory, with on-commit callbacks run (post_changed drives fan-out) and then the
    queued follower job run here, as the worker would (test_fanout.py runs it on a real worker)."""

    def make(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            post = make_post(*args, **kwargs)
        tasks.fan_out_post(post.pk)
        return post

    return make


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run a block's on-commit callbacks, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
