"""The ask endpoint for Caddy's on-demand TLS: may a certificate be issued for ?domain=? (R27)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from accounts.domains import ask_caller_allowed, certificate_allowed


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_GET
def ask(request: HttpRequest) -> HttpResponse:
    """200 = issue, 403 = refuse; caddyserver.com/docs/caddyfile/options#on-demand-tls."""
    if not ask_caller_allowed(request.META.get("REMOTE_ADDR", "")):
        return _plain("Not allowed from this address.", 403)
    domain = request.GET.get("domain", "")
    if not domain.strip():
        return _plain("Missing ?domain=", 400)
    if certificate_allowed(domain):
        return _plain("ok", 200)
    return _plain("Not a host served here.", 403)
