"""Webmention jobs (queue `webmention`): thin and idempotent, they take ids and call the services.
Retries are scheduled on the rows (next_attempt_at) and re-enqueued by the beat sweep, so nothing
depends on a message surviving in the broker. Their results are not stored (ignore_result): the rows
say what happened, and with the Redis result backend a stored result costs the enqueuing request a
SUBSCRIBE and the worker a SET and a PUBLISH per job."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from webmention.models import Outgoing, Received
from webmention.send import deliver as deliver_outgoing
from webmention.send import queue_post
from webmention.verify_batch import BATCH, verify_due

SWEEP_BATCH = 500


@shared_task(name="webmention.verify", ignore_result=True)
def verify(received_id: int | None = None) -> int:
    """Verify every due received webmention, the one that queued this job among them (issue 7: a
    batch costs a few queries, not a few per row). With nothing due, one query: without a shared
    cache a burst queues one message per mention, and those finding their row taken cost little."""
    return sum(verify_due().values())


@shared_task(name="webmention.send_post", ignore_result=True)
def send_post(post_id: int) -> int:
    """Queue one delivery per target of a post that was created, updated or deleted."""
    return len(queue_post(post_id))


@shared_task(name="webmention.deliver", ignore_result=True)
def deliver(outgoing_id: int) -> str | None:
    """Discover one target's endpoint and send to it."""
    row = deliver_outgoing(outgoing_id)
    return row.state if row else None


@shared_task(name="webmention.sweep")
def sweep() -> int:
    """Beat: re-enqueue due rows, received and outgoing (lost messages, expired leases)."""
    now = timezone.now()
    received = list(Received.objects.due().values_list("id", flat=True)[:SWEEP_BATCH])
    outgoing = Outgoing.objects.filter(state=Outgoing.State.PENDING, next_attempt_at__lte=now)
    sent = list(outgoing.values_list("id", flat=True)[:SWEEP_BATCH])
    for row_id in received[:: getattr(settings, "WEBMENTION_VERIFY_BATCH", BATCH)]:
        verify.delay(row_id)  # each job drains many rows: one message per batch of them
    for row_id in sent:
        deliver.delay(row_id)
    return len(received) + len(sent)
