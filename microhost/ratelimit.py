"""Fixed-window request budgets in the cache (R38): Redis in production, local memory otherwise."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


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
    cache.add(cache_key, 0, timeout=budget.window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.set(cache_key, 1, timeout=budget.window + 1)
        count = 1
    if count <= budget.limit:
        return None
    return max(1, start + budget.window - now)
