"""Polling a feed: conditional GET, redirects, 410, backoff, adaptive interval (issue 5 "Polling").

A 304 costs one request and one UPDATE; an unchanged body (same SHA-256) is never parsed again.
`poll_due` drains the due feeds with many fetching threads and one database thread (issue 7): a slow
host holds one fetching thread for its seconds, not a whole worker slot."""

from __future__ import annotations

import datetime
import hashlib
import logging
import random
import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from microhost.fetch import FetchError, Response, fetch
from timeline import conf
from timeline.models import Feed, Follow, ImportSource
from timeline.models.feeds import SLOW_FETCH_MS
from timeline.parsers import ParseError

log = logging.getLogger(__name__)

ACCEPT = ("application/feed+json, application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
          "application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.7, */*;q=0.1")  # fmt: skip
PERMANENT = (301, 308)
TEMPORARY = (302, 303, 307)
MAX_HOPS = 5
LEASE = datetime.timedelta(minutes=10)  # a claimed feed is not claimed again while a worker polls it
RETRY_LATER = (429, 503)
CLAIM = 10  # feeds a polling thread claims at a time (one UPDATE … skip-locked per claim)
# Fetching threads per polling job: they only wait on remote hosts (no database connection), so a
# slow host costs one of them for its seconds. 128 rather than 32: scenario 5 at 3,000 feeds swept in
# 12-14 s instead of 14-19 s, and the first (all-parsing) sweep in 44 s instead of 72 s.
THREADS = 128
# Fetches one host may have in flight from one polling job. Many followed feeds can live on one host
# (a platform's users, medium.com/feed/@…, youtube.com/feeds/…): THREADS requests at once there is
# what no polite poller does, and what a silo answers with 429. The rest of that host's feeds wait,
# claimed, for one of its fetches to finish; other hosts' feeds go on meanwhile.
PER_HOST = 4


@dataclass
class Outcome:
    """What one poll did (for the command's summary, the tests and the benchmark)."""

    status: str  # not_modified / unchanged / updated / gone / error
    new: int = 0
    changed: int = 0


def due_feeds(*, every: bool = False):
    """Feeds someone follows or imports that are due now (or all live ones with `every`)."""
    wanted = Exists(Follow.objects.filter(feed=OuterRef("pk"))) | Exists(
        ImportSource.objects.filter(feed=OuterRef("pk"))
    )
    live = Feed.objects.filter(wanted, next_poll_at__isnull=False).exclude(state=Feed.State.GONE)
    return live if every else live.filter(next_poll_at__lte=timezone.now())


def claim_due_feeds(
    *, every: bool = False, limit: int | None = None, slow_limit: int | None = None
) -> list[int]:
    """Ids of feeds due (or all live ones), leased so a second sweep does not poll them twice: slow
    ones first (at most `slow_limit` of them), then the rest by due time."""
    now, limit = timezone.now(), limit or conf.poll_batch()
    due = due_feeds(every=every)

    def lock(feeds, count: int) -> list[int]:
        rows = feeds.order_by("next_poll_at").select_for_update(skip_locked=True)
        return list(rows.values_list("pk", flat=True)[:count]) if count else []

    with transaction.atomic():
        # Slow hosts first: each holds a fetching thread for its seconds, and one claimed last would
        # make the whole sweep wait for it (scenario 5 of issue 7).
        slow_limit = limit if slow_limit is None else max(0, min(limit, slow_limit))
        ids = lock(due.filter(fetch_ms__gte=SLOW_FETCH_MS), slow_limit)
        ids += lock(due.filter(fetch_ms__lt=SLOW_FETCH_MS), limit - len(ids))
        Feed.objects.filter(pk__in=ids).update(next_poll_at=now + LEASE)
    return ids


