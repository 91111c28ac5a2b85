"""Reads about accounts and blogs."""

from __future__ import annotations

from django.conf import settings

from accounts import blog_cache
from accounts.models import Blog

MAX_HOST_LENGTH = 253  # RFC 1035 §2.3.4; Blog.custom_domain holds no more


def blog_for_host(host: str) -> tuple[Blog, str] | None:
    """The blog served at `host` and the host it should be served on, or None (one query, or none
    while the blog is cached: accounts/blog_cache.py)."""
    lookup = _lookup(host)
    if lookup is None:
        return None
    return blog_cache.cached(host, lambda: _load(lookup))


def refill_hosts(hosts) -> None:
    """Cache the blog of each host again after a committed change (blog_cache.refill): a worker that
    changed a blog reads it once, instead of the next request to each of its hosts."""
    for host in hosts:
        lookup = _lookup(host)
        if lookup is not None:
            blog_cache.refill(host, lambda lookup=lookup: _load(lookup))


def _lookup(host: str) -> dict[str, str] | None:
    """The column naming the blog of `host` (its subdomain label, or its custom domain), or None for
    a host no blog can have (checked before any cache or query)."""
    if len(host) > MAX_HOST_LENGTH:
        return None
    suffix = "." + settings.MICROHOST_DOMAIN
    if host.endswith(suffix):
        label = host[: -len(suffix)]
        return {"subdomain": label} if label and "." not in label else None
    return {"custom_domain": host}


# The owner's secrets and address are not read with the blog: the pair is cached (in Redis) for every
# request to the host, and no page needs them; the rare reader (IndieAuth's email scope) loads them.
OWNER_NOT_CACHED = ("user__password", "user__email")


def _load(lookup: dict[str, str]) -> tuple[Blog, str] | None:
    """Both columns are unique: no ORDER BY."""
    rows = Blog.objects.select_related("user").defer(*OWNER_NOT_CACHED).filter(**lookup).order_by()
    blog = next(iter(rows[:1]), None)
    return None if blog is None else (blog, blog.host)


def host_is_served(host: str) -> bool:
    """For the TLS terminator: verified custom domains and existing users' subdomains."""
    return blog_for_host(host.lower().rstrip(".")) is not None
