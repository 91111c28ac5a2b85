"""Keyset cursors "<microseconds>.<id>": stable under new arrivals, unlike page numbers."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet


def encode(published: datetime.datetime, pk: int) -> str:
    return f"{int(published.timestamp() * 1_000_000)}.{pk}"


def decode(cursor: str) -> tuple[datetime.datetime, int] | None:
    """None for a missing or malformed cursor (the first page)."""
    stamp, _, pk = (cursor or "").partition(".")
    if not (stamp.lstrip("-").isdigit() and pk.isdigit()):
        return None
    try:
        moment = datetime.datetime.fromtimestamp(int(stamp) / 1_000_000, tz=datetime.UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return moment, int(pk)


def before(queryset: QuerySet, cursor: str, *, field: str = "published") -> QuerySet:
    """Rows strictly after the cursor in newest-first order (field desc, id desc)."""
    position = decode(cursor)
    if position is None:
        return queryset
    moment, pk = position
    return queryset.filter(Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "id__lt": pk}))


def page(queryset: QuerySet, cursor: str, limit: int, *, field: str = "published") -> tuple[list, str]:
    """One page and the cursor of the next ("" at the end)."""
    rows = list(before(queryset, cursor, field=field).order_by(f"-{field}", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode(getattr(rows[-1], field), rows[-1].pk) if more and rows else ""
