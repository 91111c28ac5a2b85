"""Refresh, verification, introspection, revocation and userinfo (IndieAuth §5.5, §6, §7, §9)."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.utils import timezone

from accounts import tokens
from accounts.models import AccessToken
from tests.accounts.test_indieauth_support import approved_code, bearer, pkce_pair, redeem

pytest_plugins = ("tests.accounts.test_indieauth_support",)
pytestmark = pytest.mark.django_db

TOKEN, INTROSPECT, REVOKE, USERINFO = (
    "/indieauth/token",
    "/indieauth/introspect",
    "/indieauth/revoke",
    "/indieauth/userinfo",
)


@pytest.fixture
def issue(logged_in, client_app):
    """issue(scopes) → the token endpoint's JSON after a full authorization with those scopes."""

    def run(scopes: list[str] = ("create", "update", "profile")) -> dict:
        verifier, challenge = pkce_pair()
        code = approved_code(
            logged_in,
            client_app,
            challenge,
            scopes=list(scopes),
            scope="create update delete media profile email",
        )
        response = redeem(logged_in, TOKEN, client_app, code, verifier)
        assert response.status_code == 200
        return response.json()

    return run


def refresh(client, app, refresh_token: str, **extra):
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": app.client_id,
        **extra,
    }
    return client.post(TOKEN, data)


def test_refresh_gives_a_new_access_token_and_rotates_the_refresh_token(platform_client, client_app, issue):
    """§5.5.1: a refresh returns a fresh access token and a new refresh token; the old one is revoked."""
    first = issue()
    response = refresh(platform_client, client_app, first["refresh_token"])
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "create update profile" and body["me"] == "http://alice.microhost.test/"
    assert body["access_token"] != first["access_token"] and body["refresh_token"] != first["refresh_token"]
    assert tokens.authenticate(body["access_token"]).scopes == {"create", "update", "profile"}
    assert tokens.authenticate(first["refresh_token"], kinds=("refresh",)) is None
    assert tokens.authenticate(first["access_token"]) is not None  # still good until it expires


def test_refresh_may_narrow_the_scope_but_never_widen_it(platform_client, client_app, issue):
    """§5.5.1: same or fewer scopes; the rotated refresh token keeps the original scope."""
    first = issue()
    narrowed = refresh(platform_client, client_app, first["refresh_token"], scope="create").json()
    assert tokens.authenticate(narrowed["access_token"]).scope == "create"
    assert tokens.authenticate(narrowed["refresh_token"], kinds=("refresh",)).scope == "create update profile"
    widened = refresh(platform_client, client_app, narrowed["refresh_token"], scope="create delete")
    assert widened.status_code == 400 and widened.json()["error"] == "invalid_scope"


def test_refresh_needs_the_same_client_and_an_unexpired_token(platform_client, client_app, issue):
    """A refresh token is bound to its client_id and expires."""
    first = issue()
    other = refresh(platform_client, client_app, first["refresh_token"], client_id="https://other.example/")
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"
    AccessToken.objects.filter(kind="refresh").update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = refresh(platform_client, client_app, first["refresh_token"])
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"
    assert refresh(platform_client, client_app, first["access_token"]).json()["error"] == "invalid_grant"


def test_reused_refresh_token_revokes_the_whole_family(platform_client, client_app, issue):
    """A rotated-out refresh token coming back means it leaked: every token of that approval ends."""
    first = issue()
    second = refresh(platform_client, client_app, first["refresh_token"]).json()
    assert refresh(platform_client, client_app, first["refresh_token"]).status_code == 400
    assert tokens.authenticate(second["access_token"]) is None
    assert tokens.authenticate(second["refresh_token"], kinds=("refresh",)) is None


def test_access_tokens_expire(issue):
    """Issued access tokens carry an expiry: fourteen days."""
    body = issue()
    token = tokens.authenticate(body["access_token"])
    assert abs((token.expires_at - timezone.now()) - datetime.timedelta(days=14)) < datetime.timedelta(
        minutes=1
    )


def test_legacy_token_verification_by_get(platform_client, client_app, issue):
    """IndieAuth 2020: GET the token endpoint with a Bearer token → me, client_id, scope; else 401."""
    body = issue()
    response = platform_client.get(TOKEN, **bearer(body["access_token"]))
    assert response.json() == {
        "me": "http://alice.microhost.test/",
        "client_id": client_app.client_id,
        "scope": "create update profile",
    }
    invalid = platform_client.get(TOKEN, **bearer("nope"))
    assert invalid.status_code == 401 and invalid.json()["error"] == "invalid_token"
    missing = platform_client.get(TOKEN)
    assert missing.status_code == 401 and "error" not in missing.json()
    assert missing["WWW-Authenticate"].startswith("Bearer")


def test_introspection_requires_authorization(platform_client, issue):
    """§6.1: the introspection endpoint answers 401 to a caller without an active Bearer token."""
    body = issue()
    assert platform_client.post(INTROSPECT, {"token": body["access_token"]}).status_code == 401
    response = platform_client.post(INTROSPECT, {"token": body["access_token"]}, **bearer("nope"))
    assert response.status_code == 401


