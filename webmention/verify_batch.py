"""Verifying received webmentions in batches: one job drains every due row (issue 7, ≥ 100/s per
two worker slots), as timeline.polling.poll_due does for feeds.

Per batch: one claim (UPDATE … RETURNING, then one SELECT), the sources fetched by a few threads
that hold no database connection, each row decided in the calling thread (parsing and the few
queries authorship and moderation may make), then one write per set of columns and one touch per
blog whose pages change. The next batch is claimed and its fetches started before the current one
is decided, so the fetching threads work while this thread parses and writes."""

from __future__ import annotations

import logging
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings

from webmention.receive import drain_slot_free, drain_starting
from webmention.verify import Decided, claim_due, decide, fetch_source, is_maybe_local, record

log = logging.getLogger(__name__)

BATCH = 20  # rows one claim leases: per batch the claim costs 2 queries and the writes 4 or 5
THREADS = 4  # fetching threads: they hide the round trips behind the parsing; more contend for the GIL
BUDGET = 50.0  # seconds: no new batch is claimed after this, the next message or sweep goes on


def verify_due(*, batch: int = 0, threads: int = 0, budget: float | None = None) -> Counter[str]:
    """Verify due rows until none is left or `budget` seconds have passed; the count of each
    resulting state. With nothing due it costs one query (and starts no thread)."""
    batch = batch or getattr(settings, "WEBMENTION_VERIFY_BATCH", BATCH)
    threads = threads or getattr(settings, "WEBMENTION_VERIFY_THREADS", THREADS)
    deadline = time.monotonic() + (budget if budget is not None else BUDGET)
    outcomes: Counter[str] = Counter()
    drain_starting()  # before the first claim: a receipt from now on queues its own job
    rows = claim_due(limit=batch)
    if not rows:
        return outcomes
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wm-verify") as fetchers:
        current = _start(rows, fetchers)
        while current:
            rows = claim_due(limit=batch) if time.monotonic() < deadline else []
            following = _start(rows, fetchers)  # fetched while this thread decides `current`
            decided = [outcome for row, page in current if (outcome := _decide_safely(row, page))]
            record(decided)
            outcomes.update(outcome.row.state for outcome in decided)
            current = following
    if time.monotonic() >= deadline and drain_slot_free():
        _queue_next_drain()  # rows may be left, whose receipts saw this drain queued and queued none
    return outcomes


def _queue_next_drain() -> None:
    from webmention.tasks import verify

    verify.delay()


def _start(rows: list, fetchers: ThreadPoolExecutor) -> list[tuple]:
    """(row, future page) for each row: a source that may be one of our blogs is rendered later in
    this thread (it reads the database), the others are fetched by the pool."""
    return [(row, None if is_maybe_local(row) else fetchers.submit(fetch_source, row)) for row in rows]


def _decide_safely(row, page: Future | None) -> Decided | None:
    """A bug on one row is logged and leaves it leased: the sweep retries it after the lease."""
    try:
        return decide(row, fetch_source(row) if page is None else page.result())
    except Exception:
        log.exception("Verifying received webmention %s failed", row.pk)
        return None