def poll_due(*, threads: int | None = None, budget: float | None = None, claim: int = CLAIM) -> Counter[str]:
    """Poll due feeds until none is left or `budget` seconds have passed, `threads` fetches at a time.

    The calling thread does all the database work (claim `claim` feeds at a time, leased and
    skip-locked; load them; store each outcome) while a pool of `threads` only fetches, so a slow or
    hanging host holds one fetching thread and no database connection, and the last stragglers are
    the only tail. One host has at most PER_HOST fetches in flight. Returns the count of each outcome."""
    threads = threads or conf.get("TIMELINE_POLL_THREADS", THREADS)
    per_host = max(1, conf.get("TIMELINE_POLL_PER_HOST", PER_HOST))
    deadline = time.monotonic() + (budget if budget is not None else conf.get("TIMELINE_POLL_BUDGET", 50))
    outcomes: Counter[str] = Counter()
    in_flight: dict[Future, Feed] = {}
    at_host: Counter[str] = Counter()  # fetches in flight per host
    held: deque[Feed] = deque()  # claimed feeds waiting for room at their host
    slow: set[Future] = set()  # those fetching a feed that was slow when claimed
    slow_room = max(1, threads // 2)  # slow hosts never hold more than half the fetching threads
    exhausted = False
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="poll") as fetchers:

        def start(feed: Feed) -> None:
            was_slow = feed.fetch_ms >= SLOW_FETCH_MS  # read before its fetch thread changes it
            future = fetchers.submit(_fetch, feed)
            in_flight[future] = feed
            at_host[_host(feed)] += 1
            if was_slow:
                slow.add(future)

        while True:
            while not exhausted and len(in_flight) + len(held) < threads and time.monotonic() < deadline:
                held_slow = sum(feed.fetch_ms >= SLOW_FETCH_MS for feed in held)
                ids = claim_due_feeds(limit=claim, slow_limit=slow_room - len(slow) - held_slow)
                feeds = list(Feed.objects.filter(pk__in=ids))
                if not feeds:
                    # None due, unless slow ones wait for room: then claim again as fetches finish.
                    exhausted = len(slow) + held_slow < slow_room
                    break
                for feed in feeds:
                    (start if at_host[_host(feed)] < per_host else held.append)(feed)
            if not in_flight:
                return outcomes  # nothing is held either: a feed waits only behind its host's fetches
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in done:
                slow.discard(future)
                feed = in_flight.pop(future)
                at_host[_host(feed)] -= 1
                outcomes[_finish_safely(feed, future.result())] += 1
            _start_held(held, at_host, per_host, start, out_of_time=time.monotonic() >= deadline)


def _host(feed: Feed) -> str:
    return (urlsplit(feed.url).hostname or "").lower()


def _start_held(held: deque[Feed], at_host: Counter[str], per_host: int, start, *, out_of_time: bool) -> None:
    """Start each held feed whose host has room now; out of time, hand them back to the next job
    (due again now) rather than wait behind a slow host."""
    if out_of_time and held:
        Feed.objects.filter(pk__in=[feed.pk for feed in held]).update(next_poll_at=timezone.now())
        held.clear()
        return
    for _ in range(len(held)):
        feed = held.popleft()
        if at_host[_host(feed)] < per_host:
            start(feed)
        else:
            held.append(feed)


def _fetch(feed: Feed) -> tuple[Response, str] | FetchError:
    """The network half of a poll (no database): the response and any permanent new URL, or the error.
    Its duration is noted on the feed, saved with the outcome."""
    started = time.monotonic()
    try:
        return get(feed.url, conditional_headers(feed))
    except FetchError as exc:
        return exc
    finally:
        feed.remember_fetch(int((time.monotonic() - started) * 1000))


def _finish_safely(feed: Feed, fetched: tuple[Response, str] | FetchError) -> str:
    """The database half: a bug on one feed is logged, and its lease retries it later."""
    try:
        return _finish(feed, fetched).status
    except Exception:
        log.exception("Polling feed %s failed", feed.pk)
        return "crashed"


def get(url: str, headers: dict[str, str]) -> tuple[Response, str]:
    """Follow redirects one hop at a time (each hop checked by the fetcher), noting where a chain of
    only 301/308 hops ends: that becomes the feed's new URL (a 302/307 anywhere keeps the old one)."""
    current, permanent, all_permanent = url, "", True
    for _hop in range(MAX_HOPS + 1):
        response = fetch(current, headers=headers, follow_redirects=False)
        location = response.headers.get("Location")
        if response.status_code not in PERMANENT + TEMPORARY or not location:
            return response, permanent
        current = urljoin(response.url, location.strip())
        all_permanent = all_permanent and response.status_code in PERMANENT
        permanent = current if all_permanent else ""
    raise FetchError(f"Gave up after {MAX_HOPS} redirects.")


