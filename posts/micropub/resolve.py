"""From a post URL a client holds (a permalink or a draft's /drafts/<uuid>/) back to the post."""

from __future__ import annotations

import uuid
from urllib.parse import unquote, urlsplit

from accounts.models import Blog
from accounts.urls_util import subdomain_host
from posts.micropub.errors import invalid_request
from posts.models import Post

DRAFTS_PREFIX = "/drafts/"


def _blog_hosts(blog: Blog) -> set[str]:
    """Its subdomain too: clients keep URLs from before a custom domain was added."""
    return {urlsplit(blog.base_url).netloc.lower(), blog.host.lower(), subdomain_host(blog.subdomain).lower()}


def post_for_url(blog: Blog, url: str, *, related: bool = False) -> Post:
    """The blog's post at `url`, deleted or not (with photos and categories prefetched if `related`).

    A missing url, a url of another site or of no post is `invalid_request` (Micropub §3.8)."""
    if not url:
        raise invalid_request("Give the url of the post.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in _blog_hosts(blog):
        raise invalid_request("That url is not a post of this blog.")
    path = unquote(parts.path)  # Location percent-encodes Unicode slugs
    path = path if path.endswith("/") else path + "/"
    posts = Post.objects.for_blog(blog)
    posts = posts.with_relations() if related else posts.select_related("blog__user")
    if path.startswith(DRAFTS_PREFIX):
        try:
            post = posts.filter(uuid=uuid.UUID(path[len(DRAFTS_PREFIX) :].strip("/"))).first()
        except ValueError:
            post = None
    else:
        post = posts.filter(path=path).first()
    if post is None:
        raise invalid_request("There is no post at that url.")
    return post
