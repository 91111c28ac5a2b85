"""Redeeming authorization codes at the authorization and token endpoints (IndieAuth §5.3, R29, R30)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from accounts import tokens
from accounts.models import AccessToken, AuthorizationCode
from tests.accounts.test_indieauth_support import approved_code, pkce_pair, redeem

pytest_plugins = ("tests.accounts.test_indieauth_support",)
pytestmark = pytest.mark.django_db

AUTH, TOKEN = "/indieauth/auth", "/indieauth/token"


@pytest.fixture
def pkce() -> tuple[str, str]:
    return pkce_pair()


def test_token_endpoint_answers_with_tokens_me_and_profile(logged_in, client_app, pkce, alice):
    """§5.3.3: access and refresh tokens, Bearer, the granted scope, me, expires_in, profile."""
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge, scopes=["create", "profile"])
    response = redeem(logged_in, TOKEN, client_app, code, verifier)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "create profile"
    assert body["me"] == "http://alice.microhost.test/"
    assert body["expires_in"] == 14 * 24 * 3600
    assert body["profile"] == {"name": "alice", "url": "http://alice.microhost.test/"}
    access = tokens.authenticate(body["access_token"])
    assert (access.user, access.kind, access.client_id, access.scope) == (
        alice,
        "access",
        client_app.client_id,
        "create profile",
    )
    assert access.client_name == "Test Poster"
    assert tokens.authenticate(body["refresh_token"], kinds=("refresh",)).kind == "refresh"


def test_authorization_endpoint_answers_only_me(logged_in, client_app, pkce):
    """§5.3.2: redeemed at the authorization endpoint, a code yields `me` (and profile), never a token."""
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge, scopes=["create"])
    response = redeem(logged_in, AUTH, client_app, code, verifier)
    assert response.json() == {"me": "http://alice.microhost.test/"}
    assert not AccessToken.objects.exists()


def test_profile_and_email_scopes_fill_the_profile(logged_in, client_app, pkce, alice):
    """§5.3.4: profile gives name/url/photo; email is added only with the email scope."""
    alice.display_name = "Alice Liddell"
    alice.save()
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge, scopes=["profile", "email"], scope="profile email")
    body = redeem(logged_in, AUTH, client_app, code, verifier).json()
    assert body["profile"] == {
        "name": "Alice Liddell",
        "url": "http://alice.microhost.test/",
        "email": "alice@example.com",
    }


def test_code_without_scope_gives_no_access_token(logged_in, client_app, pkce):
    """§5.2/§5.3.3: no scope, no token: the token endpoint refuses, the authorization endpoint gives me."""
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge, scope=None)
    response = redeem(logged_in, TOKEN, client_app, code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    assert redeem(logged_in, AUTH, client_app, code, verifier).json() == {
        "me": "http://alice.microhost.test/"
    }


@pytest.mark.parametrize("endpoint", [AUTH, TOKEN])
def test_wrong_code_verifier_is_invalid_grant(logged_in, client_app, pkce, endpoint):
    """R29: a code_verifier that does not hash to the challenge is 400 invalid_grant."""
    _, challenge = pkce
    code = approved_code(logged_in, client_app, challenge)
    response = redeem(logged_in, endpoint, client_app, code, pkce_pair()[0])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant" and response.json()["error_description"]
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize(
    "field",
    [
        {"client_id": "http://127.0.0.1:1/"},
        {"redirect_uri": "http://127.0.0.1:1/callback"},
        {"code": "made-up"},
    ],
)
def test_mismatched_client_redirect_or_code_is_invalid_grant(logged_in, client_app, pkce, field):
    """§5.3.2: the code must have been issued to this client_id and redirect_uri."""
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge)
    response = redeem(logged_in, TOKEN, client_app, code, verifier, **field)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_failed_redemption_does_not_use_up_the_code(logged_in, client_app, pkce):
    """A wrong verifier is refused without consuming the code, so the real client still gets its token."""
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge)
    assert redeem(logged_in, TOKEN, client_app, code, pkce_pair()[0]).status_code == 400
    assert redeem(logged_in, TOKEN, client_app, code, verifier).status_code == 200


def test_client_id_is_compared_canonically(logged_in, make_client_app, network, pkce):
    """§3.4: the host is compared case-insensitively and a missing path means "/"."""
    network.names["app.example"] = ["127.0.0.1"]
    app = make_client_app(host="app.example")
    verifier, challenge = pkce
    code = approved_code(logged_in, app, challenge)
    spelled = f"http://APP.Example:{app.server.port}"
    assert redeem(logged_in, TOKEN, app, code, verifier, client_id=spelled).status_code == 200


def test_code_older_than_ten_minutes_is_refused(logged_in, client_app, pkce):
    """R30: a code is valid for ten minutes."""
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge)
    AuthorizationCode.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10, seconds=1))
    response = redeem(logged_in, TOKEN, client_app, code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert "expired" in response.json()["error_description"]


def test_code_just_under_ten_minutes_still_works(logged_in, client_app, pkce):
    """The ten minutes are a real window, not an off-by-one."""
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge)
    AuthorizationCode.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=9, seconds=50))
    assert redeem(logged_in, TOKEN, client_app, code, verifier).status_code == 200


@pytest.mark.parametrize("second_endpoint", [AUTH, TOKEN])
def test_replayed_code_fails_and_revokes_what_it_issued(logged_in, client_app, pkce, second_endpoint):
    """R30: redeeming a code twice fails the second time and kills the first redemption's tokens."""
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge)
    first = redeem(logged_in, TOKEN, client_app, code, verifier).json()
    assert tokens.authenticate(first["access_token"]) is not None
    second = redeem(logged_in, second_endpoint, client_app, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert tokens.authenticate(first["access_token"]) is None
    assert tokens.authenticate(first["refresh_token"], kinds=("refresh",)) is None
    refreshed = logged_in.post(
        TOKEN,
        {
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": client_app.client_id,
        },
    )
    assert refreshed.status_code == 400


def test_codes_are_stored_as_digests_only(logged_in, client_app, pkce):
    """The raw code never reaches the database."""
    _, challenge = pkce
    code = approved_code(logged_in, client_app, challenge)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_authorizationcode")
        dump = repr(cursor.fetchall())
    assert code not in dump and tokens.digest(code) in dump


@pytest.mark.parametrize("missing", ["code", "client_id", "redirect_uri", "code_verifier"])
def test_missing_parameters_are_invalid_request(logged_in, client_app, pkce, missing):
    """RFC 6749 §5.2: a request without a required parameter is invalid_request."""
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge)
    response = redeem(logged_in, TOKEN, client_app, code, verifier, **{missing: ""})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_unknown_grant_type_is_refused(platform_client):
    """RFC 6749 §5.2 unsupported_grant_type, and invalid_request without any grant_type."""
    response = platform_client.post(TOKEN, {"grant_type": "password", "username": "alice"})
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"
    assert platform_client.post(TOKEN, {}).json()["error"] == "invalid_request"


