"""Reads about accounts and blogs."""

from __future__ import annotations

from django.conf import settings

from accounts import blog_cache
from accounts.models import Blog


def blog_for_host(host: str) -> tuple[Blog, str] | None:
    """The blog served at `host` and the host it should be served on, or None (one query, or none
    while the blog is cached: accounts/blog_cache.py)."""
    return blog_cache.cached(host, lambda: _blog_for_host(host))


def _blog_for_host(host: str) -> tuple[Blog, str] | None:
    suffix = "." + settings.MICROHOST_DOMAIN
    blogs = Blog.objects.select_related("user")
    if host.endswith(suffix):
        label = host[: -len(suffix)]
        if not label or "." in label:
            return None
        blog = blogs.filter(subdomain=label).first()
    else:
        blog = blogs.filter(custom_domain=host).first()
    if blog is None:
        return None
    return blog, blog.host


def host_is_served(host: str) -> bool:
    """For the TLS terminator: verified custom domains and existing users' subdomains."""
    return blog_for_host(host.lower().rstrip(".")) is not None
