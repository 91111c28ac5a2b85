"""Each web process's copy of the page cache's validators, so a conditional GET costs no round trip.

FrontCache (microhost/page_cache.py) answers a cached page with one Redis read. A 304 needs less: only
the page's ETag and Last-Modified and whether its host's version is still current. Each web process
remembers both for the pages it has served from the cache, and Redis tells it the moment any host's
version changes (microhost/redis_tracking.py: the tracked prefix is the hosts' version keys).

Never stale: a conditional GET first applies every invalidation that has reached the process, a
version read from Redis is remembered only if no invalidation arrived since before the read, and
nothing is answered here while the tracking connection is down.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.http import parse_etags, parse_http_date_safe

from microhost.page_versions import is_current
from microhost.redis_tracking import PerProcess, TrackedMemory

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


class Validators(TrackedMemory):
    """Host → current version and page key → (version, ETag, Last-Modified, 304 headers), kept current
    (a page is current while page_versions.is_current says so of the two versions).

    The tracked prefix is the Redis key of a host's version less the host."""

    name = "page validators"

    def __init__(self, redis_url: str, host_prefix: str) -> None:
        super().__init__(redis_url, host_prefix)
        self._versions: dict[str, str] = {}
        self._pages: dict[str, tuple[str, str, str, list[tuple[str, str]]]] = {}

    # --- the request side ---------------------------------------------------------------------
    def not_modified(self, host: str, key: str, if_none_match: str | None, if_modified_since: str | None):
        """The 304's headers when the remembered page is current and the request's validator matches it.

        None when this process cannot tell (nothing remembered, or not live): the caller reads Redis."""
        with self._lock:
            if not self._current():
                return None
            page = self._pages.get(key)
            if page is None or not is_current(page[0], self._versions.get(host)):
                return None
        _version, etag, last_modified, headers = page
        return headers if validators_match(if_none_match, if_modified_since, etag, last_modified) else None

    def remember(
        self, host: str, key: str, version: str, host_version: str, headers: dict[str, str], generation: int
    ) -> None:
        """A page read from Redis at `version` while its host held `host_version` (the page current
        then); kept unless an invalidation came since."""
        known = self._pages.get(key)
        if known is not None and known[0] == version and self._versions.get(host) == host_version:
            return  # the usual hit: already remembered
        kept = not_modified_headers(headers)
        page = (version, headers.get("ETag", ""), headers.get("Last-Modified", ""), kept)
        with self._lock:
            if not self._may_remember(generation):
                return
            if len(self._pages) >= MAX_PAGES or len(self._versions) >= MAX_PAGES:
                self._pages.clear()
                self._versions.clear()
            self._versions[host] = host_version
            self._pages[key] = page

    # --- TrackedMemory ----------------------------------------------------------------------
    def _forget_key(self, name: str) -> None:
        self._versions.pop(name, None)  # the host's version changed: its pages no longer match

    def _forget_everything(self) -> None:
        self._pages.clear()
        self._versions.clear()


_validators = PerProcess()


def for_this_process(host_prefix: str) -> Validators | None:
    """This process's Validators (None when off), its listener started on first use.

    `host_prefix` is the Redis key of a host's version with the host left off."""
    if not enabled():
        return _validators.running()
    return _validators.get(lambda: Validators(settings.REDIS_URL, host_prefix))
