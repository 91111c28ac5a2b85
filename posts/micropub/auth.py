"""Who is calling: the bearer token from the header or the form body (Micropub §5.1, RFC 6750 §2).

Statuses follow the current Micropub text and RFC 6750: no token 401 `unauthorized`, an unknown
or revoked token 401 `invalid_token`, a token of another blog 403 `forbidden`, a missing scope 403
`insufficient_scope` naming the scope, a token sent twice 400 `invalid_request`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest

from accounts.models import AccessToken
from accounts.tokens import authenticate
from microhost.ratelimit import Budget, consume
from posts.micropub.errors import MicropubError, invalid_request

# Scopes that also allow media uploads: most clients (Quill, Indigenous) ask for `create` only.
MEDIA_SCOPES = ("media", "create")


def header_token(request: HttpRequest) -> str | None:
    """The raw token of an `Authorization: Bearer …` header; None when there is no bearer header."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def body_token(form_tokens: list[str]) -> str | None:
    """The `access_token` form field (Micropub §5.1 allows it in the body); sent twice is ambiguous."""
    if len(form_tokens) > 1:
        raise invalid_request("Send access_token once.")
    return form_tokens[0] if form_tokens else None


def caller(request: HttpRequest, form_tokens: Sequence[str] = ()) -> AccessToken:
    """The active token for this blog, or the MicropubError the spec asks for."""
    from_header, from_body = header_token(request), body_token(list(form_tokens))
    if from_header is not None and from_body is not None:
        raise invalid_request("Send the token in the Authorization header or the body, not both.")
    raw = from_header if from_header is not None else from_body
    if raw is None:
        raise MicropubError("unauthorized", "An access token is required.", status=401)
    token = authenticate(raw, blog=request.blog)
    if token is None:
        raise MicropubError("invalid_token", "The access token is not valid.", status=401)
    if token.blog_id != request.blog.pk:
        raise MicropubError("forbidden", "This token belongs to another blog.", status=403)
    return token


def require_scope(token: AccessToken, *scopes: str) -> None:
    """Pass if the token holds any of the scopes; otherwise 403 naming the first."""
    if not any(token.has_scope(scope) for scope in scopes):
        raise MicropubError(
            "insufficient_scope", f"This token lacks the {scopes[0]} scope.", status=403, scope=scopes[0]
        )


def within_budget(token: AccessToken, setting: str) -> None:
    """429 with Retry-After once a token has spent its budget for the window (R38)."""
    budget = Budget.parse(setting.lower(), getattr(settings, setting))
    retry_after = consume(budget, str(token.pk))
    if retry_after is not None:
        raise MicropubError(
            "too_many_requests",
            f"Slow down: try again in {retry_after} seconds.",
            status=429,
            retry_after=retry_after,
        )
