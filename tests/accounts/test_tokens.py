"""Bearer tokens are stored as digests only, scoped, expiring and revocable."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from accounts import tokens
from accounts.models import AccessToken

pytestmark = pytest.mark.django_db


def test_only_the_digest_is_stored(alice):
    """The raw token never appears in the token table (R32)."""
    raw, row = tokens.mint_token(user=alice, scope="create")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_accesstoken")
        dump = repr(cursor.fetchall())
    assert raw not in dump and row.digest in dump


def test_authenticate_checks_revocation_expiry_and_kind(alice):
    """Revoked, expired and refresh tokens do not authenticate requests."""
    good, _ = tokens.mint_token(user=alice, scope="create update")
    assert tokens.authenticate(good).scopes == {"create", "update"}
    revoked, row = tokens.mint_token(user=alice, scope="create")
    tokens.revoke(row)
    expired, _ = tokens.mint_token(user=alice, scope="create", expires_in=datetime.timedelta(seconds=-1))
    refresh, _ = tokens.mint_token(user=alice, scope="create", kind=AccessToken.Kind.REFRESH)
    assert tokens.authenticate(revoked) is None
    assert tokens.authenticate(expired) is None
    assert tokens.authenticate(refresh) is None
    assert tokens.authenticate("") is None and tokens.authenticate("made-up") is None


def test_replayed_code_revokes_its_tokens(alice):
    """Tokens minted from one code are all revoked when the code is replayed (R30)."""
    raw, _ = tokens.mint_token(user=alice, scope="create", kind="access", code_digest="c0de")
    assert tokens.revoke_issued_from_code("c0de") == 1
    assert tokens.authenticate(raw) is None


def test_mint_token_command_prints_only_the_token(alice, capsys):
    """`manage.py mint_token` prints one token that authenticates with the given scopes."""
    call_command(
        "mint_token",
        "alice",
        "--scope",
        "create update delete media",
        "--client-id",
        "https://client.example/",
    )
    out = capsys.readouterr().out.strip()
    assert len(out.split()) == 1
    token = tokens.authenticate(out)
    assert token.user == alice and token.scopes == {"create", "update", "delete", "media"}
    assert token.client_id == "https://client.example/"


def test_deactivated_users_tokens_do_not_authenticate(alice):
    """A token of a deactivated user is refused everywhere."""
    raw, _ = tokens.mint_token(user=alice, scope="create")
    alice.is_active = False
    alice.save()
    assert tokens.authenticate(raw) is None


def test_authenticate_is_one_query_and_last_used_is_written_at_most_once_a_minute(
    alice, django_assert_num_queries
):
    """One SELECT (token + user) per request; the last-used UPDATE only when the stored time is stale."""
    raw, _ = tokens.mint_token(user=alice, scope="create")
    with django_assert_num_queries(2):
        token = tokens.authenticate(raw)
    with django_assert_num_queries(1):
        again = tokens.authenticate(raw)
        assert again.user.username == "alice" and again.last_used_at == token.last_used_at
