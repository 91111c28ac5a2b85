"""Maps each request's Host to the platform, a blog (subdomain or verified domain), or nothing.

This is the first middleware: an unknown host is answered 404 before anything else runs, so no
request can ever fall through to a default blog.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponsePermanentRedirect

from accounts.selectors import blog_for_host

# Paths answered on any host: the TLS terminator's ask endpoint is called with the server's own Host.
HOST_INDEPENDENT_PREFIXES = ("/internal/",)


def host_of(meta: dict) -> str:
    """The host name of a request's META (its WSGI environ), lower-cased, without port or trailing dot."""
    raw = meta.get("HTTP_HOST") or meta.get("SERVER_NAME", "")
    host = raw.rsplit(":", 1)[0] if not raw.endswith("]") else raw
    return host.strip().lower().rstrip(".")


def split_host(request: HttpRequest) -> str:
    """The request's host name, lower-cased, without port or trailing dot."""
    return host_of(request.META)


def _to_canonical(request: HttpRequest, url: str) -> HttpResponse:
    """301 for reads; 308 for writes so Micropub/Webmention POSTs keep their method and body."""
    if request.method in ("GET", "HEAD"):
        return HttpResponsePermanentRedirect(url)
    response = HttpResponse(status=308)
    response["Location"] = url
    return response


class HostRoutingMiddleware:
    """Sets request.blog and request.urlconf for blog hosts; 404s hosts that are none of ours."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host = split_host(request)
        request.blog = None
        request.is_platform = False
        if request.path.startswith(HOST_INDEPENDENT_PREFIXES):
            request.is_platform = True
            return self.get_response(request)
        if host == settings.MICROHOST_DOMAIN:
            request.is_platform = True
            return self.get_response(request)
        match = blog_for_host(host)
        if match is None:
            return HttpResponseNotFound("No blog is served at this address.", content_type="text/plain")
        blog, canonical_host = match
        if canonical_host != host:
            return _to_canonical(request, blog.base_url + request.get_full_path())
        request.blog = blog
        request.urlconf = settings.BLOG_URLCONF
        return self.get_response(request)


class BlogVisitorsAreAnonymousMiddleware:
    """On blog hosts nobody is logged in, even if a session cookie is somehow sent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.blog is not None:
            request.user = AnonymousUser()
        return self.get_response(request)
