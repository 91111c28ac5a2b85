"""OAuth errors as values, answered as JSON {"error", "error_description"} (RFC 6749 §5.2)."""

from __future__ import annotations

from django.http import JsonResponse

# Token responses and errors must never be cached (RFC 6749 §5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """A failure a client can act on: the OAuth error code, a sentence saying why, the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def json_response(payload: dict, status: int = 200, headers: dict[str, str] | None = None) -> JsonResponse:
    """JSON that no cache keeps: these bodies carry tokens or say things about them."""
    return JsonResponse(payload, status=status, headers={**NO_STORE, **(headers or {})})


def error_response(error: OAuthError) -> JsonResponse:
    return json_response({"error": error.error, "error_description": error.description}, status=error.status)
