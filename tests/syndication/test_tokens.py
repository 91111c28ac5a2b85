"""Token lifetimes (R36): Tumblr refreshes before expiry with rotating refresh tokens, a refused
refresh flags the connection instead of looping; LinkedIn's 60-day expiry gets a reminder."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from syndication.services.connections import refresh_expiring, remind_expiring


def test_tumblr_refreshes_before_expiry_and_keeps_the_new_refresh_token(alice, connect, fakes) -> None:
    """The sweep refreshes a token expiring within 15 minutes; the old refresh token is spent."""
    connection = connect(alice, "tumblr", expires_at=timezone.now() + timedelta(minutes=5))
    old = connection.credentials["refresh_token"]
    assert refresh_expiring() == 1
    connection.refresh_from_db()
    assert connection.credentials["refresh_token"] != old
    assert connection.expires_at > timezone.now() + timedelta(minutes=30)
    assert old not in fakes["tumblr"].refresh


def test_refused_refresh_flags_once_and_stops(alice, connect, fakes) -> None:
    """A dead refresh token flags the connection and emails once; the next sweep does not try again."""
    connection = connect(alice, "tumblr", expires_at=timezone.now() + timedelta(minutes=5))
    fakes["tumblr"].refresh.clear()
    refresh_expiring()
    refresh_expiring()
    connection.refresh_from_db()
    assert connection.needs_reauth
    assert len(fakes["tumblr"].calls("POST", "/v2/oauth2/token")) == 1
    assert len(mail.outbox) == 1


def test_linkedin_reminder_a_week_before_expiry_once(alice, connect) -> None:
    """LinkedIn (no refresh tokens for self-serve apps): one email a week before day 60."""
    connect(alice, "linkedin", expires_at=timezone.now() + timedelta(days=6))
    assert remind_expiring() == 1
    assert remind_expiring() == 0
    assert len(mail.outbox) == 1 and "reconnect" in mail.outbox[0].subject.lower()
