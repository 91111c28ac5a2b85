"""Connect flows, one pair of views per silo: Mastodon/Tumblr/LinkedIn OAuth 2 redirects and
callbacks, Medium's pasted integration token, Bluesky's handle and app password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from syndication import oauth
from syndication.connectors import bluesky, linkedin, mastodon, medium, tumblr
from syndication.connectors.base import SyndicationError
from syndication.services.connections import save_connection

BACK = "syndication_connections"
# What a connect flow can fail with: the silo's refusal, or an answer not shaped like its API.
FAILED = (SyndicationError, KeyError, TypeError, ValueError, IndexError)


def _failed(request: HttpRequest, silo: str, error: Exception | str) -> HttpResponse:
    messages.error(request, f"Could not connect {silo}: {error}")
    return redirect(BACK)


def _saved(request: HttpRequest, silo: str, found: dict) -> HttpResponse:
    connection = save_connection(user=request.user, silo=silo, found=found)
    messages.success(request, f"Connected {connection}.")
    return redirect(BACK)


@login_required
@require_POST
def mastodon_start(request: HttpRequest) -> HttpResponse:
    """POST instance (host or URL): register our app there once, then send the user to authorize."""
    try:
        server = mastodon.server_url(request.POST.get("instance", ""))
        app = mastodon.app_for(server)
    except FAILED as exc:
        return _failed(request, "Mastodon", exc)
    state, challenge = oauth.begin(request, "mastodon", server=server)
    return redirect(mastodon.authorize_url(app, state=state, challenge=challenge))


@login_required
def mastodon_callback(request: HttpRequest) -> HttpResponse:
    flow = oauth.finish(request, "mastodon")
    if flow is None or not request.GET.get("code"):
        return _failed(
            request, "Mastodon", request.GET.get("error_description") or "the sign-in was not completed."
        )
    try:
        app = mastodon.app_for(flow["server"])
        found = mastodon.finish_connect(app, code=request.GET["code"], verifier=flow["verifier"])
    except FAILED as exc:
        return _failed(request, "Mastodon", exc)
    return _saved(request, "mastodon", found)


def _oauth_start(module, silo: str):
    @login_required
    @require_POST
    def start(request: HttpRequest) -> HttpResponse:
        state, _ = oauth.begin(request, silo)
        return redirect(module.authorize_url(state=state))

    return start


def _oauth_callback(module, silo: str, label: str):
    @login_required
    def callback(request: HttpRequest) -> HttpResponse:
        flow = oauth.finish(request, silo)
        if flow is None or not request.GET.get("code"):
            return _failed(
                request, label, request.GET.get("error_description") or "the sign-in was not completed."
            )
        try:
            found = module.finish_connect(code=request.GET["code"])
        except FAILED as exc:
            return _failed(request, label, exc)
        return _saved(request, silo, found)

    return callback


tumblr_start = _oauth_start(tumblr, "tumblr")
tumblr_callback = _oauth_callback(tumblr, "tumblr", "Tumblr")
linkedin_start = _oauth_start(linkedin, "linkedin")
linkedin_callback = _oauth_callback(linkedin, "linkedin", "LinkedIn")


@login_required
@require_POST
@sensitive_post_parameters("token")
def medium_connect(request: HttpRequest) -> HttpResponse:
    """An existing integration token, checked with /v1/me (Medium issues no new ones)."""
    try:
        found = medium.check_token(request.POST.get("token", "").strip())
    except FAILED as exc:
        return _failed(request, "Medium", exc)
    return _saved(request, "medium", found)


@login_required
@require_POST
@sensitive_post_parameters("app_password")
def bluesky_connect(request: HttpRequest) -> HttpResponse:
    """Handle + app password → one createSession; the session is stored, the password is not."""
    try:
        found = bluesky.connect(
            handle=request.POST.get("handle", ""), app_password=request.POST.get("app_password", "")
        )
    except FAILED as exc:
        return _failed(request, "Bluesky", exc)
    return _saved(request, "bluesky", found)
