"""Each web process's copy of the page cache's validators, so a conditional GET costs no round trip.

FrontCache (microhost/page_cache.py) answers a cached page with one Redis read. A 304 needs less: only
the page's ETag and Last-Modified and whether its host's version is still current. Each web process
remembers both for the pages it has served from the cache, and Redis tells it the moment any host's
version changes, with server-assisted client-side caching
(https://redis.io/docs/latest/develop/reference/client-side-caching/). One connection of the process's
own runs `CLIENT TRACKING ON REDIRECT <itself> BCAST PREFIX <host keys>` and subscribes to
`__redis__:invalidate`. Redis then sends it the name of every host key that is written, deleted,
expired or evicted, and a null on a flush.

Never stale:
- A conditional GET first applies every invalidation that has reached the connection, under the lock
  the listener thread uses, so a change Redis acknowledged before the request arrived is seen.
- A version read from Redis is remembered only if no invalidation arrived since before the read.
- Nothing is answered here unless the connection is up. A lost connection forgets everything and
  hands every request back to the Redis read until it is back. A connection that is open but dead
  (no pong for PONG_DEADLINE seconds) counts as lost.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time

import redis
from django.conf import settings
from django.utils.http import parse_etags, parse_http_date_safe

logger = logging.getLogger(__name__)

INVALIDATE_CHANNEL = "__redis__:invalidate"  # RESP2 clients receive tracking messages here
PING_SECONDS = 1.0  # the listener pings this often, to tell a dead connection from a quiet one
PONG_DEADLINE = 3.0  # seconds without any message (a pong at least) after which it is dead
RETRY_SECONDS = 1.0  # wait before reconnecting
MAX_PAGES = 50_000  # remembered pages (and hosts) per process; past this the memory starts again
# A 304 carries every stored header but those describing the body it does not have.
BODY_HEADERS = {"content-type", "content-length", "content-encoding", "content-language"}


def not_modified_headers(headers: dict[str, str]) -> list[tuple[str, str]]:
    """The headers of the 304 that stands for a 200 with these headers."""
    return [(name, value) for name, value in headers.items() if name.lower() not in BODY_HEADERS]


def validators_match(
    if_none_match: str | None, if_modified_since: str | None, etag: str, last_modified: str
) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if if_none_match:
        tags = parse_etags(if_none_match)
        return "*" in tags or any(tag.removeprefix("W/") == etag.removeprefix("W/") for tag in tags)
    if not if_modified_since:
        return False
    since = parse_http_date_safe(if_modified_since)
    modified = parse_http_date_safe(last_modified)
    return since is not None and modified is not None and modified <= since


def enabled() -> bool:
    """On with the page cache when the cache is Redis (it needs Redis's tracking)."""
    return bool(settings.MICROHOST_PAGE_CACHE and settings.MICROHOST_PAGE_VALIDATORS and settings.REDIS_URL)


class Validators:
    """Host → current version and page key → (version, ETag, Last-Modified, 304 headers), kept current."""

    def __init__(self, redis_url: str, host_prefix: str) -> None:
        self.redis_url = redis_url
        self.prefix = host_prefix.encode()  # the Redis key of a host's version, less the host
        self.live = False
        self.generation = 0  # moves with every invalidation applied; see remember()
        self._lock = threading.Lock()
        self._connection: redis.Connection | None = None
        self.client_id: int | None = None  # the tracking connection's, while it is up
        self._versions: dict[str, str] = {}
        self._pages: dict[str, tuple[str, str, str, list[tuple[str, str]]]] = {}
        self._last_heard = 0.0
        self._stopped = threading.Event()

    # --- the request side ---------------------------------------------------------------------
    def not_modified(self, host: str, key: str, if_none_match: str | None, if_modified_since: str | None):
        """The 304's headers when the remembered page is current and the request's validator matches it.

        None when this process cannot tell (nothing remembered, or not live): the caller reads Redis."""
        with self._lock:
            if not self.live or not self._catch_up():
                return None
            page = self._pages.get(key)
            if page is None or self._versions.get(host) != page[0]:
                return None
        _version, etag, last_modified, headers = page
        return headers if validators_match(if_none_match, if_modified_since, etag, last_modified) else None

    def remember(self, host: str, key: str, version: str, headers: dict[str, str], generation: int) -> None:
        """A page read from Redis at `version`, current then; kept unless an invalidation came since."""
        known = self._pages.get(key)
        if known is not None and known[0] == version and self._versions.get(host) == version:
            return  # the usual hit: already remembered
        kept = not_modified_headers(headers)
        page = (version, headers.get("ETag", ""), headers.get("Last-Modified", ""), kept)
        with self._lock:
            if not self.live or generation != self.generation:
                return
            if len(self._pages) >= MAX_PAGES or len(self._versions) >= MAX_PAGES:
                self._pages.clear()
                self._versions.clear()
            self._versions[host] = version
            self._pages[key] = page

    def _catch_up(self) -> bool:
        """Apply what has reached the connection (the lock is held). False if the connection failed."""
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
            self._pages.clear()
            self._versions.clear()
            return
        for key in keys:
            if key.startswith(self.prefix):
                self._versions.pop(key[len(self.prefix) :].decode("utf-8", "replace"), None)

    def _forget_all(self, *, live: bool) -> None:
        self.generation += 1
        self.live = live
        self._pages.clear()
        self._versions.clear()

    # --- the listener thread ------------------------------------------------------------------
    def start(self) -> None:
        threading.Thread(target=self._run, name="page-validators", daemon=True).start()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._connect()
                self._listen()
            except (redis.RedisError, OSError) as error:
                logger.warning(
                    "page validators: Redis tracking lost (%s); conditional GETs read Redis", error
                )
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


_validators: Validators | None = None
_start_lock = threading.Lock()


def _forget_after_fork() -> None:
    global _validators
    _validators = None  # the parent's listener thread does not exist in the child


os.register_at_fork(after_in_child=_forget_after_fork)


def for_this_process(host_prefix: str) -> Validators | None:
    """This process's Validators (None when off), its listener started on first use.

    `host_prefix` is the Redis key of a host's version with the host left off."""
    global _validators
    if _validators is None and enabled():
        with _start_lock:
            if _validators is None:
                _validators = Validators(settings.REDIS_URL, host_prefix)
                _validators.start()
    return _validators
