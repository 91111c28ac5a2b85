"""Receiving, the asynchronous part: fetch the source, check it links to the target, read its mf2.

Webmention §3.2.2 (verification) and §3.2.4 (updates and deletes): a re-sent mention replaces what
we stored; a source answering 410, or no longer linking, removes it from display.
"""

from __future__ import annotations

import datetime
import random
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import transaction
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
# What a verification writes (the claim has written attempts): an UPDATE of these columns only.
GONE_FIELDS = ["state", "error", "approved"]
STORED_FIELDS = [
    *GONE_FIELDS, "kind", "content_html", "title", "url", "author_name", "author_url", "author_photo",
    "rsvp", "reply_to", "published", "verified_at", "next_attempt_at",
]  # fmt: skip


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


def claim(received_id: int) -> Received | None:
    """Take a due pending row for this worker: one conditional UPDATE (a concurrent claim re-checks
    the WHERE after the row lock and finds it leased), then the row with its blog, the owner's
    preferences, the post's path (for the target's canonical URL) and whether the source's host is
    a custom domain of ours, in one query."""
    now = timezone.now()
    leased = (
        Received.objects.filter(pk=received_id)
        .due()
        .update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    )
    if not leased:
        return None
    rows = Received.objects.select_related("blog__webmention_preferences").only(*CLAIMED_FIELDS)
    rows = rows.annotate(
        post_path=F("post__path"), source_on_custom_domain=custom_domain_exists(OuterRef("source_host"))
    )
    rows = rows.filter(pk=received_id)
    return next(iter(rows), None)  # no ORDER BY


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
        local = may_be_local(row.source_host, on_custom_domain=row.source_on_custom_domain)
        found = read_source(row, get_page(row.source, local=local))
    except RetryLater as exc:
        return _retry_or_reject(row, exc.reason)
    except FetchError as exc:
        found, row.error = None, str(exc)[:300]
    if found is None:
        _gone(row, row.error or "The source does not link to the target.")
    else:
        _store(row, found)
    shown_changed = was_visible or row.state == Received.State.ACCEPTED
    with transaction.atomic() if shown_changed else nullcontext():  # the row and the blog's pages
        row.save(update_fields=STORED_FIELDS if found is not None else GONE_FIELDS)
        if shown_changed:
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
