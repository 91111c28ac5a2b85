"""Celery tasks (routed to the `feeds` queue by name): thin, idempotent, ids only."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from timeline import conf, fanout, polling


@shared_task(name="timeline.poll_due_feeds")
def poll_due_feeds() -> int:
    """Beat, every minute: when feeds are due, queue TIMELINE_POLL_JOBS draining jobs (default 1).

    Each job polls with many fetching threads until nothing is due or its budget (under the beat
    period) is spent, so a slow host holds a thread, not a worker slot; one job leaves the worker's
    other slot to fan-out, webmention and syndication jobs."""
    jobs = conf.get("TIMELINE_POLL_JOBS", 1) if polling.due_feeds().exists() else 0
    for _ in range(jobs):
        transaction.on_commit(poll_due.delay)
    fanout.trim()
    return jobs


@shared_task(name="timeline.poll_due", acks_late=True)
def poll_due() -> dict[str, int]:
    """Poll due feeds until none is left or the budget is spent; returns the count of each outcome."""
    return dict(polling.poll_due())


@shared_task(name="timeline.poll_feed", acks_late=True)
def poll_feed(feed_id: int) -> str:
    """Poll one feed; safe to run twice (entries are keyed, fan-out ignores duplicates)."""
    return polling.poll_feed(feed_id).status


@shared_task(name="timeline.fan_out_post", acks_late=True)
def fan_out_post(post_id: int) -> int:
    """A public post reaches its author's active followers; a stale job (post gone, hidden) writes nothing."""
    return fanout.fan_out_post(post_id)
