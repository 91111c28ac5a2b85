"""Receiving, the asynchronous part: fetch the source, check it links to the target, read its mf2.

Webmention §3.2.2 (verification) and §3.2.4 (updates and deletes): a re-sent mention replaces what
we stored; a source answering 410, or no longer linking, removes it from display.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, OuterRef
from django.utils import timezone

from microhost.fetch import ConnectFailed, FetchError, FetchTimeout, Response, fetch
from webmention import moderation
from webmention.authorship import AUTHOR_PAGE_MAX_BYTES, find_author
from webmention.html_links import ParsedLinks, body_links_to
from webmention.interpret import Author, Interpretation, first_entry, interpret
from webmention.local import LocalPage, custom_domain_exists, local_blog, local_get, may_be_local
from webmention.mf2 import parse_mf2
from webmention.models import Received

SOURCE_MAX_BYTES = 1024 * 1024  # Webmention §3.2.2 suggests reading the first 1 MB
SOURCE_TIMEOUT = 10.0
ACCEPT = "text/html, application/xhtml+xml;q=0.9, application/json;q=0.8, text/plain;q=0.7, */*;q=0.1"
MAX_ATTEMPTS = 5
LEASE = datetime.timedelta(minutes=10)  # a claimed row is retried by the sweep after this
# What a verification reads of the row (the rest, e.g. the old content, is only ever overwritten).
CLAIMED_FIELDS = [
    "blog", "post", "source", "target", "source_host", "state", "attempts", "next_attempt_at", "error",
    "approved", "verified_at",
]  # fmt: skip
NO_LINK = "The source does not link to the target."
# What a verification writes (the claim has written attempts): an UPDATE of these columns only. A
# rejection, deletion or retry writes the outcome (next_attempt_at unchanged from the lease but for a
# retry, approved but for a deletion), so those rows share one UPDATE; a verified one writes it all.
OUTCOME_FIELDS = ("state", "error", "approved", "next_attempt_at")
STORED_FIELDS = (
    *OUTCOME_FIELDS, "kind", "content_html", "title", "url", "author_name", "author_url", "author_photo",
    "rsvp", "reply_to", "published", "verified_at",
)  # fmt: skip


@dataclass
class RetryLater(Exception):
    reason: str


def get_page(url: str, *, max_bytes: int = SOURCE_MAX_BYTES, local: bool = True) -> Response | LocalPage:
    """GET a source or author page: in-process for our own blogs, else the safe fetcher.
    local=False: the caller knows no blog of ours serves it (no host lookup)."""
    blog = local_blog(url) if local else None
    if blog is not None:
        return local_get(blog, url)
    try:
        return fetch(url, headers={"Accept": ACCEPT}, max_bytes=max_bytes, timeout=SOURCE_TIMEOUT)
    except (ConnectFailed, FetchTimeout) as exc:
        raise RetryLater(str(exc)) from exc


def _author_page(url: str) -> tuple[str, str] | None:
    try:
        page = get_page(url, max_bytes=AUTHOR_PAGE_MAX_BYTES)
    except (FetchError, RetryLater):
        return None
    return (page.text, page.url) if page.status_code == 200 else None


def claim_due(*, limit: int, received_id: int | None = None) -> list[Received]:
    """Lease up to `limit` due pending rows (only `received_id` when given) for this worker.

    One UPDATE … RETURNING: on PostgreSQL the inner SELECT skips rows another claim holds (SKIP
    LOCKED), and a row leased meanwhile fails the re-checked WHERE; SQLite serialises writers. Then
    the rows with their blog, the owner's preferences, the post's path (for the target's canonical
    URL) and whether the source's host is a custom domain of ours, in one query."""
    ops, table = connection.ops, connection.ops.quote_name(Received._meta.db_table)
    now = timezone.now()
    only = "AND id = %s " if received_id is not None else ""
    lock = "FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    sql = (
        f"UPDATE {table} SET attempts = attempts + 1, next_attempt_at = %s WHERE id IN "  # noqa: S608
        f"(SELECT id FROM {table} WHERE state = %s AND next_attempt_at <= %s {only}"
        f"ORDER BY next_attempt_at LIMIT %s {lock}) RETURNING id"
    )
    params = [ops.adapt_datetimefield_value(now + LEASE), Received.State.PENDING]
    params += [ops.adapt_datetimefield_value(now), *([received_id] if only else []), limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row_id for (row_id,) in cursor.fetchall()]
    if not ids:
        return []
    rows = Received.objects.select_related("blog__webmention_preferences").only(*CLAIMED_FIELDS)
    rows = rows.annotate(
        post_path=F("post__path"), source_on_custom_domain=custom_domain_exists(OuterRef("source_host"))
    )
    return list(rows.filter(pk__in=ids))  # no ORDER BY


def _targets(row: Received) -> set[str]:
    found = {row.target.split("#")[0]}
    if row.post_id:
        if row.post_path:  # the post's get_absolute_url(), without loading the post
            found.add(row.blog.absolute(row.post_path))
    else:
        found |= {row.blog.base_url + "/", row.blog.base_url}
    return found


