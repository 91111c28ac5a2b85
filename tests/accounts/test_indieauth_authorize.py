"""The authorization endpoint: request checks before login, client discovery, consent (IndieAuth §5.2)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AuthorizationCode
from accounts.tokens import digest
from tests.accounts.test_indieauth_support import auth_params, consent, decide, pkce_pair, query_of

pytest_plugins = ("tests.accounts.test_indieauth_support",)
pytestmark = pytest.mark.django_db


@pytest.fixture
def challenge() -> str:
    return pkce_pair()[1]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "requires PKCE"),
        ({"code_challenge_method": "plain"}, "must be S256"),
        ({"code_challenge_method": None}, "must be S256"),
        ({"code_challenge": "too-short"}, "not a base64url SHA-256"),
        ({"response_type": "token"}, "response_type"),
        ({"response_type": None}, "response_type"),
        ({"state": None}, "state"),
        ({"client_id": None}, "client_id parameter is missing"),
        ({"client_id": "ftp://app.example/"}, "http or https"),
        ({"client_id": "https://app.example/#frag"}, "fragment"),
        ({"client_id": "https://user:pw@app.example/"}, "user name or password"),
        ({"client_id": "https://app.example/a/../b"}, ". or .."),
        ({"client_id": "https://10.0.0.1/"}, "not an IP address"),
        ({"redirect_uri": None}, "redirect_uri parameter is missing"),
        ({"redirect_uri": "javascript:alert(1)"}, "absolute URL"),
    ],
)
def test_invalid_requests_get_an_error_page_not_a_redirect(
    platform_client, client_app, challenge, overrides, message
):
    """R29/R31: a missing or plain PKCE challenge, or any bad parameter, is a 400 page, never a redirect."""
    response = platform_client.get("/indieauth/auth", auth_params(client_app, challenge, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Location" not in response


def test_foreign_redirect_uri_is_refused_before_login(platform_client, client_app, challenge):
    """R31: a redirect_uri on another host that the client does not list is refused, even logged out."""
    params = auth_params(client_app, challenge, redirect_uri="https://attacker.example/steal")
    response = platform_client.get("/indieauth/auth", params)
    assert response.status_code == 400 and "Location" not in response
    assert "https://attacker.example/steal" in response.content.decode()


def test_other_port_on_the_client_host_counts_as_foreign(logged_in, client_app, challenge):
    """§5.2: scheme, host and port must all match the client_id's for an unlisted redirect_uri."""
    other_port = client_app.server.url("/callback").replace(str(client_app.server.port), "1")
    response = logged_in.get("/indieauth/auth", auth_params(client_app, challenge, redirect_uri=other_port))
    assert response.status_code == 400


def test_same_origin_redirect_uri_needs_no_listing(logged_in, make_client_app, challenge):
    """A redirect_uri on the client_id's own origin is fine even if the metadata lists none."""
    app = make_client_app()
    app.metadata = {"client_id": app.client_id, "client_name": "Plain"}
    response = consent(logged_in, auth_params(app, challenge, redirect_uri=app.server.url("/elsewhere")))
    assert response.context["client"].display_name == "Plain"


def test_listed_foreign_and_app_scheme_redirects_are_accepted(logged_in, make_client_app, challenge):
    """§4.2.2: exact matches of the published redirect_uris are allowed, app schemes included."""
    app = make_client_app()
    listed = ["https://callback.example/done", "com.example.poster:/oauth"]
    app.metadata = {"client_id": app.client_id, "client_name": "Native", "redirect_uris": listed}
    for uri in listed:
        response = decide(logged_in, auth_params(app, challenge, redirect_uri=uri))
        assert response.status_code == 302 and response["Location"].startswith(uri + "?code=")
    near_miss = auth_params(app, challenge, redirect_uri="https://callback.example/done/")
    assert logged_in.get("/indieauth/auth", near_miss).status_code == 400


def test_logged_out_user_goes_to_login_and_back(platform_client, client_app, challenge):
    """A valid request sends a logged-out browser to the platform login, returning to the same request."""
    params = auth_params(client_app, challenge)
    response = platform_client.get("/indieauth/auth", params)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/indieauth/auth%3F")


