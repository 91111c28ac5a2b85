"""Each process's memory of the host cache, so a blog request's host lookup costs no round trip.

The host cache (accounts/blog_cache.py) answers with one Redis read: the host's generation token and
the cached blog. That read was a tenth of a Webmention receipt (issue 7, scenario 7). A process now
remembers what it read for a host and serves it while the host's token is unchanged: Redis tells it
the moment any token is replaced, deleted, expired or evicted (microhost/redis_tracking.py, the
tracked prefix is the tokens' keys), and what it remembers from before that moment is dropped.

Each hit is a fresh copy (the blog is kept pickled), so a request that changes its `request.blog`
changes nothing another request sees. A remembered blog is served for at most MEMORY_SECONDS, so a
change made outside Django (SQL by hand, which replaces no token) shows within that plus the cache's
own ENTRY_TTL.
"""

from __future__ import annotations

import pickle
import time
from typing import Any

from django.conf import settings

from microhost.redis_tracking import PerProcess, TrackedMemory, cache_key_prefix

MEMORY_SECONDS = 30
MAX_HOSTS = 50_000  # past this the memory starts again


class BlogMemory(TrackedMemory):
    """Host → (served until, the pickled (blog, canonical host)), dropped when the host's token moves."""

    name = "host memory"

    def __init__(self, redis_url: str, token_prefix: str) -> None:
        super().__init__(redis_url, token_prefix)
        self._blogs: dict[str, tuple[float, bytes]] = {}

    def get(self, host: str) -> Any | None:
        """A copy of what is remembered for `host`, or None: the caller reads Redis."""
        with self._lock:
            if not self._current():
                return None
            found = self._blogs.get(host)
        if found is None or found[0] < time.monotonic():
            return None
        return pickle.loads(found[1])  # noqa: S301 - our own pickle of our own rows

    def remember(self, host: str, value: Any, generation: int) -> None:
        """`value` was read from Redis (or the database) after `generation` was taken; kept unless a
        token changed since."""
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if not self._may_remember(generation):
                return
            if len(self._blogs) >= MAX_HOSTS:
                self._blogs.clear()
            self._blogs[host] = (time.monotonic() + MEMORY_SECONDS, data)

    def _forget_key(self, name: str) -> None:
        self._blogs.pop(name, None)

    def _forget_everything(self) -> None:
        self._blogs.clear()


def enabled() -> bool:
    """On with the host cache when the cache is Redis (it needs Redis's tracking)."""
    return bool(settings.MICROHOST_HOST_CACHE and settings.MICROHOST_HOST_MEMORY and settings.REDIS_URL)


_memory = PerProcess()


def for_this_process(token_key_of_nothing: str) -> BlogMemory | None:
    """This process's BlogMemory (None when off), its listener started on first use."""
    prefix = cache_key_prefix(token_key_of_nothing)
    if not enabled() or prefix is None:
        return None
    return _memory.get(lambda: BlogMemory(settings.REDIS_URL, prefix))
