"""Per-user lanes: each user has at most one live message in the syndication queue (R16, fairness).

A lane message carries (user id, token). Its run delivers the user's oldest due copy, then queues
the lane again at the back of the queue, so with 500 copies queued for alice and one for bob, bob's
waits behind at most one of alice's, not 500. A newer token supersedes an older message (e.g. a new
post due sooner than a retry far ahead). Rows, not messages, are the truth: the beat sweep re-kicks
lanes whose message was lost.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from syndication.conf import conf
from syndication.models import Lane, Syndication

log = logging.getLogger(__name__)
MAX_COUNTDOWN = 3000  # seconds; always below the Redis visibility_timeout (3600), or it is redelivered
BACKOFF_FIRST, BACKOFF_MAX = 5, 3000  # seconds: the first retry within seconds, later ones ≤ 50 min
MAX_ATTEMPTS = 12


def _lane_stale() -> timedelta:
    """A lane message this late was lost: queue a new one."""
    return timedelta(seconds=float(conf("LANE_STALE_SECONDS")))


def backoff(attempts: int) -> timedelta:
    """Exponential with full jitter over the upper half (AWS "Exponential Backoff And Jitter")."""
    ceiling = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def kick(user_id: int) -> None:
    """Make sure a message will run the user's lane when their soonest copy is due."""
    from syndication.tasks import run_lane

    now = timezone.now()
    soonest = (
        Syndication.objects.filter(user_id=user_id, state__in=Syndication.WORKING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if soonest is None:
        return
    wanted = max(soonest, now)
    with transaction.atomic():
        Lane.objects.get_or_create(user_id=user_id)
        lane = Lane.objects.select_for_update().get(user_id=user_id)
        if lane.run_at and now - _lane_stale() < lane.run_at <= wanted + timedelta(seconds=1):
            return  # a live message comes in time
        countdown = min((wanted - now).total_seconds(), MAX_COUNTDOWN)
        lane.token, lane.run_at = uuid.uuid4().hex, now + timedelta(seconds=countdown)
        lane.save(update_fields=["token", "run_at"])
        token = lane.token
        transaction.on_commit(lambda: _send(run_lane, user_id, token, max(0.0, countdown)))


def _send(task, user_id: int, token: str, countdown: float) -> None:
    """Publish the lane message; with the broker down the post is saved anyway and the sweep
    re-queues the lane once it counts as lost (R16), so the owner never sees a 500. Nobody reads the
    run's result: ignore_result spares the sender Celery's subscription to it (a Redis round trip)."""
    try:
        task.apply_async(
            (user_id, token), countdown=countdown, retry_policy={"max_retries": 2}, ignore_result=True
        )
    except (OperationalError, OSError) as exc:
        log.warning("Could not queue syndication for user %s (%s); the sweep will.", user_id, exc)


def take_turn(user_id: int, token: str) -> int | None:
    """The lane's turn: None if this message was superseded, else the id of the oldest due row (or 0)."""
    with transaction.atomic():
        lane = Lane.objects.select_for_update().filter(user_id=user_id).first()
        if lane is None or lane.token != token:
            return None
        lane.token, lane.run_at = "", None
        lane.save(update_fields=["token", "run_at"])
    due = Syndication.objects.due().filter(user_id=user_id).order_by("next_attempt_at", "id")
    return due.values_list("id", flat=True).first() or 0


def users_needing_a_kick() -> list[int]:
    """Users with a due copy whose lane has no live message (the sweep's work)."""
    now = timezone.now()
    due_users = set(Syndication.objects.due(now).values_list("user_id", flat=True).distinct())
    live = set(
        Lane.objects.filter(user_id__in=due_users, run_at__gt=now - _lane_stale()).values_list(
            "user_id", flat=True
        )
    )
    return sorted(due_users - live)
