"""Pages on the platform's own blogs, reached without an HTTP round trip.

Sending to a post on another blog here calls our receiver directly, and verifying a source that is
one of our posts renders its page in-process through the blog URL conf: the same HTML, parsed the
same way, with no DNS, no socket and no dependence on how the platform's name resolves.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest
from django.urls import Resolver404, resolve

from accounts.models import Blog
from accounts.selectors import blog_for_host
from posts.models import Post
from webmention.models import BlockedDomain


def local_blog(url: str) -> Blog | None:
    """The platform blog serving this URL's host, if any (one query; none for foreign-looking URLs)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    match = blog_for_host(parts.hostname.lower().rstrip("."))
    return match[0] if match else None


def may_be_local(host: str, *, on_custom_domain: bool) -> bool:
    """Could a blog of ours serve this host: a platform subdomain, or a custom domain a query found
    (custom_domain_exists, folded into that query) — else no need for local_blog's query."""
    return on_custom_domain or host.endswith("." + settings.MICROHOST_DOMAIN)


def custom_domain_exists(host: OuterRef) -> Exists:
    """Does a blog claim this host (a column of the outer query) as its custom domain?"""
    return Exists(Blog.objects.filter(custom_domain=host))


def served_at(blog: Blog, url: str) -> bool:
    """Is url on one of the hosts this blog answers on (its canonical host or its subdomain)?"""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host in {blog.host, f"{blog.subdomain}.{settings.MICROHOST_DOMAIN}"}


def target_post(blog: Blog, url: str, *, source_domains: list[str]) -> tuple[bool, Post | None, bool]:
    """(accepts webmentions, post, blocked) for a target URL on this blog: home → (True, None, …); a live
    published post → (True, post, …); anything else → (False, None, …). The #fragment is ignored.
    `blocked` says whether the owner blocked one of `source_domains` (the source host and its parents,
    moderation.parent_domains), answered by the same query: one query here.

    Plain SQL: the receipt is the busiest public write (a burst of likes is hundreds a second), and
    building this query with the ORM (filter, only, annotate(Exists)) cost ~0.8 ms of CPU a receipt,
    five times what PostgreSQL takes to answer it (issue 7, scenario 7)."""
    path = post_path(url)
    # Only table names and placeholders are formatted in; every value is a parameter.
    blocked_sql, blocked_params = blocked_exists_sql(len(source_domains)), [blog.pk, *source_domains]
    with connection.cursor() as cursor:
        if path is None:
            cursor.execute(f"SELECT {blocked_sql}", blocked_params)
            return True, None, bool(cursor.fetchone()[0])
        cursor.execute(
            f"SELECT id, status, visibility, deleted_at, {blocked_sql} FROM {Post._meta.db_table} "  # noqa: S608
            "WHERE blog_id = %s AND path = %s LIMIT 1",
            [*blocked_params, blog.pk, path],
        )
        row = cursor.fetchone()
    if row is None:
        return False, None, False
    post = Post.from_db(connection.alias, TARGET_FIELDS, [row[0], blog.pk, *row[1:4]])
    if post.is_draft or post.is_deleted or post.visibility == Post.Visibility.PRIVATE:
        return False, None, False
    return True, post, bool(row[4])


def post_path(url: str) -> str | None:
    """The post path a target URL names, with its trailing slash; None for the blog's home page."""
    path = urlsplit(url).path or "/"
    if path == "/":
        return None
    return path if path.endswith("/") else path + "/"


def blocked_exists_sql(domains: int) -> str:
    """SQL true when the owner blocked one of `domains` domains; parameters: the blog's id, the domains."""
    marks = ", ".join(["%s"] * domains)
    return f"EXISTS(SELECT 1 FROM {BlockedDomain._meta.db_table} WHERE blog_id = %s AND domain IN ({marks}))"  # noqa: S608


# The posts that accept webmentions, as SQL on the posts table for webmention/store.py's INSERT: what
# target_post checks in Python (not a draft, not private, not deleted). Parameters: ACCEPTING_PARAMS.
ACCEPTING_SQL = "status <> %s AND visibility <> %s AND deleted_at IS NULL"
ACCEPTING_PARAMS = (Post.Status.DRAFT.value, Post.Visibility.PRIVATE.value)


# The columns target_post loads (the rest of the post is deferred: its text is not needed).
TARGET_FIELDS = ["id", "blog_id", "status", "visibility", "deleted_at"]


@dataclass
class LocalPage:
    """The parts of microhost.fetch.Response that verification reads."""

    url: str
    status_code: int
    headers: dict
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def local_get(blog: Blog, url: str) -> LocalPage:
    """GET a page of one of our blogs in-process, as an anonymous visitor would see it."""
    parts = urlsplit(url)
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = parts.path or "/"
    request.META = {"HTTP_HOST": blog.host, "SERVER_NAME": blog.host, "SERVER_PORT": "80"}
    request.META["QUERY_STRING"] = parts.query
    request.blog, request.user, request.is_platform = blog, AnonymousUser(), False
    try:
        match = resolve(request.path_info, urlconf=settings.BLOG_URLCONF)
        response = match.func(request, *match.args, **match.kwargs)
    except (Resolver404, Http404):
        return LocalPage(url, 404, {"Content-Type": "text/plain"}, b"")
    if hasattr(response, "render"):
        response.render()
    return LocalPage(url, response.status_code, response.headers, bytes(response.content))
