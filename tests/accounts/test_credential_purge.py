"""The daily purge forgets tokens and codes long dead, and keeps what replay detection still needs."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from accounts import tokens
from accounts.credential_purge import CODE_KEEP, DEAD_KEEP, purge_dead_credentials
from accounts.indieauth.grants import refresh
from accounts.models import AccessToken, AuthorizationCode
from accounts.tasks import purge_dead_credentials_task

pytestmark = pytest.mark.django_db

LONG_AGO = DEAD_KEEP + datetime.timedelta(days=1)
RECENTLY = DEAD_KEEP - datetime.timedelta(days=1)


def token(user, *, kind=AccessToken.Kind.ACCESS, family="", revoked=None, expires=None):
    """A token revoked and/or expiring `revoked`/`expires` from now (negative: in the past)."""
    now = timezone.now()
    _, row = tokens.mint_token(user=user, scope="create", kind=kind, client_id="https://app.example/")
    row.code_digest = family
    row.revoked_at = now + revoked if revoked is not None else None
    row.expires_at = now + expires if expires is not None else None
    row.save()
    return row


def code(user, *, digest, age):
    return AuthorizationCode.objects.create(
        digest=digest,
        user=user,
        client_id="https://app.example/",
        redirect_uri="https://app.example/cb",
        code_challenge="x" * 43,
        created_at=timezone.now() - age,
    )


def kept(*rows) -> list[bool]:
    return [type(r).objects.filter(pk=r.pk).exists() for r in rows]


def test_dead_tokens_go_after_the_grace_and_live_ones_stay(alice):
    """Revoked or expired more than DEAD_KEEP ago: deleted; recently dead or live: kept."""
    live = token(alice)
    personal = token(alice, kind=AccessToken.Kind.PERSONAL)
    revoked_long_ago = token(alice, revoked=-LONG_AGO)
    expired_long_ago = token(alice, expires=-LONG_AGO)
    revoked_recently = token(alice, revoked=-RECENTLY)
    expired_recently = token(alice, expires=-RECENTLY)

    assert purge_dead_credentials() == {"tokens": 2, "codes": 0}

    assert kept(live, personal, revoked_recently, expired_recently) == [True] * 4
    assert kept(revoked_long_ago, expired_long_ago) == [False, False]


def test_a_rotated_out_refresh_token_is_kept_while_its_approval_lives(alice):
    """Replay detection: an old refresh token of a live approval stays until its own lifetime is over;
    once the approval is dead it goes with the rest."""
    successor = token(alice, kind="refresh", family="f1", expires=datetime.timedelta(days=60))
    rotated = token(alice, kind="refresh", family="f1", revoked=-LONG_AGO, expires=datetime.timedelta(days=5))
    past_lifetime = token(alice, kind="refresh", family="f1", revoked=-LONG_AGO, expires=-LONG_AGO)
    access_of_family = token(alice, family="f1", revoked=-LONG_AGO)
    orphan = token(alice, kind="refresh", family="f2", revoked=-LONG_AGO, expires=datetime.timedelta(days=5))

    purge_dead_credentials()

    assert kept(successor, rotated) == [True, True]
    assert kept(past_lifetime, access_of_family, orphan) == [False, False, False]


def test_the_kept_refresh_token_still_revokes_its_approval_when_replayed(alice):
    """What the rule keeps is what grants.refresh needs: the replay of a rotated-out token ends the
    approval, after a purge as before."""
    successor = token(alice, kind="refresh", family="f1", expires=datetime.timedelta(days=60))
    raw, rotated = tokens.mint_token(
        user=alice, scope="create", kind="refresh", client_id="https://app.example/", code_digest="f1"
    )
    AccessToken.objects.filter(pk=rotated.pk).update(
        revoked_at=timezone.now() - LONG_AGO, expires_at=timezone.now() + datetime.timedelta(days=5)
    )
    purge_dead_credentials()
    with pytest.raises(Exception, match="already used or revoked"):
        refresh(refresh_token=raw, client_id="https://app.example/", scope="")
    successor.refresh_from_db()
    assert successor.revoked_at is not None


def test_codes_go_once_old_and_their_tokens_dead(alice):
    """A code older than CODE_KEEP goes unless a token issued from it is live (a replayed code must
    still be able to revoke those, R30)."""
    old = CODE_KEEP + datetime.timedelta(hours=1)
    spent = code(alice, digest="a" * 64, age=old)
    never_redeemed = code(alice, digest="b" * 64, age=old)
    with_live_tokens = code(alice, digest="c" * 64, age=old)
    token(alice, family="c" * 64)
    token(alice, family="a" * 64, revoked=-datetime.timedelta(hours=1))
    fresh = code(alice, digest="d" * 64, age=datetime.timedelta(minutes=5))

    assert purge_dead_credentials()["codes"] == 2

    assert kept(with_live_tokens, fresh) == [True, True]
    assert kept(spent, never_redeemed) == [False, False]


def test_the_purge_runs_daily_from_beat(alice):
    """Beat schedules the task; run as a task, it reports what it deleted."""
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-purge-dead-credentials"]
    assert entry["task"] == purge_dead_credentials_task.name and entry["schedule"] == 24 * 3600
    token(alice, revoked=-LONG_AGO)
    assert purge_dead_credentials_task.apply().get() == {"tokens": 1, "codes": 0}
