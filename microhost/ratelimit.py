"""Fixed-window request budgets in the cache (R38): Redis in production, local memory otherwise."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache


@dataclass(frozen=True)
class Budget:
    """`limit` requests per `window` seconds for each key (a token, an IP, …)."""

    name: str
    limit: int
    window: int

    @classmethod
    def parse(cls, name: str, spec: str) -> Budget:
        """ "300/300" means 300 requests per 300 seconds."""
        limit, window = spec.split("/")
        return cls(name, int(limit), int(window))


def consume(budget: Budget, key: str) -> int | None:
    """Count one request; None while within budget, else the seconds until the window resets."""
    now = int(time.time())
    start = now - now % budget.window
    cache_key = f"ratelimit:{budget.name}:{key}:{start}"
    count = _count(cache_key, timeout=budget.window + 1)
    if count <= budget.limit:
        return None
    return max(1, start + budget.window - now)


def _count(cache_key: str, *, timeout: int) -> int:
    """Add one to the window's counter and return it. On Redis one round trip (SET NX + INCR in a
    MULTI) instead of the three of cache.add + cache.incr (which checks EXISTS first)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(cache_key)
        pipe = backend._cache.get_client(full_key, write=True).pipeline()
        pipe.set(full_key, 0, ex=timeout, nx=True)
        pipe.incr(full_key)
        return int(pipe.execute()[1])
    cache.add(cache_key, 0, timeout=timeout)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.set(cache_key, 1, timeout=timeout)
        return 1