def test_consent_page_shows_the_client_and_the_users_me(logged_in, client_app, challenge):
    """§5.2: the prompt names the app (name, logo, full client_id), the user's URL and the scopes."""
    page = consent(logged_in, auth_params(client_app, challenge, scope="create update profile bogus"))
    html = page.content.decode()
    assert "Test Poster" in html and client_app.client_id in html
    assert f'src="{client_app.server.url("/logo.png")}"' in html
    assert "http://alice.microhost.test/" in html
    assert [scope for scope, _ in page.context["scopes"]] == ["create", "update", "profile"]
    assert page.context["unknown_scopes"] == ["bogus"]
    assert html.count('type="checkbox" name="scope"') == 3
    assert client_app.fetches == 1


def test_h_app_page_gives_name_logo_and_redirect_links(logged_in, make_client_app, challenge):
    """Older clients: an h-app (or h-x-app) page with rel=redirect_uri links and Link headers (§4.2.2)."""
    html = (
        '<html><head><link rel="redirect_uri" href="https://cb.example/from-link-element"></head><body>'
        '<div class="h-x-app"><img class="u-logo" src="/icon.png" alt=""><a class="p-name u-url" href="/">'
        "Quill &amp; Friends</a></div></body></html>"
    )
    app = make_client_app(html=html, headers={"Link": '<https://cb.example/from-header>; rel="redirect_uri"'})
    page = consent(logged_in, auth_params(app, challenge))
    assert page.context["client"].name == "Quill & Friends"
    assert page.context["client"].logo == app.server.url("/icon.png")
    for uri in ("https://cb.example/from-link-element", "https://cb.example/from-header"):
        assert decide(logged_in, auth_params(app, challenge, redirect_uri=uri)).status_code == 302


def test_metadata_document_for_another_client_id_is_ignored(logged_in, make_client_app, challenge):
    """§4.2.1: a document whose client_id is not the URL it came from gives no name and no redirects."""
    app = make_client_app()
    app.metadata = {
        "client_id": "https://other.example/",
        "client_name": "Impostor",
        "redirect_uris": ["https://other.example/cb"],
    }
    page = consent(logged_in, auth_params(app, challenge))
    assert "Impostor" not in page.content.decode()
    foreign = auth_params(app, challenge, redirect_uri="https://other.example/cb")
    assert logged_in.get("/indieauth/auth", foreign).status_code == 400


def test_loopback_client_is_never_fetched_without_the_setting(
    logged_in, make_client_app, settings, challenge
):
    """§4.2 / R: with private addresses refused (production), a loopback client_id gets no request."""
    app = make_client_app()
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = False
    page = consent(logged_in, auth_params(app, challenge))
    assert app.fetches == 0
    assert page.context["client"].name == ""
    assert "not contacted" in page.content.decode()
    listed_only = auth_params(app, challenge, redirect_uri="https://callback.example/done")
    assert logged_in.get("/indieauth/auth", listed_only).status_code == 400


def test_name_resolving_to_loopback_is_not_fetched_without_the_setting(
    logged_in, make_client_app, network, settings, challenge
):
    """A public-looking client_id whose DNS points at 127.0.0.1 is refused by the safe fetcher."""
    app = make_client_app(host="sneaky.example")
    network.names["sneaky.example"] = ["127.0.0.1"]
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = False
    page = consent(logged_in, auth_params(app, challenge))
    assert app.fetches == 0 and page.context["client"].name == ""


def test_approval_redirects_with_code_exact_state_and_iss(logged_in, client_app, challenge, alice):
    """R31: the redirect carries a code, the state byte for byte and iss equal to the metadata issuer."""
    state = "a b&c=d/é?"
    response = decide(logged_in, auth_params(client_app, challenge, state=state), scopes=["create"])
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(client_app.redirect_uri + "?")
    query = query_of(location)
    assert query["state"] == state
    assert query["iss"] == logged_in.get("/indieauth/metadata").json()["issuer"]
    row = AuthorizationCode.objects.get()
    assert row.digest == digest(query["code"]) and query["code"] not in row.digest
    assert (row.user, row.client_id, row.redirect_uri, row.code_challenge, row.scope) == (
        alice,
        client_app.client_id,
        client_app.redirect_uri,
        challenge,
        "create",
    )


