"""Settings → App tokens: the apps with access, revoking one, personal tokens (issue 3, R32)."""

from __future__ import annotations

import pytest

from accounts import tokens
from accounts.models import AccessToken

pytestmark = pytest.mark.django_db

PAGE = "/settings/tokens/"


def test_page_needs_login(platform_client):
    assert platform_client.get(PAGE)["Location"].startswith("/accounts/login/")


def test_settings_nav_links_the_page(logged_in):
    """The App tokens tab is in the settings navigation, marked active on its page."""
    assert 'href="/settings/tokens/"' in logged_in.get("/settings/").content.decode()
    assert 'href="/settings/tokens/" class="active"' in logged_in.get(PAGE).content.decode()


def test_lists_active_tokens_without_their_values(logged_in, alice, bob):
    """Each app shows its name, client_id and scopes, never the raw token; revoked and others' are absent."""
    raw, _ = tokens.mint_token(
        user=alice,
        scope="create media",
        client_id="https://quill.example/",
        client_name="Quill",
        kind="access",
    )
    tokens.authenticate(raw)
    gone_raw, gone = tokens.mint_token(user=alice, scope="create", client_name="Old App")
    tokens.revoke(gone)
    tokens.mint_token(user=bob, scope="create", client_name="Bob's App")
    html = logged_in.get(PAGE).content.decode()
    assert "Quill" in html and "https://quill.example/" in html and "create media" in html
    assert "Old App" not in html and "Bob&#x27;s App" not in html
    assert raw not in html and gone_raw not in html
    assert "never" not in html.split("Quill")[1].split("</tr>")[0]  # last used is shown


def test_an_approval_is_one_row(logged_in, alice):
    """The access and refresh tokens of one approval are listed (and revoked) as one app."""
    tokens.mint_token(user=alice, scope="create", client_name="Indigenous", kind="access", code_digest="c1")
    tokens.mint_token(user=alice, scope="create", client_name="Indigenous", kind="refresh", code_digest="c1")
    apps = logged_in.get(PAGE).context["apps"]
    assert len(apps) == 1 and apps[0].client_name == "Indigenous"


def test_revoke_kills_the_token_at_once(logged_in, alice):
    """R32: after revoking in settings, the token no longer authenticates (the next Micropub call is 401)."""
    raw, row = tokens.mint_token(
        user=alice, scope="create", client_name="Quill", kind="access", code_digest="c2"
    )
    refresh_raw, _ = tokens.mint_token(user=alice, scope="create", kind="refresh", code_digest="c2")
    response = logged_in.post(f"/settings/tokens/{row.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == PAGE
    assert tokens.authenticate(raw) is None
    assert tokens.authenticate(refresh_raw, kinds=("refresh",)) is None
    assert logged_in.get(PAGE).context["apps"] == []


def test_cannot_revoke_someone_elses_token(logged_in, bob):
    """Another user's token id is a 404 and the token keeps working."""
    raw, row = tokens.mint_token(user=bob, scope="create")
    assert logged_in.post(f"/settings/tokens/{row.pk}/revoke/").status_code == 404
    assert tokens.authenticate(raw) is not None


def test_revoke_is_post_only(logged_in, alice):
    _, row = tokens.mint_token(user=alice, scope="create")
    assert logged_in.get(f"/settings/tokens/{row.pk}/revoke/").status_code == 405


def test_personal_token_is_shown_once_and_works(logged_in, alice):
    """The new token appears on the page after creating it, never again; only its digest is stored."""
    response = logged_in.post("/settings/tokens/new/", {"name": "iA Writer", "scopes": ["create", "media"]})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    raw = response.context["new_token"]
    assert raw in response.content.decode()
    token = tokens.authenticate(raw)
    assert (token.user, token.kind, token.client_name, token.scopes, token.expires_at) == (
        alice,
        "personal",
        "iA Writer",
        {"create", "media"},
        None,
    )
    assert AccessToken.objects.get().digest == tokens.digest(raw)
    again = logged_in.get(PAGE).content.decode()
    assert raw not in again and "iA Writer" in again


def test_personal_token_form_errors(logged_in):
    """A token needs a name and at least one known scope."""
    response = logged_in.post("/settings/tokens/new/", {"name": "", "scopes": ["root"]})
    assert response.status_code == 400 and not AccessToken.objects.exists()
