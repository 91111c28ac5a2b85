"""Shared by the tests of the memories kept current by Redis's key tracking (microhost/redis_tracking.py):
the page validators and the host memory."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis
from django.conf import settings

# Each way a tracked key can change under another process: (other client, key).
KEY_CHANGES: dict[str, Callable] = {
    "replaced": lambda other, key: other.set(key, "changed"),
    "deleted": lambda other, key: other.delete(key),
    "expired": lambda other, key: other.set(key, "v1", px=1),
    "flushed": lambda other, key: other.flushdb(),
}


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.01)


def each_change_is_seen_at_once(
    memory, other, key: str, change: Callable, *, remember: Callable, remembered: Callable[[], bool]
) -> None:
    """Remember, change `key` from another client, and ask at once, ten rounds (the listener thread
    often applies the change first on its own): the change must always be seen."""
    for _round in range(10):
        generation = memory.generation
        other.set(key, "v1")  # as the process's own write would; its invalidation comes first
        wait_until(lambda before=generation: memory.generation != before)
        remember()
        assert remembered()
        change(other, key)
        if other.pttl(key) == 1:
            time.sleep(0.01)
            other.get(key)  # an expired key is gone on its next read
        assert not remembered()


@pytest.fixture
def other():
    """A second Redis client: the writes another web or worker process makes."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.close()


def started(memory):
    """The memory with its tracking connection up; stop() it after use."""
    memory.start()
    wait_until(lambda: memory.live)
    return memory


def mget_calls(client) -> int:
    """MGETs the Redis server has answered (any client): a read of the page or host cache is one."""
    return client.info("commandstats").get("cmdstat_mget", {}).get("calls", 0)


def lost_connection_forgets_until_back(
    memory, other, *, remember: Callable, remembered: Callable[[], bool]
) -> None:
    """Without the tracking connection nothing is answered from memory; once it is back, only what
    is read anew."""
    remember()
    killed = memory.client_id
    other.client_kill_filter(_id=killed)
    assert not remembered()
    wait_until(lambda: memory.live and memory.client_id != killed)
    assert not remembered()
    remember()
    assert remembered()
