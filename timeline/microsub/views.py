"""The Microsub endpoint on the platform (/microsub): bearer tokens, scopes, one dispatcher.

It lives on the platform, not on each blog host: a reader's follows and channels belong to the user,
not to a blog host, one URL works whatever custom domain the blog moves to, and blog hosts treat
every request as anonymous. Every blog page advertises it with rel=microsub."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.models import AccessToken
from accounts.tokens import authenticate
from timeline.microsub import actions, channels
from timeline.microsub.channels import MicrosubError

# (HTTP method, action, method param) → (scope, handler(user, params)).
Handler = Callable[..., dict]
ROUTES: dict[tuple[str, str, str], tuple[str, Handler]] = {
    ("GET", "channels", ""): ("read", lambda u, p: {"channels": channels.list_channels(u)}),
    ("POST", "channels", ""): (
        "channels",
        lambda u, p: channels.create_or_rename(u, p.get("name", ""), p.get("channel", "")),
    ),
    ("POST", "channels", "delete"): ("channels", lambda u, p: channels.delete(u, p.get("channel", "")) or {}),
    ("POST", "channels", "order"): (
        "channels",
        lambda u, p: channels.order(u, p.getlist("channels[]")) or {},
    ),
    ("GET", "timeline", ""): ("read", actions.timeline_items),
    ("POST", "timeline", "mark_read"): ("read", lambda u, p: actions.timeline_change(u, p, "mark_read")),
    ("POST", "timeline", "mark_unread"): ("read", lambda u, p: actions.timeline_change(u, p, "mark_unread")),
    ("POST", "timeline", "remove"): ("read", lambda u, p: actions.timeline_change(u, p, "remove")),
    ("GET", "follow", ""): ("read", actions.list_follows),
    ("POST", "follow", ""): ("follow", actions.follow),
    ("POST", "unfollow", ""): ("follow", actions.unfollow),
    ("POST", "search", ""): ("read", actions.search),
    ("GET", "search", ""): ("read", actions.search),
    ("GET", "preview", ""): ("read", actions.preview),
    ("POST", "preview", ""): ("read", actions.preview),
    ("GET", "mute", ""): ("read", lambda u, p: actions.list_mutes(u, blocked=False)),
    ("POST", "mute", ""): ("mute", lambda u, p: actions.mute(u, p, on=True)),
    ("POST", "unmute", ""): ("mute", lambda u, p: actions.mute(u, p, on=False)),
    ("GET", "block", ""): ("read", lambda u, p: actions.list_mutes(u, blocked=True)),
    ("POST", "block", ""): ("block", lambda u, p: actions.mute(u, p, on=True, blocked=True)),
    ("POST", "unblock", ""): ("block", lambda u, p: actions.mute(u, p, on=False, blocked=True)),
}


def error(code: str, description: str, status: int) -> JsonResponse:
    return JsonResponse({"error": code, "error_description": description}, status=status)


def bearer(request: HttpRequest) -> AccessToken | None:
    """Authorization: Bearer …, or access_token in a form body (Micropub/Microsub allow both)."""
    header = request.headers.get("Authorization", "")
    raw = header[7:].strip() if header.lower().startswith("bearer ") else request.POST.get("access_token", "")
    return authenticate(raw)


@csrf_exempt
def endpoint(request: HttpRequest) -> JsonResponse:
    if request.method not in ("GET", "POST"):
        return error("invalid_request", "Use GET or POST.", 405)
    token = bearer(request)
    if token is None:
        return error("unauthorized", "A valid access token is required.", 401)
    params = request.GET if request.method == "GET" else request.POST
    method = params.get("method", "") if params.get("action") in ("channels", "timeline") else ""
    route = ROUTES.get((request.method, params.get("action", ""), method))
    if route is None:
        return error(
            "invalid_request", f"Unknown action {params.get('action', '')!r} for {request.method}.", 400
        )
    scope, handler = route
    if not token.has_scope(scope):
        return error("insufficient_scope", f"This action needs the {scope!r} scope.", 403)
    actions.touch(token.user)
    try:
        return JsonResponse(handler(token.user, params))
    except MicrosubError as exc:
        return error(exc.code, str(exc), exc.status)
