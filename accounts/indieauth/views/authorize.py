"""The authorization endpoint (IndieAuth §5.2, §5.3.2) and the consent decision behind it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.indieauth import authorization, codes, grants
from accounts.indieauth.authorization import AuthorizationRequest, InvalidAuthorizationRequest
from accounts.indieauth.errors import OAuthError, error_response, json_response
from accounts.indieauth.metadata import profile_url
from accounts.indieauth.scopes import SCOPE_DESCRIPTIONS, known
from accounts.services import ensure_blog
from microhost.headers import PLATFORM_CSP

TEMPLATE = "accounts/indieauth_consent.html"


@csrf_exempt  # the POST is a client redeeming a code (no cookies); GET only renders
@sensitive_post_parameters()
@require_http_methods(["GET", "HEAD", "POST"])
def authorization_endpoint(request: HttpRequest) -> HttpResponse:
    """GET: check the request, then log in and ask for consent. POST: redeem a code for `me`."""
    if request.method == "POST":
        return redeem_for_profile(request)
    try:
        auth_request = authorization.parse(request.GET)
    except InvalidAuthorizationRequest as exc:  # refused before login, and never redirected (R31)
        return error_page(request, str(exc))
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return consent_page(request, auth_request)


def redeem_for_profile(request: HttpRequest) -> HttpResponse:
    """§5.3.2: grant_type=authorization_code at the authorization endpoint answers only `me` (+profile)."""
    params = request.POST
    try:
        # grant_type is required since 2020 (§5.3.1); older clients that omit it are still answered.
        if params.get("grant_type", "authorization_code") != "authorization_code":
            raise OAuthError("unsupported_grant_type", "The authorization endpoint only redeems codes.")
        body = codes.exchange(
            code=params.get("code", ""),
            client_id=params.get("client_id", ""),
            redirect_uri=params.get("redirect_uri", ""),
            code_verifier=params.get("code_verifier", ""),
            then=grants.profile_response,
        )
    except OAuthError as exc:
        return error_response(exc)
    return json_response(body)


def consent_page(request: HttpRequest, auth_request: AuthorizationRequest) -> HttpResponse:
    """Show who asks for what, as whom; the user ticks the scopes to grant (§5.2)."""
    me = profile_url(ensure_blog(user=request.user))
    requested = known(list(auth_request.scopes))
    response = render(
        request,
        TEMPLATE,
        {
            "auth": auth_request,
            "client": auth_request.client,
            "request_id": authorization.remember(request.session, auth_request),
            "me": me,
            "me_hint_differs": bool(auth_request.me) and auth_request.me.rstrip("/") != me.rstrip("/"),
            "scopes": [(scope, SCOPE_DESCRIPTIONS[scope]) for scope in requested],
            "unknown_scopes": [scope for scope in auth_request.scopes if scope not in requested],
            # §10.1: a redirect away from the client's own site is shown so the user can inspect it.
            "foreign_redirect": not authorization.on_client_origin(
                auth_request.redirect_uri, auth_request.client_id
            ),
        },
    )
    scheme = urlsplit(auth_request.redirect_uri).scheme
    if scheme not in ("http", "https"):
        response["Content-Security-Policy"] = csp_allowing_form_redirect_to(scheme)
    return response


def csp_allowing_form_redirect_to(scheme: str) -> str:
    """The platform CSP, letting the consent form's redirect reach an app's own scheme (CSP3 form-action)."""
    return re.sub(r"form-action ([^;]*)", lambda m: f"form-action {m.group(1)} {scheme}:", PLATFORM_CSP)


@login_required
@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    """The consent form's answer: a code on approval, access_denied otherwise (§5.2.1)."""
    auth_request = authorization.recall(request.session, request.POST.get("request_id", ""))
    if auth_request is None:
        return error_page(
            request, "This sign-in request has expired or was already answered. Start again from the app."
        )
    if request.POST.get("decision") != "approve":
        return authorization.deny(auth_request)
    return authorization.approve(auth_request, user=request.user, chosen=request.POST.getlist("scope"))


def error_page(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, TEMPLATE, {"error": message}, status=400)
