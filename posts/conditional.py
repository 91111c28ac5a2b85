"""Conditional GET for blog pages and feeds: answered from the blog row alone, before rendering.

Every visible change to a blog moves Blog.changed_at, so it is the Last-Modified of every page and
part of every ETag; a 304 costs the host lookup and nothing else.
"""

from __future__ import annotations

import functools
import hashlib

from django.views.decorators.http import condition

from microhost import page_cache

# Bump when templates change in a way that must invalidate cached copies.
TEMPLATE_VERSION = "1"


def blog_etag(request, *args, **kwargs) -> str:
    blog = request.blog
    key = f"{TEMPLATE_VERSION}|{blog.pk}|{blog.changed_at.isoformat()}|{request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def blog_last_modified(request, *args, **kwargs):
    return request.blog.changed_at


_conditional = condition(etag_func=blog_etag, last_modified_func=blog_last_modified)


def blog_conditional(view):
    """Answer conditional GETs from the blog row, and let the page cache keep the rendered response."""
    conditional_view = _conditional(view)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        page_cache.mark_cacheable(request)
        return conditional_view(request, *args, **kwargs)

    return wrapped
