"""Conditional GET for blog pages and feeds: answered from the blog row alone, before rendering.

Every visible change to a blog moves Blog.changed_at, so it is the Last-Modified of every page and
part of every ETag; a 304 costs the host lookup and nothing else.
"""

from __future__ import annotations

import hashlib

from django.views.decorators.http import condition

# Bump when templates change in a way that must invalidate cached copies.
TEMPLATE_VERSION = "1"


def blog_etag(request, *args, **kwargs) -> str:
    blog = request.blog
    key = f"{TEMPLATE_VERSION}|{blog.pk}|{blog.changed_at.isoformat()}|{request.get_full_path()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def blog_last_modified(request, *args, **kwargs):
    return request.blog.changed_at


blog_conditional = condition(etag_func=blog_etag, last_modified_func=blog_last_modified)
