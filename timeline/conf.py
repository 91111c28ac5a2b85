"""Tunables, each overridable in Django settings (defaults here so settings.py stays untouched)."""

from __future__ import annotations

from django.conf import settings


def get(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def min_interval() -> int:
    """Fastest a busy feed is polled (seconds)."""
    return get("TIMELINE_MIN_INTERVAL", 15 * 60)


def max_interval() -> int:
    """Slowest a quiet (or WebSub-pushed, or failing) feed is polled: the cap (seconds)."""
    return get("TIMELINE_MAX_INTERVAL", 24 * 3600)


def default_interval() -> int:
    return get("TIMELINE_DEFAULT_INTERVAL", 3600)


def timeline_cap() -> int:
    """Rows kept per user in the materialised timeline (older pages fall back to nothing)."""
    return get("TIMELINE_CAP", 800)


def backfill() -> int:
    """Items copied into a timeline when a source is followed."""
    return get("TIMELINE_BACKFILL", 50)


def active_days() -> int:
    """Users who have not read their timeline for this long are skipped by fan-out, rebuilt on return."""
    return get("TIMELINE_ACTIVE_DAYS", 30)


def poll_batch() -> int:
    """Feeds one beat sweep claims."""
    return get("TIMELINE_POLL_BATCH", 1000)
