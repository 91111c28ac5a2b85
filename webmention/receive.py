"""Receiving, the synchronous part: check the request, store one row per (source, target), answer.

Webmention §3.2.1: only cheap checks here (both URLs http(s), different, the target a post of this
blog); the source is fetched later by the verification job (R39: 202 before any fetch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urldefrag, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import Blog
from microhost.ratelimit import Budget, consume
from posts.models import Post
from webmention import moderation
from webmention.local import served_at, target_post
from webmention.models import Received, host_of
from webmention.store import insert_new

MAX_URL_LENGTH = 2000
# Webmentions one source host may send per hour, platform-wide, before getting 429 (R39).
SOURCE_HOST_QUOTA = 60
QUOTA_WINDOW_SECONDS = 3600


@dataclass
class Refused(Exception):
    """The request is refused: `reason` is told to the sender with `status`, nothing is stored."""

    reason: str
    status: int = 400
    retry_after: int | None = None  # seconds, for a 429


def _check_url(value: str, name: str) -> str:
    if not value:
        raise Refused(f"The {name} parameter is missing.")
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced [ in the host
        raise Refused(f"The {name} must be an http or https URL.") from None
    if len(value) > MAX_URL_LENGTH or parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"The {name} must be an http or https URL.")
    return value


def _check_quota(host: str) -> None:
    """At most SOURCE_HOST_QUOTA webmentions an hour from one source host: the platform's fixed-window
    counter (microhost.ratelimit), one Redis round trip where get-then-incr took two or three."""
    limit = getattr(settings, "WEBMENTION_SOURCE_HOST_QUOTA", SOURCE_HOST_QUOTA)
    wait = consume(Budget("webmention-source", limit, QUOTA_WINDOW_SECONDS), host)
    if wait is not None:
        raise Refused(f"Too many webmentions from {host}; try again later.", status=429, retry_after=wait)


def check_request(blog: Blog, source: str, target: str) -> None:
    """The cheap synchronous checks of §3.2.1, no query: both URLs http(s), different, the target on
    one of this blog's hosts. Whether it names a live post is asked of the database (insert_new)."""
    _check_url(source, "source")
    _check_url(target, "target")
    if urldefrag(source)[0] == urldefrag(target)[0]:
        raise Refused("The source and the target must be different URLs.")
    if not served_at(blog, target):
        raise Refused("The target is not on this blog.")


def check_target(blog: Blog, target: str, domains: list[str]) -> tuple[Post | None, bool]:
    """(the target post, None for the home page; is the source's domain blocked by the owner), both
    from one query (webmention/local.py target_post); refused when the target is not a live post."""
    accepts, post, blocked = target_post(blog, target, source_domains=domains)
    if not accepts:
        raise Refused("The target is not a post on this blog.")
    return post, blocked


def accept_webmention(
    *, blog: Blog, source: str, target: str, queue: Callable[[int], None] | None = None
) -> Received | None:
    """Check and store a webmention; None when the source's domain is blocked (dropped quietly).

    A repeat of a (source, target) that is already waiting collapses into that one pending job;
    a repeat of a verified one re-verifies it (an update, or a delete if the link is gone).
    `queue(row_id)` queues the verification: by default once the current transaction commits; the
    endpoint collects the id and queues it after its answer has gone out.

    The source host's quota comes before any query, so a host over it costs no database work, and its
    refused requests (a bad target too) count against it. Then a new pair is one statement (issue 7:
    webmention/store.py); only when that stores nothing does the receipt take the longer path."""
    queue = queue or enqueue_verification
    source, target = source.strip(), target.strip()
    check_request(blog, source, target)
    host = host_of(source)
    _check_quota(host)
    domains = moderation.parent_domains(host)
    row = insert_new(blog=blog, source=source, target=target, host=host, domains=domains)
    if row is not None:  # the usual case: one INSERT, no lock
        queue(row.pk)
        return row
    post, blocked = check_target(blog, target, domains)  # the right 400, or a blocked domain
    if blocked:
        return None
    return _accept_repeat(blog=blog, source=source, target=target, post=post, host=host, queue=queue)


def _accept_repeat(
    *, blog: Blog, source: str, target: str, post: Post | None, host: str, queue: Callable[[int], None]
) -> Received:
    """A pair already stored (or a race with a delete), under the row's lock: a pending one is left
    to the job already queued; a verified one is verified again."""
    with transaction.atomic():
        row, created = Received.objects.select_for_update().get_or_create(
            blog=blog, source=source, target=target, defaults={"post": post, "source_host": host}
        )
        if not created and row.state == Received.State.PENDING:
            return row  # the job already queued will see the source as it is now
        if not created:
            row.state, row.attempts, row.error = Received.State.PENDING, 0, ""
            row.next_attempt_at = row.received_at = timezone.now()
            row.save(update_fields=["state", "attempts", "error", "next_attempt_at", "received_at"])
        queue(row.pk)
    return row


def enqueue_verification(received_id: int, countdown: float = 0) -> None:
    """Queue the verification job once the row is committed: a job drains every due row
    (webmention/verify_batch.py), so while one is queued and not yet started, none is added."""
    from webmention.tasks import verify

    def send() -> None:
        if countdown or drain_slot_free():
            verify.apply_async(args=[received_id], countdown=countdown)

    transaction.on_commit(send)


# A burst of webmentions needs one draining job, not a message each (a publish costs the request
# ~0.9 ms, a job that finds its row taken costs the worker a query and Celery's overhead). The flag
# says "a drain is queued and has not started": set by the receipt that queues it, cleared by the
# job as it starts, before its first claim, so a row committed before the flag was seen is always
# claimed by that job. It expires anyway (a lost message costs at most this long, then the next
# receipt queues again; the beat sweep re-queues every due row regardless). Only with a cache that
# the web and worker processes share (Redis).
DRAIN_QUEUED_KEY = "wm:drain-queued"
DRAIN_QUEUED_SECONDS = 10


def drain_slot_free() -> bool:
    """True when no drain is queued: the caller queues one (and now holds the flag)."""
    if not settings.WEBMENTION_COALESCE_JOBS:
        return True
    return cache.add(DRAIN_QUEUED_KEY, 1, DRAIN_QUEUED_SECONDS)


def drain_starting() -> None:
    """The queued drain starts: the next receipt queues another one."""
    if settings.WEBMENTION_COALESCE_JOBS:
        cache.delete(DRAIN_QUEUED_KEY)
