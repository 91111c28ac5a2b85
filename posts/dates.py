"""Dates as the blog templates print them, without Django's date filter parsing its format each time."""

from __future__ import annotations

import datetime
import functools

from django.utils import timezone, translation
from django.utils.dates import MONTHS_3


@functools.lru_cache(maxsize=32)
def _month_abbreviations(language: str | None) -> tuple[str, ...]:
    """DateFormat's "M" of each month (index 1-12) in `language`: the lazy names cost a gettext each."""
    return ("", *(MONTHS_3[month].title() for month in range(1, 13)))


def date_text(local: datetime.datetime, *, with_time: bool) -> str:
    """`|date:"M j, Y · H:i"` (or `"M j, Y"`) as DateFormat's M, j, Y, H and i print it, without
    parsing the format on every call (20 µs each, a fifth of an entry; tests pin it to dateformat)."""
    month = _month_abbreviations(translation.get_language())[local.month]
    text = f"{month} {local.day}, {local.year:04d}"
    return f"{text} · {local.hour:02d}:{local.minute:02d}" if with_time else text


def printed_dates(value: datetime.datetime | None, *, with_time: bool) -> tuple[str, str]:
    """What `|date:'c'` and date_text() print in the active ({% timezone %}) zone: "" for no date."""
    if not value:
        return "", ""
    local = timezone.localtime(value)
    return local.isoformat(), date_text(local, with_time=with_time)  # isoformat() is what "c" prints
