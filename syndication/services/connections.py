"""Connections: saving one after a connect flow, disconnecting, flagging for reauth, reminders."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.urls_util import platform_url
from syndication.connectors import connector_for
from syndication.connectors.base import NeedsReauth, SyndicationError
from syndication.connectors.tumblr import REFRESH_MARGIN
from syndication.models import Connection, Syndication

log = logging.getLogger(__name__)
CONNECTIONS_PATH = "/settings/connections/"


def save_connection(*, user, silo: str, found: dict) -> Connection:
    """Create or refresh the user's connection from a finished connect flow; re-queue copies that
    failed only because the old token was dead."""
    with transaction.atomic():
        connection, _ = Connection.objects.get_or_create(
            user=user,
            silo=silo,
            server=found.get("server", ""),
            remote_id=found["remote_id"],
            defaults={"account_name": found["account_name"]},
        )
        connection.account_name = found["account_name"]
        connection.account_url = found.get("account_url", "")
        connection.options = {**connection.options, **found.get("options", {})}
        connection.expires_at = found.get("expires_at")
        connection.needs_reauth, connection.reauth_reason, connection.reminded_at = False, "", None
        connection.set_credentials(found["credentials"], save=False)
        connection.save()
        waiting = Syndication.objects.filter(connection=connection, state=Syndication.State.FAILED)
        for row in waiting.filter(extra__reauth=True):
            row.state, row.attempts, row.next_attempt_at = Syndication.State.PENDING, 0, timezone.now()
            row.save(update_fields=["state", "attempts", "next_attempt_at", "updated_at"])
    return connection


def disconnect(*, connection: Connection) -> bool:
    """Revoke where the silo allows, then delete the credentials with the connection. True if revoked."""
    revoked = False
    try:
        revoked = connector_for(connection).revoke()
    except (SyndicationError, KeyError) as exc:
        log.info("Revoking %s failed: %s", connection, exc)
    connection.delete()
    return revoked


def flag_reauth(connection: Connection, reason: str) -> None:
    """Mark the connection broken (banner) and email the owner once, when it flips (R20)."""
    flipped = Connection.objects.filter(pk=connection.pk, needs_reauth=False).update(
        needs_reauth=True, reauth_reason=reason[:500]
    )
    connection.needs_reauth, connection.reauth_reason = True, reason[:500]
    if flipped and connection.user.email:
        send_mail(
            f"Reconnect {connection}",
            f"microhost can no longer post to {connection}: {reason}\n\n"
            f"Reconnect it here: {platform_url(CONNECTIONS_PATH)}\n",
            None,
            [connection.user.email],
        )


def refresh_expiring() -> int:
    """Refresh tokens about to expire (Tumblr), before a job needs them (R36); flag on refusal."""
    soon = timezone.now() + REFRESH_MARGIN
    refreshed = 0
    for connection in Connection.objects.filter(silo="tumblr", needs_reauth=False, expires_at__lte=soon):
        try:
            connector_for(connection).refresh_if_expiring()
            refreshed += 1
        except NeedsReauth as exc:
            flag_reauth(connection, str(exc))
        except SyndicationError as exc:
            log.info("Refreshing %s will be retried: %s", connection, exc)
    return refreshed


def remind_expiring() -> int:
    """LinkedIn tokens last 60 days without refresh: email a week before, once."""
    week = timezone.now() + timedelta(days=7)
    due = list(
        Connection.objects.filter(
            silo="linkedin", expires_at__lte=week, reminded_at__isnull=True
        ).select_related("user")
    )
    for connection in due:
        if connection.user.email:
            send_mail(
                f"{connection}: reconnect before {connection.expires_at:%d %B}",
                f"LinkedIn access for microhost ends on {connection.expires_at:%d %B %Y}. "
                f"Reconnect it here: {platform_url(CONNECTIONS_PATH)}\n",
                None,
                [connection.user.email],
            )
        Connection.objects.filter(pk=connection.pk).update(reminded_at=timezone.now())
    return len(due)
