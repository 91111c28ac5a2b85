"""A process's memory of values read from Redis, kept current by Redis's key tracking (issue 7).

Server-assisted client-side caching (https://redis.io/docs/latest/develop/reference/client-side-caching/):
one connection of the memory's own runs `CLIENT TRACKING ON REDIRECT <itself> BCAST PREFIX <prefix>`
and subscribes to `__redis__:invalidate`. Redis then sends it the name of every key under the prefix
that is written, deleted, expired or evicted, and a null on a flush. A subclass says what it keeps
and what to drop for a key (`_forget_key`) or for everything (`_forget_everything`).

Never stale, as long as its users follow two rules:
- Ask under `self._lock` and only when `_current()` is true: it first applies every invalidation that
  has reached the connection, so a change Redis acknowledged before the request arrived is seen.
- Remember a value only with the `generation` read before the Redis read it came from, and only if
  no invalidation arrived since (`_may_remember`).
A lost connection forgets everything and answers nothing until it is back; a connection that is open
but silent (no pong for PONG_DEADLINE seconds) counts as lost.
"""

from __future__ import annotations

import functools
import logging
import os
import select
import threading
import time
from collections.abc import Callable

import redis

logger = logging.getLogger(__name__)

INVALIDATE_CHANNEL = "__redis__:invalidate"  # RESP2 clients receive tracking messages here
PING_SECONDS = 1.0  # the listener pings this often, to tell a dead connection from a quiet one
PONG_DEADLINE = 3.0  # seconds without any message (a pong at least) after which it is dead
RETRY_SECONDS = 1.0  # wait before reconnecting


class TrackedMemory:
    """Values remembered for keys under one Redis prefix, dropped the moment Redis says they changed."""

    name = "tracked memory"  # for the log

    def __init__(self, redis_url: str, prefix: str) -> None:
        self.redis_url = redis_url
        self.prefix = prefix.encode()  # the tracked keys' common start, as Redis stores it
        self.live = False
        self.generation = 0  # moves with every invalidation applied; see _may_remember()
        self._lock = threading.Lock()
        self._connection: redis.Connection | None = None
        self.client_id: int | None = None  # the tracking connection's, while it is up
        self._last_heard = 0.0
        self._stopped = threading.Event()

    # --- what a subclass keeps ----------------------------------------------------------------
    def _forget_key(self, name: str) -> None:
        """Drop what was remembered for the key `prefix + name` (the lock is held)."""
        raise NotImplementedError

    def _forget_everything(self) -> None:
        """Drop everything remembered (the lock is held)."""
        raise NotImplementedError

    # --- the request side ---------------------------------------------------------------------
    def _current(self) -> bool:
        """Apply what has reached the connection (the lock is held); False when nothing may be answered."""
        return self.live and self._catch_up()

    def _may_remember(self, generation: int) -> bool:
        """Is a value read after `generation` was taken still current (the lock is held)?"""
        return self.live and generation == self.generation

    def _catch_up(self) -> bool:
        connection = self._connection
        try:
            while connection is not None and connection.can_read(timeout=0):
                self._apply(connection.read_response())
        except (redis.RedisError, OSError):
            self._forget_all(live=False)
            return False
        return self.live

    def _apply(self, message) -> None:
        self._last_heard = time.monotonic()
        if not isinstance(message, list) or len(message) < 3 or message[0] != b"message":
            return  # a pong, or the subscription's confirmation
        self.generation += 1
        keys = message[2]
        if keys is None:  # FLUSHDB / FLUSHALL
            self._forget_everything()
            return
        for key in keys:
            if key.startswith(self.prefix):
                self._forget_key(key[len(self.prefix) :].decode("utf-8", "replace"))

    def _forget_all(self, *, live: bool) -> None:
        self.generation += 1
        self.live = live
        self._forget_everything()

    # --- the listener thread ------------------------------------------------------------------
    def start(self) -> None:
        threading.Thread(target=self._run, name=self.name, daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._connect()
                self._listen()
            except (redis.RedisError, OSError) as error:
                logger.warning("%s: Redis tracking lost (%s); reading Redis meanwhile", self.name, error)
            finally:
                self._disconnect()
            self._stopped.wait(RETRY_SECONDS)

    def _connect(self) -> None:
        pool = redis.ConnectionPool.from_url(self.redis_url, protocol=2, socket_timeout=PONG_DEADLINE)
        connection = pool.make_connection()
        connection.connect()
        connection.send_command("CLIENT", "ID")
        client_id = connection.read_response()
        connection.send_command(
            "CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST", "PREFIX", self.prefix
        )
        if connection.read_response() != b"OK":
            raise redis.RedisError("CLIENT TRACKING was refused")
        connection.send_command("SUBSCRIBE", INVALIDATE_CHANNEL)
        connection.read_response()
        with self._lock:
            self._connection, self.client_id = connection, client_id
            self._last_heard = time.monotonic()
            self._forget_all(live=True)

    def _listen(self) -> None:
        next_ping = time.monotonic()
        poller = select.poll()  # not select.select: a busy server's descriptors pass 1,024
        poller.register(self._connection._sock, select.POLLIN)
        while not self._stopped.is_set():
            readable = poller.poll(PING_SECONDS * 1000)
            with self._lock:
                if not self.live or (readable and not self._catch_up()):
                    raise redis.ConnectionError("the tracking connection failed")  # here or in a request
                now = time.monotonic()
                if now - self._last_heard > PONG_DEADLINE:
                    raise redis.TimeoutError(f"no answer to a ping in {PONG_DEADLINE:.0f} s")
                if now >= next_ping:
                    self._connection.send_command("PING")  # its pong arrives as a message
                    next_ping = now + PING_SECONDS

    def _disconnect(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
            self._forget_all(live=False)
        if connection is not None:
            connection.disconnect()


@functools.cache
def cache_key_prefix(key_of_nothing: str) -> str | None:
    """The Redis key Django's cache makes of `key_of_nothing + name`, less the name: the prefix to
    track. None under a KEY_FUNCTION that is no prefix (then nothing can be tracked)."""
    from django.core.cache import cache

    prefix = cache.make_key(key_of_nothing)
    return prefix if cache.make_key(key_of_nothing + "example.org") == prefix + "example.org" else None


class PerProcess:
    """One started memory per process, made on first use; a forked child forgets its parent's (the
    listener thread does not exist in the child) and makes its own."""

    def __init__(self) -> None:
        self._memory: TrackedMemory | None = None
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._forget)

    def get(self, make: Callable[[], TrackedMemory]) -> TrackedMemory:
        if self._memory is None:
            with self._lock:
                if self._memory is None:
                    memory = make()
                    memory.start()
                    self._memory = memory
        return self._memory

    def running(self) -> TrackedMemory | None:
        """The memory if one was started (it keeps running when its feature is switched off)."""
        return self._memory

    def _forget(self) -> None:
        self._memory = None
        self._lock = threading.Lock()
