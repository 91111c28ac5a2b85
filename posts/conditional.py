"""Conditional GET for blog pages and feeds: answered from the blog row alone, before rendering.

Every visible change to a blog moves Blog.changed_at, so it is the Last-Modified of every page and
part of every ETag; a 304 costs the host lookup and nothing else. The pages that show the responses
under posts (permalinks) also follow Blog.responses_changed_at, which a new like or reply moves
without touching the rest of the blog.
"""

from __future__ import annotations

import functools
import hashlib

from django.views.decorators.http import condition

from microhost import page_cache
from microhost.page_versions import responses_stamp

# Bump when templates change in a way that must invalidate cached copies.
TEMPLATE_VERSION = "1"


def blog_etag(request, *args, **kwargs) -> str:
    blog = request.blog
    key = f"{TEMPLATE_VERSION}|{blog.pk}|{blog.changed_at.isoformat()}|{request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def blog_last_modified(request, *args, **kwargs):
    return request.blog.changed_at


def responses_etag(request, *args, **kwargs) -> str:
    """blog_etag, moved by the responses too."""
    key = f"{blog_etag(request)}|{responses_stamp(request.blog)}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def responses_last_modified(request, *args, **kwargs):
    blog = request.blog
    return max(blog.changed_at, blog.responses_changed_at or blog.changed_at)


_conditional = condition(etag_func=blog_etag, last_modified_func=blog_last_modified)
_with_responses = condition(etag_func=responses_etag, last_modified_func=responses_last_modified)


def _cacheable(view, conditional, *, shows_responses: bool):
    conditional_view = conditional(view)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        page_cache.mark_cacheable(request, shows_responses=shows_responses)
        return conditional_view(request, *args, **kwargs)

    return wrapped


def blog_conditional(view):
    """Answer conditional GETs from the blog row, and let the page cache keep the rendered response."""
    return _cacheable(view, _conditional, shows_responses=False)


def responses_conditional(view):
    """blog_conditional for a page that shows the responses under a post: its validators and its cached
    copy also follow the responses' stamp."""
    return _cacheable(view, _with_responses, shows_responses=True)
