"""Token endpoint (§5.3.3, §5.5, legacy GET verification and action=revoke), introspection (§6),
revocation (§7, RFC 7009) and userinfo (§9). All answer JSON; none takes cookies, so none needs CSRF.

Introspection needs the caller's authorization (§6.1): a Bearer token of ours that is active. A
resource server holding a user's token presents that same token; a token of another user than the
caller's is reported inactive, so one user's token never reveals anything about another's.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import tokens
from accounts.indieauth import codes, grants
from accounts.indieauth.errors import OAuthError, error_response, invalid_request, json_response
from accounts.models import AccessToken

REALM = 'Bearer realm="microhost"'


@csrf_exempt
@sensitive_post_parameters()
@require_http_methods(["GET", "HEAD", "POST"])
def token_endpoint(request: HttpRequest) -> HttpResponse:
    """POST: a grant (or legacy action=revoke). GET with a Bearer token: legacy verification."""
    if request.method != "POST":
        token, failure = bearer(request)
        return failure or json_response(grants.verification(token))
    if request.POST.get("action") == "revoke":  # the token endpoint's pre-2022 revocation (§7 note)
        return revocation_endpoint(request)
    try:
        return json_response(grant(request.POST))
    except OAuthError as exc:
        return error_response(exc)


def grant(params) -> dict:
    """Dispatch on grant_type (RFC 6749 §4.1.3, §6)."""
    grant_type = params.get("grant_type", "")
    if grant_type == "authorization_code":
        return codes.exchange(
            code=params.get("code", ""),
            client_id=params.get("client_id", ""),
            redirect_uri=params.get("redirect_uri", ""),
            code_verifier=params.get("code_verifier", ""),
            then=grants.token_response,
        )
    if grant_type == "refresh_token":
        return grants.refresh(
            refresh_token=params.get("refresh_token", ""),
            client_id=params.get("client_id", ""),
            scope=params.get("scope", ""),
        )
    if not grant_type:
        raise invalid_request("The grant_type parameter is missing.")
    raise OAuthError("unsupported_grant_type", "Use authorization_code or refresh_token.")


@csrf_exempt
@sensitive_post_parameters()
@require_POST
def introspection_endpoint(request: HttpRequest) -> HttpResponse:
    """RFC 7662 with `me`; 401 without an active Bearer token of ours (§6.1)."""
    caller, failure = bearer(request)
    if failure:
        return failure
    raw = request.POST.get("token", "")
    if not raw:
        return error_response(invalid_request("The token parameter is missing."))
    return json_response(grants.introspection(tokens.authenticate(raw), caller))


@csrf_exempt
@sensitive_post_parameters()
@require_POST
def revocation_endpoint(request: HttpRequest) -> HttpResponse:
    """RFC 7009 §2.2: 200 whether or not the token was valid; an approval's tokens end together."""
    raw = request.POST.get("token", "")
    if not raw:
        return error_response(invalid_request("The token parameter is missing."))
    token = grants.find_any(raw)
    if token is not None:
        grants.revoke_family(token)
    return json_response({})


@require_GET
def userinfo_endpoint(request: HttpRequest) -> HttpResponse:
    """§9: the profile object for a token with the `profile` scope."""
    token, failure = bearer(request)
    if failure:
        return failure
    info = grants.profile(token.user, token.scopes)
    if info is None:
        return json_response(
            {
                "error": "insufficient_scope",
                "error_description": "The token needs the profile scope.",
                "scope": "profile",
            },
            status=403,
            headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="profile"'},
        )
    return json_response(info)


def bearer(request: HttpRequest) -> tuple[AccessToken | None, HttpResponse | None]:
    """The active token in `Authorization: Bearer`, or the 401 to answer (RFC 6750 §3.1, IndieAuth §8.1)."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        # No credentials at all: no error code and nothing more (§8.1).
        return None, json_response({}, status=401, headers={"WWW-Authenticate": REALM})
    token = tokens.authenticate(raw.strip())
    if token is None or not token.user.is_active:  # a deactivated account's tokens are dead too
        return None, json_response(
            {
                "error": "invalid_token",
                "error_description": "The access token is expired, revoked or invalid.",
            },
            status=401,
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )
    return token, None