def conditional_headers(feed: Feed) -> dict[str, str]:
    headers = {"Accept": ACCEPT}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    return headers


def next_interval(feed: Feed, new_entries: int) -> int:
    """Busy feeds twice as often (down to the minimum), quiet ones a quarter less often (up to the cap);
    a live WebSub subscription pushes, so polling drops to the cap."""
    if feed.websub_active:
        return conf.max_interval()
    if new_entries:
        return max(conf.min_interval(), feed.interval // 2)
    return min(conf.max_interval(), int(feed.interval * 1.25) or conf.default_interval())


def schedule(feed: Feed, seconds: int) -> None:
    """Next poll in about `seconds`, with ±10 % jitter so feeds added together spread out."""
    feed.next_poll_at = timezone.now() + datetime.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def record_error(feed: Feed, message: str, *, retry_after: int | None = None) -> Outcome:
    """Back off exponentially (min interval × 2^errors, capped) and keep the error for followers to see."""
    feed.state = Feed.State.ERROR
    feed.error_count += 1
    feed.last_error = message[:500]
    feed.last_polled_at = timezone.now()
    backoff = min(conf.max_interval(), conf.min_interval() * 2 ** min(feed.error_count, 12))
    schedule(feed, max(backoff, retry_after or 0))
    feed.save()
    return Outcome("error")


def _retry_after(response: Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return min(int(value), conf.max_interval()) if value.isdigit() else None


def poll_feed(feed_id: int) -> Outcome:
    """Poll one feed now and store what changed; never raises for remote trouble."""
    feed = Feed.objects.get(pk=feed_id)
    if feed.state == Feed.State.GONE:
        return Outcome("gone")
    return _finish(feed, _fetch(feed))


def _finish(feed: Feed, fetched: tuple[Response, str] | FetchError) -> Outcome:
    if isinstance(fetched, FetchError):
        return record_error(feed, str(fetched))
    response, permanent = fetched
    if permanent and not Feed.objects.filter(url=permanent).exists():
        feed.url = permanent
    return handle_response(feed, response)


def handle_response(feed: Feed, response: Response) -> Outcome:
    """Act on the status: 304 and unchanged bodies cost nothing; 410 stops polling; errors back off."""
    from timeline.ingest import ingest

    status = response.status_code
    if status == 410:
        feed.state, feed.next_poll_at, feed.last_error = Feed.State.GONE, None, "The feed is gone (410)."
        feed.save()
        return Outcome("gone")
    if status == 304:
        return _unchanged(feed, "not_modified")
    if status != 200:
        return record_error(feed, f"The feed answered HTTP {status}.", retry_after=_retry_after(response))
    feed.etag = response.headers.get("ETag", "")[:300]
    feed.last_modified = response.headers.get("Last-Modified", "")[:100]
    feed.final_url = response.url
    body_hash = hashlib.sha256(response.content).hexdigest()
    if body_hash == feed.body_hash:
        return _unchanged(feed, "unchanged")
    try:
        with transaction.atomic():  # all of a document's entries and posts, or none (retried next poll)
            stored = ingest(feed, response.content, content_type=response.headers.get("Content-Type", ""))
    except ParseError as exc:
        return record_error(feed, str(exc))
    except Exception:  # a bug or a bad entry must not wedge the feed: record it, back off, retry later
        log.exception("Storing feed %s failed", feed.pk)
        return record_error(feed, "Its entries could not be stored; this will be retried.")
    feed.body_hash = body_hash
    return _done(feed, Outcome("updated", len(stored.new), len(stored.changed)))


def _unchanged(feed: Feed, status: str) -> Outcome:
    return _done(feed, Outcome(status))


def _done(feed: Feed, outcome: Outcome) -> Outcome:
    now = timezone.now()
    feed.state, feed.error_count, feed.last_error = Feed.State.OK, 0, ""
    feed.last_polled_at = now
    if outcome.new:
        feed.last_new_entry_at = now
    feed.interval = next_interval(feed, outcome.new)
    schedule(feed, feed.interval)
    feed.save()
    if feed.websub_due():
        from timeline.websub import subscribe

        subscribe(feed)
    return outcome