def test_redirect_keeps_the_redirect_uris_own_query(logged_in, client_app, challenge):
    """RFC 6749 §3.1.2: parameters are added to the redirect_uri's existing query."""
    uri = client_app.server.url("/callback?session=42")
    response = decide(logged_in, auth_params(client_app, challenge, redirect_uri=uri))
    assert response["Location"].startswith(uri + "&code=")


def test_user_can_untick_scopes_and_email_needs_profile(logged_in, client_app, challenge):
    """Only ticked, requested, known scopes are granted; email alone is dropped (§5.3.4)."""
    params = auth_params(client_app, challenge, scope="create delete email profile")
    decide(logged_in, params, scopes=["create", "email", "media"])
    assert AuthorizationCode.objects.get().scope == "create"


def test_deny_redirects_with_access_denied(logged_in, client_app, challenge):
    """Deny sends the browser back with error=access_denied, the state and iss; no code is made."""
    params = auth_params(client_app, challenge)
    response = decide(logged_in, params, decision="deny")
    query = query_of(response["Location"])
    assert query == {
        "error": "access_denied",
        "state": params["state"],
        "iss": "http://microhost.test/indieauth/",
    }
    assert not AuthorizationCode.objects.exists()


def test_a_decision_is_taken_once(logged_in, client_app, challenge):
    """A consent form answered twice (or forged with a made-up id) gets the error page."""
    page = consent(logged_in, auth_params(client_app, challenge))
    form = {"request_id": page.context["request_id"], "decision": "approve"}
    assert logged_in.post("/indieauth/auth/decide", form).status_code == 302
    assert logged_in.post("/indieauth/auth/decide", form).status_code == 400
    assert (
        logged_in.post("/indieauth/auth/decide", {"request_id": "nope", "decision": "approve"}).status_code
        == 400
    )


def test_decision_needs_csrf_token_and_login(alice, client_app, challenge, settings):
    """The consent POST is CSRF-protected and only for the logged-in user."""
    browser = Client(HTTP_HOST=settings.MICROHOST_DOMAIN, enforce_csrf_checks=True)
    browser.force_login(alice)
    page = consent(browser, auth_params(client_app, challenge))
    response = browser.post(
        "/indieauth/auth/decide", {"request_id": page.context["request_id"], "decision": "approve"}
    )
    assert response.status_code == 403
    anonymous = Client(HTTP_HOST=settings.MICROHOST_DOMAIN)
    assert anonymous.post("/indieauth/auth/decide", {"request_id": "x"})["Location"].startswith(
        "/accounts/login/"
    )


def test_consent_for_an_app_scheme_lets_the_form_redirect_there(logged_in, make_client_app, challenge):
    """CSP form-action also governs the redirect after the consent POST, so a native app's scheme is added."""
    app = make_client_app()
    app.metadata = {"client_id": app.client_id, "redirect_uris": ["com.example.poster:/oauth"]}
    page = consent(logged_in, auth_params(app, challenge, redirect_uri="com.example.poster:/oauth"))
    form_action = [d for d in page["Content-Security-Policy"].split(";") if "form-action" in d][0]
    assert "com.example.poster:" in form_action and "'self'" in form_action
    assert "com.example" not in consent(logged_in, auth_params(app, challenge))["Content-Security-Policy"]


def test_metadata_client_id_is_compared_canonically(logged_in, make_client_app, challenge):
    """A document naming its client_id without the trailing slash still describes that client (§3.4)."""
    app = make_client_app()
    app.metadata = {"client_id": app.client_id.rstrip("/"), "client_name": "Slashless"}
    assert consent(logged_in, auth_params(app, challenge)).context["client"].name == "Slashless"
