"""OAuth 2 state and PKCE (RFC 7636, S256) kept in the session between redirect and callback."""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.http import HttpRequest

SESSION_KEY = "syndication_oauth"


def begin(request: HttpRequest, silo: str, **extra: str) -> tuple[str, str]:
    """A fresh state and PKCE challenge; the verifier and extra stay in the session."""
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    request.session[SESSION_KEY] = {"silo": silo, "state": state, "verifier": verifier, **extra}
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return state, challenge


def finish(request: HttpRequest, silo: str) -> dict | None:
    """The saved flow if the callback's state matches it (once only), else None (CSRF on login)."""
    saved = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not saved or saved.get("silo") != silo or not secrets.compare_digest(saved.get("state", ""), state):
        return None
    return saved