def read_source(row: Received, page: Response | LocalPage) -> Interpretation | None:
    """The interpretation of a source that links to the target, or None when it does not (any more)."""
    content_type = page.headers.get("Content-Type", "text/html")
    is_html = "html" in content_type.lower() or not content_type
    if page.status_code == 410:
        return None
    body = page.text  # decoded once
    links = ParsedLinks(body, page.url) if is_html else None  # read once: the 410 meta and the link
    if (links is not None and links.gone) or not 200 <= page.status_code < 300:
        return None
    if not body_links_to(body, content_type, page.url, row.target, links=links):
        return None  # no mf2 parse for a source that does not link
    parsed = parse_mf2(body, page.url) if is_html else {"items": []}
    entry = first_entry(parsed) or {"type": ["h-entry"], "properties": {}}
    author = find_author(parsed, entry, source=row.source, fetch_page=_author_page)
    if not (entry.get("properties") or {}):
        author = author if author.name else Author(name=row.source_host)
    return interpret(parsed, entry, source=page.url, targets=_targets(row), author=author)


def fetch_source(row: Received) -> Response | LocalPage | FetchError | RetryLater:
    """The network half: the source's page, or why it could not be read. Needs the database only for
    a source that may be one of our blogs (may_be_local), so call it from a thread only when not."""
    try:
        return get_page(row.source, local=is_maybe_local(row))
    except (FetchError, RetryLater) as exc:
        return exc


def is_maybe_local(row: Received) -> bool:
    return may_be_local(row.source_host, on_custom_domain=row.source_on_custom_domain)


@dataclass
class Decided:
    """A row's outcome in memory: the columns to write, and whether the blog's pages change."""

    row: Received
    fields: tuple[str, ...]
    shown_changed: bool = False
    retry_in: float | None = None  # seconds, for a retry


def decide(row: Received, fetched: Response | LocalPage | FetchError | RetryLater) -> Decided:
    """What this attempt found, set on the row (nothing written). A rejection's reason is this
    attempt's (its fetch error, or the missing link), never an error left by an earlier attempt."""
    was_visible = row.approved
    if isinstance(fetched, RetryLater):
        return _retry_or_reject(row, fetched.reason)
    found = None if isinstance(fetched, FetchError) else read_source(row, fetched)
    if found is None:
        reason = str(fetched)[:300] if isinstance(fetched, FetchError) else NO_LINK
        _gone(row, reason)
    else:
        _store(row, found)
    shown_changed = was_visible or row.state == Received.State.ACCEPTED
    return Decided(row, STORED_FIELDS if found is not None else OUTCOME_FIELDS, shown_changed)


def record(decided: list[Decided]) -> None:
    """Write a batch's outcomes: one UPDATE statement per set of columns, and the responses of each blog
    whose shown responses change touched once (Blog.touch_responses: its permalinks, not its other
    pages), in one transaction so the next GET after the commit shows them all; the retries are
    queued on commit."""
    from webmention.receive import enqueue_verification

    groups: dict[tuple[str, ...], list[Received]] = defaultdict(list)
    blogs = {}
    for outcome in decided:
        groups[outcome.fields].append(outcome.row)
        if outcome.shown_changed:
            blogs[outcome.row.blog_id] = outcome.row.blog
    with transaction.atomic() if blogs or len(groups) > 1 else nullcontext():
        for fields, rows in groups.items():
            _update(rows, fields)
        for blog in blogs.values():
            blog.touch_responses()
        for outcome in decided:
            if outcome.retry_in is not None:
                enqueue_verification(outcome.row.pk, countdown=outcome.retry_in)


def _update(rows: list[Received], fields: tuple[str, ...]) -> None:
    """UPDATE these columns of each row: one statement sent for all (executemany; psycopg pipelines
    it). bulk_update's CASE WHEN per column cost more to build than the writes it saved."""
    columns = [Received._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(Received._meta.db_table)} SET {assignments} WHERE id = %s"  # noqa: S608
    params = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _store(row: Received, found: Interpretation) -> None:
    row.kind, row.content_html, row.title, row.url = found.kind, found.content_html, found.title, found.url
    row.author_name, row.author_url = found.author.name, found.author.url
    row.author_photo, row.rsvp = found.author.photo, found.rsvp
    row.reply_to, row.published = found.reply_to, found.published
    row.state = Received.State.HELD if moderation.needs_approval(row) else Received.State.ACCEPTED
    row.approved = row.state == Received.State.ACCEPTED
    row.verified_at, row.error, row.next_attempt_at = timezone.now(), "", timezone.now()


def _gone(row: Received, reason: str) -> None:
    """No link (any more): a mention we had verified is deleted, a new one rejected (§3.2.4)."""
    row.state = Received.State.DELETED if row.verified_at else Received.State.REJECTED
    row.error, row.approved = reason, False


def backoff(attempts: int) -> float:
    """Exponential with jitter: ~1, 2, 4, 8 minutes; well under the broker's visibility timeout."""
    return min(60 * 2 ** (attempts - 1), 1800) * random.uniform(0.8, 1.2)


def verify_received(received_id: int) -> Received | None:
    """Verify one due row and record the outcome; None if it was not due (someone else has it).
    The draining job (webmention.verify_batch) does the same for many rows at a time."""
    rows = claim_due(limit=1, received_id=received_id)
    if not rows:
        return None
    record([decide(rows[0], fetch_source(rows[0]))])
    return rows[0]


def _retry_or_reject(row: Received, reason: str) -> Decided:
    row.error = reason[:300]
    if row.attempts >= MAX_ATTEMPTS:
        # Unreachable for good: a new mention is rejected, one already shown stays as it was.
        row.state = Received.State.ACCEPTED if row.approved else Received.State.REJECTED
        return Decided(row, OUTCOME_FIELDS)
    delay = backoff(row.attempts)
    row.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
    return Decided(row, OUTCOME_FIELDS, retry_in=delay)
