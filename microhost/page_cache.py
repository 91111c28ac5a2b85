"""Whole-response cache of public blog pages and feeds, answered before routing or any query.

A blog's pages are a function of the blog's version (`Blog.changed_at`, which every visible change
moves) and the URL. The cache holds two kinds of entry, fetched together in one round trip:

- `host → version`: written when a page of the blog is rendered (only if absent), replaced after
  every commit that touches the blog, dropped after every save of the blog row;
- `(scheme, host, path) → (version, status, headers, body)`: the final response of a cacheable page.

A host's version has two parts, `<content>#<responses>` (page_versions.py): the blog's own version,
and the stamp of the responses shown under its posts (`Blog.responses_changed_at`). A page that shows
responses (a permalink) is stored under the whole version, any other page under the content part. An
entry is served only while its version is current (is_current): a publish makes every cached page of
the blog stale at once without deleting anything, a new like only the pages that show responses.
Conditional GETs are answered from the entry's ETag and Last-Modified, without rendering.

The cache must be shared by every process that can change a blog (web and Celery workers): it is on
by default when Django's cache is Redis (`REDIS_URL`), off with the process-local default.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

from microhost import page_validators
from microhost.page_validators import not_modified_headers, validators_match
from microhost.page_versions import blog_version, host_version, is_current
from microhost.redis_tracking import cache_key_prefix

# The environ key a cacheable view leaves its blog's version under (WSGIRequest.META is the environ).
VERSION_KEY = "microhost.page_version"
CACHEABLE_METHODS = ("GET", "HEAD")
# Listing pages take ?page=N; any other query string is not cached (it would let anyone fill the cache).
CACHEABLE_QUERY = re.compile(r"(page=[0-9]{1,6})?")
# Headers a stored response never carries: per-visitor or per-connection.
UNSTORED_HEADERS = {"date", "connection"}
# Entries larger than this are rendered every time (the cache stays small and fast).
MAX_BODY_BYTES = 512 * 1024


def enabled() -> bool:
    return settings.MICROHOST_PAGE_CACHE


def host_key(host: str) -> str:
    return f"pc:h:{host}"


def page_key(scheme: str, host: str, full_path: str) -> str:
    return f"pc:p:{scheme}:{host}:{full_path}"


def mark_cacheable(request: HttpRequest, *, shows_responses: bool = False) -> None:
    """Called by blog views: this response may be stored, under the blog version it was built from
    (with the responses' stamp when the page shows responses)."""
    if enabled() and request.method in CACHEABLE_METHODS and request.blog is not None:
        current = host_version(request.blog)
        request.META[VERSION_KEY] = current if shows_responses else blog_version(request.blog)
        from microhost.hosts import split_host

        cache.add(host_key(split_host(request)), current, settings.MICROHOST_PAGE_CACHE_TTL)


def blog_changed(blog, *, responses_only: bool = False) -> None:
    """`changed_at` or `responses_changed_at` moved: forget the blog's hosts now, and point them at the
    new version on commit.

    Until the commit, a request sees the old row, renders it and may re-add the old version, which is
    still right; after it, the hosts carry the new version, so no page of the old one is served again.
    Without a commit (a rollback, or a test's transaction) the next render re-adds what the row says.

    Only the responses moved (`responses_only`): the hosts get the new version at once instead. Its
    content part is the one they had, so the pages without responses stay current through the
    transaction (a burst of verified likes never leaves the home page uncached). A permalink read
    before the commit is stored under the old stamp and not served; after a rollback the permalinks
    stay uncached until the blog's next change or the key's TTL."""
    if not enabled():
        return
    keys = [host_key(h) for h in blog.served_hosts]
    version = host_version(blog)
    if responses_only:
        cache.set_many(dict.fromkeys(keys, version), settings.MICROHOST_PAGE_CACHE_TTL)
    else:
        cache.delete_many(keys)
    transaction.on_commit(
        lambda: cache.set_many(dict.fromkeys(keys, version), settings.MICROHOST_PAGE_CACHE_TTL)
    )


def blog_saved(blog) -> None:
    """The row was saved (its hosts or more may have changed): forget its hosts, now and on commit."""
    if not enabled():
        return
    keys = [host_key(h) for h in blog.served_hosts]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _not_modified(meta: dict, headers: dict[str, str]) -> bool:
    return validators_match(
        meta.get("HTTP_IF_NONE_MATCH"),
        meta.get("HTTP_IF_MODIFIED_SINCE"),
        headers.get("ETag", ""),
        headers.get("Last-Modified", ""),
    )


STATUS_LINES = {200: "200 OK", 304: "304 Not Modified"}  # entries are 200s; a hit is a 200 or its 304


def _scheme(meta: dict) -> str:
    """As HttpRequest.scheme: the trusted proxy header when configured, else the WSGI scheme."""
    if settings.SECURE_PROXY_SSL_HEADER:
        name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        value = meta.get(name)
        if value is not None:
            return "https" if value.split(",", 1)[0].strip() == secure_value else "http"
    return meta.get("wsgi.url_scheme", "http")


def _target(meta: dict) -> tuple[str, str] | None:
    """(host, page key) when this request may be answered from the cache, else None."""
    if not enabled() or meta.get("REQUEST_METHOD") not in CACHEABLE_METHODS:
        return None
    query = meta.get("QUERY_STRING", "")
    if not CACHEABLE_QUERY.fullmatch(query) or "HTTP_AUTHORIZATION" in meta:
        return None
    from microhost.hosts import host_of

    host = host_of(meta)
    if host == settings.MICROHOST_DOMAIN:
        return None
    path = meta.get("PATH_INFO", "/") + (f"?{query}" if query else "")
    return host, page_key(_scheme(meta), host, path)


def _current_entry(host: str, key: str) -> tuple[tuple, str] | None:
    """The cached page and its host's version, if the page is current (one round trip)."""
    found = cache.get_many([host_key(host), key])
    entry, current = found.get(key), found.get(host_key(host))
    return (entry, current) if entry is not None and is_current(entry[0], current) else None


def _validators() -> page_validators.Validators | None:
    prefix = cache_key_prefix(host_key(""))
    return page_validators.for_this_process(prefix) if prefix is not None else None


def _answer(meta: dict, entry: tuple) -> tuple[int, list[tuple[str, str]], bytes]:
    _version, status, headers, body = entry
    if status == 200 and _not_modified(meta, headers):
        return 304, not_modified_headers(headers), b""
    return status, list(headers.items()), body


def _store(key: str, version: str, response: HttpResponse) -> None:
    if response.status_code != 200 or response.streaming or response.cookies or response.has_header("Vary"):
        return  # per-visitor responses (a cookie set, a Vary) are never shared
    if len(response.content) > MAX_BODY_BYTES:
        return
    headers = {name: value for name, value in response.items() if name.lower() not in UNSTORED_HEADERS}
    entry = (version, response.status_code, headers, response.content)
    cache.set(key, entry, settings.MICROHOST_PAGE_CACHE_TTL)


# Set in the environ by FrontCache when it looked and missed, so the middleware does not look again.
MISSED = "microhost.page_cache_missed"


class FrontCache:
    """WSGI wrapper (microhost/wsgi.py): a current cached page is answered before Django runs at all.

    A conditional GET of a page this process has served from the cache is answered from its
    remembered validators, with no round trip (microhost/page_validators.py)."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response):
        target = _target(environ)
        if target is not None:
            validators = _validators()
            if validators is not None:
                conditional = environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_IF_MODIFIED_SINCE")
                if conditional != (None, None):
                    headers = validators.not_modified(*target, *conditional)
                    if headers is not None:
                        start_response(STATUS_LINES[304], headers)
                        return [b""]
                generation = validators.generation  # before the read: see Validators.remember
            found = _current_entry(*target)
            if found is not None:
                entry, current = found
                if validators is not None and entry[1] == 200:
                    validators.remember(*target, entry[0], current, entry[2], generation)
                status, headers, body = _answer(environ, entry)
                start_response(STATUS_LINES[status], headers)
                return [body]
            environ[MISSED] = True
        return self.app(environ, start_response)


class PageCacheMiddleware:
    """First middleware: serve a current cached page (or its 304), else let the stack run and store it.

    Behind FrontCache (the deployed WSGI app) hits never reach Django; the middleware then only stores
    what was rendered. Without it (Django's test client, runserver) it answers hits itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        target = _target(meta)
        if target is not None and not meta.get(MISSED):
            found = _current_entry(*target)
            if found is not None:
                status, headers, body = _answer(meta, found[0])
                response = HttpResponseNotModified() if status == 304 else HttpResponse(body, status=status)
                for name, value in headers:
                    response[name] = value
                return response
        response = self.get_response(request)
        version = meta.get(VERSION_KEY)
        if target is not None and version is not None and request.method == "GET":
            _store(target[1], version, response)
        return response
