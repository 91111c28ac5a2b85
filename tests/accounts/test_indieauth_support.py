"""Fixtures and helpers the IndieAuth tests share (this module holds no tests of its own).

A client app is a real HTTP server on 127.0.0.1 (the fetcher's loopback fixtures), publishing a
Client ID Metadata Document or an h-app page at its client_id URL; the platform fetches it through
the safe fetcher with MICROHOST_ALLOW_PRIVATE_ADDRESSES on, as in development. Test modules import
the fixtures they use from here (`# noqa: F401`: pytest finds them by parameter name).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.microhost.conftest import Handler, LoopbackServer, loopback, network  # noqa: F401

VERIFIER_LENGTH = 64


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) as RFC 7636 §4.1-4.2 make them."""
    verifier = secrets.token_urlsafe(VERIFIER_LENGTH)[:VERIFIER_LENGTH]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass
class ClientApp:
    """A client app served by a loopback server: its client_id, a redirect URL and what it publishes."""

    server: LoopbackServer
    host: str = "127.0.0.1"
    metadata: dict | None = None  # None: the default document naming this client_id
    html: str | None = None  # set: serve this page instead of JSON
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def client_id(self) -> str:
        return self.server.url("/", host=self.host)

    @property
    def redirect_uri(self) -> str:
        return self.server.url("/callback", host=self.host)

    def document(self) -> dict:
        default = {
            "client_id": self.client_id,
            "client_name": "Test Poster",
            "client_uri": self.client_id,
            "logo_uri": self.server.url("/logo.png", host=self.host),
            "redirect_uris": [self.redirect_uri],
        }
        return default if self.metadata is None else self.metadata

    def respond(self, request: Handler) -> None:
        if self.html is not None:
            body, kind = self.html.encode(), "text/html; charset=utf-8"
        else:
            body, kind = json.dumps(self.document()).encode(), "application/json"
        request.reply(200, body, {"Content-Type": kind, **self.headers})

    @property
    def fetches(self) -> int:
        return len(self.server.requests)


@pytest.fixture
def make_client_app(loopback, settings) -> Callable[..., ClientApp]:  # noqa: F811 - the fixture
    """make_client_app(**ClientApp fields) → a running client app the platform is allowed to fetch."""
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = True

    def make(**fields) -> ClientApp:
        holder: list[ClientApp] = []
        server = loopback(lambda request: holder[0].respond(request))
        holder.append(ClientApp(server, **fields))
        return holder[0]

    return make


@pytest.fixture
def client_app(make_client_app) -> ClientApp:
    """A client app with a JSON metadata document listing its /callback."""
    return make_client_app()


def auth_params(app: ClientApp, challenge: str, **overrides: str) -> dict[str, str]:
    """A complete, valid authorization request for app (IndieAuth §5.2)."""
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "state": "st-" + secrets.token_hex(4),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "create update profile",
        "me": "http://alice.microhost.test/",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def consent(client: Client, params: dict[str, str]):
    """GET the authorization endpoint as a logged-in user: the consent page response."""
    response = client.get("/indieauth/auth", params)
    assert response.status_code == 200, response.content[:500]
    return response


def decide(client: Client, params: dict[str, str], scopes: list[str] | None = None, decision="approve"):
    """Open the consent page and answer it; returns the redirect response."""
    page = consent(client, params)
    chosen = scopes if scopes is not None else [scope for scope, _ in page.context["scopes"]]
    return client.post(
        "/indieauth/auth/decide",
        {"request_id": page.context["request_id"], "decision": decision, "scope": chosen},
    )


def approved_code(client: Client, app: ClientApp, challenge: str, scopes: list[str] | None = None, **params):
    """Run the browser half of the flow and return the code from the redirect."""
    response = decide(client, auth_params(app, challenge, **params), scopes)
    assert response.status_code == 302, response.content[:500]
    return query_of(response["Location"])["code"]


def redeem(client: Client, endpoint: str, app: ClientApp, code: str, verifier: str, /, **overrides: str):
    """POST a code to the authorization or token endpoint (IndieAuth §5.3.1)."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "code_verifier": verifier,
    }
    data.update(overrides)
    return client.post(endpoint, data, HTTP_ACCEPT="application/json")


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
