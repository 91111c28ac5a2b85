"""Delivering one copy: claim the row, call the connector, record what happened (R15-R20).

Exactly one copy: the row is marked `sending` (committed) before the create goes out, the remote id
is saved the moment the create returns, and a row found still `sending` later was abandoned by a
dead worker: Mastodon repeats it with the same Idempotency-Key (kept by the server for an hour),
other silos become `unknown` and are shown to the owner, never retried blindly (R17, R18).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from posts.models import Post
from syndication.conf import conf
from syndication.connectors import connector_for
from syndication.connectors.base import Gone, NeedsReauth, PermanentFailure, RetryLater, Unknown
from syndication.models import Syndication
from syndication.services import copies
from syndication.services.connections import flag_reauth
from syndication.services.dispatch import MAX_ATTEMPTS, backoff
from syndication.services.planning import fingerprint

S = Syndication.State
log = logging.getLogger(__name__)
OPERATION = {S.PENDING: "create", S.SENDING: "create", S.UPDATING: "update", S.DELETING: "delete"}
STATE_OF = {"create": S.PENDING, "update": S.UPDATING, "delete": S.DELETING}
IDEMPOTENCY_WINDOW = timedelta(minutes=55)  # Mastodon keeps a key for an hour


def idempotency_key(row: Syndication) -> str:
    """hash(post uuid, connection[, generation]): the same on every attempt of this copy (R17)."""
    seed = f"{row.post.uuid}:{row.connection_id}:{row.extra.get('generation', 0)}"
    return hashlib.sha256(seed.encode()).hexdigest()


def _stale() -> timedelta:
    return timedelta(seconds=float(conf("STALE_SENDING_SECONDS")))


def claim(row_id: int) -> tuple[Syndication, str] | None:
    """Lock a due row and mark it in flight; returns it with its operation, or None."""
    now = timezone.now()
    skip = db.features.has_select_for_update_skip_locked
    with transaction.atomic():
        row = (
            Syndication.objects.select_for_update(skip_locked=skip)
            .select_related("post__blog", "connection")
            .filter(pk=row_id)
            .due(now)
            .first()
        )
        if row is None:
            return None
        operation = OPERATION[row.state]
        if row.state == S.SENDING and not _may_resend(row, now):
            silo = row.connection.get_silo_display()
            row.state, row.last_error = S.UNKNOWN, f"Sending stopped half-way; check {silo} before retrying."
            row.save()
            return None
        if operation == "create" and row.state == S.PENDING:
            row.sending_started_at = now
        row.state = S.SENDING if operation == "create" else row.state
        row.attempts += 1
        row.next_attempt_at = now + _stale()  # nobody else takes it while we are on it
        row.save()
    return row, operation


def _may_resend(row: Syndication, now) -> bool:
    """An abandoned create may be repeated only under the same idempotency key, inside its window."""
    if row.remote_id:
        return True  # it returned; only the bookkeeping is missing
    started = row.sending_started_at or now
    return connector_for(row.connection).IDEMPOTENT and now - started < IDEMPOTENCY_WINDOW


def deliver(row_id: int) -> None:
    """Run one due row's operation and record the outcome."""
    claimed = claim(row_id)
    if claimed is None:
        return
    row, operation = claimed
    try:
        _run(row, operation)
    except RetryLater as exc:
        _retry(row, operation, exc)
    except NeedsReauth as exc:
        flag_reauth(row.connection, str(exc))
        _end(row, S.FAILED, f"{exc} Reconnect it in Settings → Connections, then retry.", reauth=True)
    except Gone as exc:
        _end(row, S.DELETED if operation == "delete" else S.FAILED, "" if operation == "delete" else str(exc))
        if operation == "delete":
            copies.record(row.post_id)
    except Unknown as exc:  # only a create can be doubled; edits and deletes are safe to repeat
        if operation == "create":
            _end(row, S.UNKNOWN, str(exc))
        else:
            _retry(row, operation, RetryLater(str(exc)))
    except PermanentFailure as exc:
        _end(row, S.FAILED, str(exc))
    except Exception as exc:  # a bug or an answer not shaped like the API: never leave it `sending`
        log.exception("Syndication %s failed unexpectedly", row.pk)
        if operation == "create" and not connector_for(row.connection).IDEMPOTENT:
            _end(row, S.UNKNOWN, f"Unexpected error; check {row.connection.get_silo_display()}: {exc}")
        else:
            _retry(row, operation, RetryLater(f"Unexpected error: {exc}"))


def _run(row: Syndication, operation: str) -> None:
    connector = connector_for(row.connection)
    post = Post.objects.with_relations().get(pk=row.post_id)
    if operation == "delete":
        connector.delete(row)
        _end(row, S.DELETED, "")
        copies.record(post.pk)
        return
    shown = fingerprint(post)
    if operation == "update":
        connector.update(post, row, text=row.text or None)
    elif not row.remote_id:
        result = connector.publish(
            post, text=row.text or None, key=idempotency_key(row), reply_to=copies.parent(row)
        )
        # Saved the moment the create returns, before anything else can fail (ARCHITECTURE, flow 3).
        row.url, row.remote_id, row.extra = result.url, result.remote_id, {**row.extra, **result.extra}
        Syndication.objects.filter(pk=row.pk).update(url=row.url, remote_id=row.remote_id, extra=row.extra)
    copies.record(post.pk)
    row.fingerprint = shown
    _end(row, S.DONE, "")
    copies.follow_up(row.pk)


def _retry(row: Syndication, operation: str, exc: RetryLater) -> None:
    """Back off with jitter, or at the silo's reset time (R19); finite attempts end in failed (R20)."""
    if row.attempts >= MAX_ATTEMPTS:
        _end(row, S.FAILED, f"Gave up after {row.attempts} attempts: {exc}")
        return
    now = timezone.now()
    when = max(exc.after, now) if exc.after else now + backoff(row.attempts)
    row.state = S.PENDING if operation == "create" and not row.remote_id else STATE_OF[operation]
    row.next_attempt_at, row.last_error = when, str(exc)
    row.save(update_fields=["state", "next_attempt_at", "last_error", "updated_at"])


def _end(row: Syndication, state: str, error: str, *, reauth: bool = False) -> None:
    row.state, row.last_error = state, error
    row.extra = (
        {**row.extra, "reauth": True} if reauth else {k: v for k, v in row.extra.items() if k != "reauth"}
    )
    row.save(update_fields=["state", "last_error", "extra", "fingerprint", "updated_at"])
