"""Adds the discovery Link header to every HTML page served on a blog host."""

from __future__ import annotations

from posts.discovery import discovery_links, link_header


class BlogDiscoveryLinksMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        blog = getattr(request, "blog", None)
        if blog is not None and response.get("Content-Type", "").startswith("text/html"):
            response["Link"] = link_header(discovery_links(blog))
        return response
