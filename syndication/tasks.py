"""Celery tasks (queue `syndication`): thin, take ids, idempotent; the rows hold the state (R16, R21).

acks_late + reject_on_worker_lost (project settings) are safe here because a redelivered message
finds its row `sending` and follows the exactly-once rules of services/delivery.py (R17)."""

from __future__ import annotations

from celery import shared_task

from syndication.services import connections, delivery, dispatch

LIMITS = {"soft_time_limit": 300, "time_limit": 330}  # far below the broker's visibility_timeout


@shared_task(name="syndication.run_lane", acks_late=True, reject_on_worker_lost=True, **LIMITS)
def run_lane(user_id: int, token: str) -> int | None:
    """One turn of a user's lane: deliver their oldest due copy, then queue the lane at the back."""
    row_id = dispatch.take_turn(user_id, token)
    if row_id is None:
        return None  # superseded by a newer message for this lane
    if row_id:
        delivery.deliver(row_id)
    dispatch.kick(user_id)
    return row_id


@shared_task(name="syndication.sweep", **LIMITS)
def sweep() -> dict:
    """Beat, every minute: lanes whose message was lost get a new one; tokens refreshed; reminders."""
    kicked = dispatch.users_needing_a_kick()
    for user_id in kicked:
        dispatch.kick(user_id)
    return {
        "kicked": len(kicked),
        "refreshed": connections.refresh_expiring(),
        "reminded": connections.remind_expiring(),
    }