def test_profile_photo_is_the_avatar_on_the_blog_host(logged_in, client_app, pkce, alice):
    """§5.3.4: photo is the user's avatar, as an absolute URL on their blog host."""
    alice.avatar.name = f"avatars/{alice.pk}/face.jpg"
    alice.save()
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge, scopes=["profile"])
    photo = redeem(logged_in, AUTH, client_app, code, verifier).json()["profile"]["photo"]
    assert photo == f"http://alice.microhost.test/media/avatars/{alice.pk}/face.jpg"


def test_pre_2020_redemption_without_grant_type_is_answered(logged_in, client_app, pkce):
    """Older clients omit grant_type at the authorization endpoint; another grant_type is refused."""
    verifier, challenge = pkce
    code = approved_code(logged_in, client_app, challenge)
    refused = redeem(logged_in, AUTH, client_app, code, verifier, grant_type="refresh_token")
    assert refused.json()["error"] == "unsupported_grant_type"
    assert redeem(logged_in, AUTH, client_app, code, verifier, grant_type="").status_code == 400
    data = {
        "code": code,
        "client_id": client_app.client_id,
        "redirect_uri": client_app.redirect_uri,
        "code_verifier": verifier,
    }
    assert logged_in.post(AUTH, data).json()["me"] == "http://alice.microhost.test/"


def test_codes_older_than_a_day_are_deleted_when_new_ones_are_made(logged_in, client_app, pkce):
    """Old code rows do not pile up; a recent used one stays so a late replay can still revoke."""
    _, challenge = pkce
    approved_code(logged_in, client_app, challenge)
    AuthorizationCode.objects.update(created_at=timezone.now() - datetime.timedelta(days=1, minutes=1))
    approved_code(logged_in, client_app, challenge)
    assert AuthorizationCode.objects.count() == 1
