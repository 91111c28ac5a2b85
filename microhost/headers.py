"""Security headers every response carries (R9): CSP and nosniff."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

# Blog pages run no script at all; the platform runs only its own static scripts.
BLOG_CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'; img-src 'self' https: http: data:; "
    "style-src 'self'; media-src 'self' https:"
)
PLATFORM_CSP = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self' http: https:; img-src 'self' https: http: data:; "
    "style-src 'self'; media-src 'self' https:"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            is_blog = getattr(request, "blog", None) is not None
            response["Content-Security-Policy"] = BLOG_CSP if is_blog else PLATFORM_CSP
        response.setdefault("X-Content-Type-Options", "nosniff")
        return response
