"""The authorization request: checked before anyone logs in, remembered while the user decides.

IndieAuth §5.2: response_type=code, client_id, redirect_uri, state, code_challenge with
code_challenge_method=S256 (required here: no `plain`, no missing challenge, R29), optional scope
and me. The redirect_uri must share the client_id's scheme, host and port, or be published by the
client (§4.2.2); anything else is refused with an error page, never a redirect (R31). Approval and
denial both go back to the redirect_uri with the exact state and our `iss` (§5.2.1, RFC 9207).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.http import HttpResponseRedirect, QueryDict

from accounts.indieauth import client_info, codes
from accounts.indieauth.client_ids import BadURL, canonical_client_id, checked_redirect_uri, origin
from accounts.indieauth.client_info import ClientInfo
from accounts.indieauth.metadata import issuer
from accounts.indieauth.scopes import grantable, split_scope
from accounts.models import User

MAX_STATE_LENGTH = 1000
SESSION_KEY = "indieauth_requests"
PENDING_LIMIT = 5  # requests remembered per session; older ones are dropped
PENDING_SECONDS = 3600  # how long the consent page may stay open


class InvalidAuthorizationRequest(ValueError):
    """The request cannot be answered with a redirect; str() is shown on the error page."""


@dataclass(frozen=True)
class AuthorizationRequest:
    """A checked authorization request, with what the client published about itself."""

    client_id: str
    redirect_uri: str
    state: str
    code_challenge: str
    scopes: tuple[str, ...]
    me: str
    client: ClientInfo

    def to_session(self) -> dict:
        return {**asdict(self), "client": asdict(self.client), "at": time.time()}

    @classmethod
    def from_session(cls, data: dict) -> AuthorizationRequest:
        fields = {k: v for k, v in data.items() if k != "at"}
        client = {**fields.pop("client")}
        client["redirect_uris"] = tuple(client["redirect_uris"])
        return cls(**{**fields, "scopes": tuple(fields["scopes"]), "client": ClientInfo(**client)})


def parse(params: QueryDict) -> AuthorizationRequest:
    """Check every parameter, then fetch the client's information and check the redirect_uri."""
    if params.get("response_type") != "code":
        raise InvalidAuthorizationRequest('The response_type must be "code".')
    try:
        client_id = canonical_client_id(params.get("client_id", ""))
        redirect_uri = checked_redirect_uri(params.get("redirect_uri", ""))
    except BadURL as exc:
        raise InvalidAuthorizationRequest(str(exc)) from exc
    state = params.get("state", "")
    if not state or len(state) > MAX_STATE_LENGTH:
        raise InvalidAuthorizationRequest("The state parameter is missing or too long.")
    _check_pkce(params.get("code_challenge", ""), params.get("code_challenge_method", ""))
    client = client_info.discover(client_id)
    if not redirect_allowed(redirect_uri, client):
        raise InvalidAuthorizationRequest(
            f"The redirect_uri {redirect_uri} is not on the app's own site, and the app does not list it "
            "among its redirect URLs, so microhost will not send you there."
        )
    return AuthorizationRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=params["code_challenge"],
        scopes=tuple(split_scope(params.get("scope", ""))),
        me=params.get("me", ""),
        client=client,
    )


def redirect_allowed(redirect_uri: str, client: ClientInfo) -> bool:
    """Same scheme, host and port as the client_id, or listed exactly by the client (§5.2, §4.2.2)."""
    return on_client_origin(redirect_uri, client.client_id) or redirect_uri in client.redirect_uris


def on_client_origin(redirect_uri: str, client_id: str) -> bool:
    """An http(s) redirect_uri with the client_id's scheme, host and port."""
    return urlsplit(redirect_uri).scheme in ("http", "https") and origin(redirect_uri) == origin(client_id)


def remember(session, request: AuthorizationRequest) -> str:
    """Keep the checked request in the session until the user decides; returns its id for the form."""
    pending = {
        key: value
        for key, value in session.get(SESSION_KEY, {}).items()
        if time.time() - value["at"] < PENDING_SECONDS
    }
    request_id = secrets.token_urlsafe(16)
    pending[request_id] = request.to_session()
    session[SESSION_KEY] = dict(list(pending.items())[-PENDING_LIMIT:])
    return request_id


def recall(session, request_id: str) -> AuthorizationRequest | None:
    """Take a remembered request out of the session (one decision per request)."""
    pending = dict(session.get(SESSION_KEY, {}))
    data = pending.pop(request_id, None)
    session[SESSION_KEY] = pending
    if data is None or time.time() - data["at"] >= PENDING_SECONDS:
        return None
    return AuthorizationRequest.from_session(data)


def approve(request: AuthorizationRequest, *, user: User, chosen: list[str]) -> ClientRedirect:
    """Issue a code for the scopes the user kept and send the browser back with it (§5.2.1)."""
    code = codes.issue(
        user=user,
        client_id=request.client_id,
        client_name=request.client.display_name,
        redirect_uri=request.redirect_uri,
        code_challenge=request.code_challenge,
        scope=grantable(chosen, list(request.scopes)),
    )
    return ClientRedirect(
        with_query(request.redirect_uri, {"code": code, "state": request.state, "iss": issuer()})
    )


def deny(request: AuthorizationRequest) -> ClientRedirect:
    """RFC 6749 §4.1.2.1 access_denied, with the state and iss the client checks."""
    params = {"error": "access_denied", "state": request.state, "iss": issuer()}
    return ClientRedirect(with_query(request.redirect_uri, params))


def with_query(url: str, params: dict[str, str]) -> str:
    """The URL with params added to its query, keeping the query it had (RFC 6749 §3.1.2)."""
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(params)) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


class ClientRedirect(HttpResponseRedirect):
    """A redirect to a checked redirect_uri, which may use an app's own scheme (RFC 8252 §7.1)."""

    def __init__(self, url: str) -> None:
        self.allowed_schemes = [urlsplit(url).scheme]
        super().__init__(url)


def _check_pkce(challenge: str, method: str) -> None:
    """PKCE is required, and only S256 (R29; IndieAuth §5.2, ASVS 10.4.6)."""
    if not challenge:
        raise InvalidAuthorizationRequest("The code_challenge parameter is missing: microhost requires PKCE.")
    if method != "S256":
        raise InvalidAuthorizationRequest("The code_challenge_method must be S256 (plain is not accepted).")
    if not codes.S256_CHALLENGE.fullmatch(challenge):
        raise InvalidAuthorizationRequest("The code_challenge is not a base64url SHA-256 value.")
