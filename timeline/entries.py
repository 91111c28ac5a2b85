"""Storing a parsed feed's entries: new ones created, changed ones updated in place, the rest untouched.

Keyed on id/guid, else link (R14): re-storing an unchanged document writes nothing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.utils import timezone

from microhost.sanitize import clean_foreign_html
from timeline.models import Feed, FeedEntry
from timeline.models.feeds import entry_key_hash
from timeline.parsers import ParsedEntry

STORED_FIELDS = ["url", "title", "content_html", "summary_only", "author_name", "author_url", "photos",
                 "in_reply_to", "updated", "content_hash"]  # fmt: skip


@dataclass
class Stored:
    """What a store pass did, so fan-out and imports act on just those rows."""

    new: list[FeedEntry] = field(default_factory=list)
    changed: list[FeedEntry] = field(default_factory=list)


def _row(feed: Feed, parsed: ParsedEntry) -> FeedEntry:
    """The entry as it would be stored: sanitised, relative URLs resolved against its own page."""
    base = parsed.url or feed.final_url or feed.url
    row = FeedEntry(
        feed=feed,
        key=parsed.key,
        key_hash=entry_key_hash(parsed.key),
        url=parsed.url,
        title=parsed.title,
        content_html=clean_foreign_html(parsed.content_html, base_url=base) if parsed.content_html else "",
        summary_only=parsed.summary_only,
        author_name=parsed.author_name,
        author_url=parsed.author_url,
        photos=parsed.photos,
        in_reply_to=parsed.in_reply_to,
        published=parsed.published or timezone.now(),
        updated=parsed.updated,
    )
    row.content_hash = _hash(row)
    return row


def _hash(row: FeedEntry) -> str:
    """What counts as a change upstream: everything shown, not the fetch time."""
    shown = [row.url, row.title, row.content_html, row.summary_only, row.author_name, row.author_url,
             row.photos, row.in_reply_to]  # fmt: skip
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()


def store_entries(feed: Feed, parsed: list[ParsedEntry]) -> Stored:
    """Create new entries and update changed ones in place, in three queries whatever the count."""
    rows = [_row(feed, entry) for entry in parsed if entry.key]
    existing = {
        e.key_hash: e for e in FeedEntry.objects.filter(feed=feed, key_hash__in=[r.key_hash for r in rows])
    }
    result = Stored()
    for row in rows:
        old = existing.get(row.key_hash)
        if old is None:
            result.new.append(row)
        elif old.content_hash != row.content_hash:
            for name in STORED_FIELDS:
                setattr(old, name, getattr(row, name))
            old.updated = row.updated or timezone.now()
            result.changed.append(old)
    if result.new:
        FeedEntry.objects.bulk_create(result.new, ignore_conflicts=True)
        # ignore_conflicts leaves pks unset on some backends: read the rows back.
        keys = [row.key_hash for row in result.new]
        result.new = list(FeedEntry.objects.filter(feed=feed, key_hash__in=keys).order_by("published"))
    if result.changed:
        FeedEntry.objects.bulk_update(result.changed, STORED_FIELDS)
    return result
