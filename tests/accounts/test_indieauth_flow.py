"""The whole IndieAuth flow as a real client runs it: Authlib's OAuth2Session with PKCE S256,
against a live server, from discovery on the blog page to using and refreshing the token.

The live server listens on 127.0.0.1; the client and the browser reach it by its real names
(microhost.test and alice.microhost.test), which a stand-in for DNS maps to 127.0.0.1 for this
test only. The client app is a loopback server publishing its Client ID Metadata Document.
"""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from tests.accounts.test_indieauth_support import query_of
from tests.conftest import PASSWORD

pytest_plugins = ("tests.accounts.test_indieauth_support",)

_HIDDEN = r'name="{}" value="([^"]+)"'


@pytest.fixture
def names_resolve_to_loopback(monkeypatch):
    """microhost.test and its subdomains resolve to 127.0.0.1, like an /etc/hosts entry would."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and (host == "microhost.test" or host.endswith(".microhost.test")):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def hidden(html: str, name: str) -> str:
    return re.search(_HIDDEN.format(name), html).group(1)


def log_in(browser: requests.Session, platform: str) -> None:
    """Log in through the platform's own (django-allauth) login form, as a person would."""
    form = browser.get(f"{platform}/accounts/login/").text
    response = browser.post(
        f"{platform}/accounts/login/",
        data={
            "login": "alice",
            "password": PASSWORD,
            "csrfmiddlewaretoken": hidden(form, "csrfmiddlewaretoken"),
        },
        headers={"Referer": f"{platform}/accounts/login/"},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:300]


@pytest.mark.django_db(transaction=True)
def test_authlib_client_signs_in_and_uses_its_token(
    live_server, settings, monkeypatch, names_resolve_to_loopback, make_client_app, alice, request
):
    """Discovery → PKCE authorization → consent → code → token → verify, introspect, post, refresh, revoke."""
    port = urlsplit(live_server.url).port
    settings.MICROHOST_PORT = str(port)
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the live server speaks plain http
    platform, me = f"http://microhost.test:{port}", f"http://alice.microhost.test:{port}/"
    app = make_client_app()
    browser = requests.Session()
    request.addfinalizer(browser.close)  # close keep-alive connections while the live server runs

    # Discovery (§4.1): the blog page links the metadata, which names the endpoints.
    blog_page = browser.get(me)
    metadata = browser.get(blog_page.links["indieauth-metadata"]["url"]).json()
    assert metadata["issuer"] == f"{platform}/indieauth/"

    # Authorization request (§5.2) by the client library, approved by alice in her browser.
    client = OAuth2Session(
        client_id=app.client_id,
        redirect_uri=app.redirect_uri,
        scope="create update profile",
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    request.addfinalizer(client.close)
    verifier = generate_token(64)
    url, state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, me=me
    )
    log_in(browser, platform)
    consent = browser.get(url)
    assert consent.status_code == 200 and "Test Poster" in consent.text
    decision = browser.post(
        f"{platform}/indieauth/auth/decide",
        allow_redirects=False,
        headers={"Referer": url},
        data={
            "csrfmiddlewaretoken": hidden(consent.text, "csrfmiddlewaretoken"),
            "request_id": hidden(consent.text, "request_id"),
            "decision": "approve",
            "scope": ["create", "update", "profile"],
        },
    )
    location = decision.headers["Location"]
    assert location.startswith(app.redirect_uri)
    assert query_of(location)["state"] == state and query_of(location)["iss"] == metadata["issuer"]

    # Code exchange (§5.3) with the PKCE verifier, by the library.
    token = client.fetch_token(
        metadata["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer" and token["me"] == me
    assert token["scope"] == "create update profile" and token["profile"]["url"] == me

    # The token works: legacy verification, introspection (§6), userinfo (§9).
    assert client.get(metadata["token_endpoint"]).json()["me"] == me
    introspected = client.post(
        metadata["introspection_endpoint"], data={"token": token["access_token"]}
    ).json()
    assert introspected["active"] is True and introspected["client_id"] == app.client_id
    assert client.get(metadata["userinfo_endpoint"]).json()["url"] == me

    # Posting with it (Micropub §3.3): the blog's endpoint accepts the token.
    created = client.post(
        blog_page.links["micropub"]["url"], data={"h": "entry", "content": "Hi from Authlib"}
    )
    assert created.status_code == 201 and created.headers["Location"].startswith(me)
    assert "Hi from Authlib" in browser.get(created.headers["Location"]).text

    # Refresh (§5.5): a new access token that works, and a rotated refresh token.
    old_refresh = token["refresh_token"]
    refreshed = client.refresh_token(metadata["token_endpoint"], client_id=app.client_id)
    assert refreshed["access_token"] != token["access_token"] and refreshed["refresh_token"] != old_refresh
    assert client.get(metadata["token_endpoint"]).json()["scope"] == "create update profile"

    # Revocation (§7): the token stops working at once; the spent refresh token is refused too.
    assert requests.post(metadata["revocation_endpoint"], data={"token": refreshed["access_token"]}).ok
    assert client.get(metadata["token_endpoint"]).status_code == 401
    spent = {"grant_type": "refresh_token", "refresh_token": old_refresh, "client_id": app.client_id}
    assert requests.post(metadata["token_endpoint"], data=spent).json()["error"] == "invalid_grant"
