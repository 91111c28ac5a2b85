"""Celery tasks (routed to the `feeds` queue by name): thin, idempotent, ids only."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from timeline import fanout, polling


@shared_task(name="timeline.poll_due_feeds")
def poll_due_feeds() -> int:
    """Beat, every minute: claim due feeds (leased, skip-locked) and enqueue one poll job each."""
    ids = polling.claim_due_feeds()
    for feed_id in ids:
        transaction.on_commit(lambda feed_id=feed_id: poll_feed.delay(feed_id))
    fanout.trim()
    return len(ids)


@shared_task(name="timeline.poll_feed", acks_late=True)
def poll_feed(feed_id: int) -> str:
    """Poll one feed; safe to run twice (entries are keyed, fan-out ignores duplicates)."""
    return polling.poll_feed(feed_id).status


@shared_task(name="timeline.fan_out_post", acks_late=True)
def fan_out_post(post_id: int) -> int:
    """A public post reaches its author's active followers; a stale job (post gone, hidden) writes nothing."""
    return fanout.fan_out_post(post_id)
