"""Receiving, the asynchronous part: fetch the source, check it links to the target, read its mf2.

Webmention §3.2.2 (verification) and §3.2.4 (updates and deletes): a re-sent mention replaces what
we stored; a source answering 410, or no longer linking, removes it from display.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

import mf2py
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from microhost.fetch import ConnectFailed, FetchError, FetchTimeout, Response, fetch
from webmention import moderation
from webmention.authorship import AUTHOR_PAGE_MAX_BYTES, find_author
from webmention.html_links import ParsedLinks, body_links_to
from webmention.interpret import Author, Interpretation, first_entry, interpret
from webmention.local import LocalPage, local_blog, local_get
from webmention.models import Received

SOURCE_MAX_BYTES = 1024 * 1024  # Webmention §3.2.2 suggests reading the first 1 MB
SOURCE_TIMEOUT = 10.0
ACCEPT = "text/html, application/xhtml+xml;q=0.9, application/json;q=0.8, text/plain;q=0.7, */*;q=0.1"
MAX_ATTEMPTS = 5
LEASE = datetime.timedelta(minutes=10)  # a claimed row is retried by the sweep after this


@dataclass
class RetryLater(Exception):
    reason: str


def get_page(url: str, *, max_bytes: int = SOURCE_MAX_BYTES) -> Response | LocalPage:
    """GET a source or author page: in-process for our own blogs, else the safe fetcher."""
    blog = local_blog(url)
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


def claim(received_id: int) -> Received | None:
    """Take a due pending row for this worker: one conditional UPDATE (a concurrent claim re-checks
    the WHERE after the row lock and finds it leased), then the row with its blog, post and the
    owner's preferences in one query."""
    now = timezone.now()
    leased = (
        Received.objects.filter(pk=received_id)
        .due()
        .update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    )
    if not leased:
        return None
    rows = Received.objects.select_related("blog__webmention_preferences", "post").filter(pk=received_id)
    row = next(iter(rows), None)  # no ORDER BY, one join fewer: the post's blog is the row's blog
    if row is not None and row.post is not None:
        row.post.blog = row.blog
    return row


def _targets(row: Received) -> set[str]:
    found = {row.target.split("#")[0]}
    if row.post_id:
        found.add(row.post.get_absolute_url())
    else:
        found |= {row.blog.base_url + "/", row.blog.base_url}
    return found


def read_source(row: Received, page: Response | LocalPage) -> Interpretation | None:
    """The interpretation of a source that links to the target, or None when it does not (any more)."""
    content_type = page.headers.get("Content-Type", "text/html")
    is_html = "html" in content_type.lower() or not content_type
    if page.status_code == 410 or (is_html and ParsedLinks(page.text, page.url).gone):
        return None
    if not 200 <= page.status_code < 300:
        return None
    if not body_links_to(page.text, content_type, page.url, row.target):
        return None
    parsed = mf2py.parse(doc=page.text, url=page.url) if is_html else {"items": []}
    entry = first_entry(parsed) or {"type": ["h-entry"], "properties": {}}
    author = find_author(parsed, entry, source=row.source, fetch_page=_author_page)
    if not (entry.get("properties") or {}):
        author = author if author.name else Author(name=row.source_host)
    return interpret(parsed, entry, source=page.url, targets=_targets(row), author=author)


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
    """Verify one due row and record the outcome; None if it was not due (someone else has it)."""
    row = claim(received_id)
    if row is None:
        return None
    was_visible = row.approved
    try:
        found = read_source(row, get_page(row.source))
    except RetryLater as exc:
        return _retry_or_reject(row, exc.reason)
    except FetchError as exc:
        found, row.error = None, str(exc)[:300]
    if found is None:
        _gone(row, row.error or "The source does not link to the target.")
    else:
        _store(row, found)
    with transaction.atomic():
        row.save()
        if was_visible or row.state == Received.State.ACCEPTED:
            row.blog.touch()
    return row


def _retry_or_reject(row: Received, reason: str) -> Received:
    from webmention.receive import enqueue_verification

    row.error = reason[:300]
    if row.attempts >= MAX_ATTEMPTS:
        # Unreachable for good: a new mention is rejected, one already shown stays as it was.
        row.state = Received.State.ACCEPTED if row.approved else Received.State.REJECTED
    else:
        delay = backoff(row.attempts)
        row.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
        enqueue_verification(row.pk, countdown=delay)
    row.save()
    return row