def test_introspection_of_an_active_token(platform_client, client_app, issue):
    """§6.2: active, me, client_id, scope, exp and iat for the caller's own user's token."""
    body = issue()
    response = platform_client.post(
        INTROSPECT, {"token": body["access_token"]}, **bearer(body["access_token"])
    )
    data = response.json()
    assert response.status_code == 200 and data["active"] is True
    assert (data["me"], data["client_id"], data["scope"]) == (
        "http://alice.microhost.test/",
        client_app.client_id,
        "create update profile",
    )
    assert data["exp"] - data["iat"] == 14 * 24 * 3600


def test_introspection_of_an_inactive_or_foreign_token(platform_client, issue, alice, bob):
    """§6.2: invalid, revoked or another user's token → 200 with only active: false."""
    body = issue()
    caller = bearer(body["access_token"])
    assert platform_client.post(INTROSPECT, {"token": "made-up"}, **caller).json() == {"active": False}
    bobs, _ = tokens.mint_token(user=bob, scope="create")
    assert platform_client.post(INTROSPECT, {"token": bobs}, **caller).json() == {"active": False}
    mine, row = tokens.mint_token(user=alice, scope="create")
    tokens.revoke(row)
    assert platform_client.post(INTROSPECT, {"token": mine}, **caller).json() == {"active": False}


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_revocation_endpoint_ends_the_approval(platform_client, issue, which):
    """RFC 7009: 200 for a valid token, and the approval's access and refresh tokens both stop working."""
    body = issue()
    response = platform_client.post(REVOKE, {"token": body[which]})
    assert response.status_code == 200
    assert tokens.authenticate(body["access_token"]) is None
    assert tokens.authenticate(body["refresh_token"], kinds=("refresh",)) is None


def test_revocation_answers_200_for_unknown_tokens(platform_client):
    """RFC 7009 §2.2: an invalid token is not an error."""
    assert platform_client.post(REVOKE, {"token": "never-issued"}).status_code == 200
    assert platform_client.post(REVOKE, {}).status_code == 400


def test_legacy_revocation_on_the_token_endpoint(platform_client, issue):
    """Pre-2022 clients revoke with action=revoke on the token endpoint (§7 note)."""
    body = issue()
    assert platform_client.post(TOKEN, {"action": "revoke", "token": body["access_token"]}).status_code == 200
    assert tokens.authenticate(body["access_token"]) is None


def test_userinfo_with_profile_scope(platform_client, issue):
    """§9: the profile object; email only with the email scope."""
    body = issue(["create", "profile"])
    assert platform_client.get(USERINFO, **bearer(body["access_token"])).json() == {
        "name": "alice",
        "url": "http://alice.microhost.test/",
    }
    with_email = issue(["profile", "email"])
    assert (
        platform_client.get(USERINFO, **bearer(with_email["access_token"])).json()["email"]
        == "alice@example.com"
    )


def test_userinfo_without_profile_scope_or_token(platform_client, issue):
    """§9/§8.1: 403 insufficient_scope without `profile`, 401 without a valid token."""
    body = issue(["create"])
    response = platform_client.get(USERINFO, **bearer(body["access_token"]))
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"
    assert platform_client.get(USERINFO).status_code == 401
    assert platform_client.get(USERINFO, **bearer("nope")).status_code == 401


def test_tokens_and_codes_never_reach_the_logs(logged_in, client_app, caplog):
    """R33: a whole flow, failures included, logs neither codes, verifiers nor tokens."""
    caplog.set_level(logging.DEBUG)
    verifier, challenge = pkce_pair()
    code = approved_code(logged_in, client_app, challenge)
    redeem(logged_in, TOKEN, client_app, code, "x" * 50)  # a failure logs a warning
    body = redeem(logged_in, TOKEN, client_app, code, verifier).json()
    redeem(logged_in, TOKEN, client_app, code, verifier)  # replay
    logged_in.post(INTROSPECT, {"token": body["access_token"]}, **bearer("wrong-" + body["refresh_token"]))
    logged_in.post(TOKEN, {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]})
    logged = "\n".join(record.getMessage() + repr(record.args) for record in caplog.records)
    assert caplog.records  # the failures above were logged, just without secrets
    for secret in (code, verifier, body["access_token"], body["refresh_token"]):
        assert secret not in logged


def test_deactivated_accounts_tokens_and_codes_stop_working(logged_in, client_app, issue, alice):
    """A deactivated user's tokens fail verification, introspection and refresh; their codes too."""
    body = issue()
    verifier, challenge = pkce_pair()
    code = approved_code(logged_in, client_app, challenge)
    alice.is_active = False
    alice.save()
    assert logged_in.get(TOKEN, **bearer(body["access_token"])).status_code == 401
    assert refresh(logged_in, client_app, body["refresh_token"]).json()["error"] == "invalid_grant"
    assert redeem(logged_in, TOKEN, client_app, code, verifier).json()["error"] == "invalid_grant"
