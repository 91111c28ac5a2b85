"""Micropub GET queries (https://www.w3.org/TR/micropub/#querying): config, source, syndicate-to,
category. Each answer is a plain dict; the view makes it JSON.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import QueryDict

from accounts.models import Blog
from posts.mf2 import post_to_mf2, select_properties
from posts.micropub.errors import invalid_request
from posts.micropub.resolve import post_for_url
from posts.models import Category, Post

QUERIES = ("config", "source", "syndicate-to", "category")
# q=source list paging (a common extension: micropub-extensions#4, #14).
DEFAULT_LIMIT, MAX_LIMIT = 10, 100
POST_TYPES = [{"type": kind, "name": label} for kind, label in Post.Kind.choices]

# Syndication targets come from the syndication feature (issue 6), which registers a provider
# returning [{"uid", "name", "service"?, "user"?}, …] for a blog; none yet, so the list is empty.
SyndicationProvider = Callable[[Blog], list[dict]]
SYNDICATION_PROVIDERS: list[SyndicationProvider] = []


def register_syndication_targets(provider: SyndicationProvider) -> None:
    if provider not in SYNDICATION_PROVIDERS:
        SYNDICATION_PROVIDERS.append(provider)


def syndication_targets(blog: Blog) -> list[dict]:
    return [target for provider in SYNDICATION_PROVIDERS for target in provider(blog)]


def config(blog: Blog, params: QueryDict) -> dict:
    """media-endpoint MUST be a full URL (§3.6.1: clients must not assume the same host)."""
    return {
        "media-endpoint": blog.absolute("/micropub/media"),
        "syndicate-to": syndication_targets(blog),
        "post-types": POST_TYPES,
        "q": list(QUERIES),
        "categories": _category_names(blog, ""),
    }


def syndicate_to(blog: Blog, params: QueryDict) -> dict:
    return {"syndicate-to": syndication_targets(blog)}


def _category_names(blog: Blog, search: str) -> list[str]:
    categories = Category.objects.filter(blog=blog)
    if search:
        categories = categories.filter(name__icontains=search)
    return list(categories.order_by("name").values_list("name", flat=True))


def category(blog: Blog, params: QueryDict) -> dict:
    """All category names, or those containing `filter` (micropub-extensions#5; `search` as alias)."""
    return {"categories": _category_names(blog, params.get("filter") or params.get("search") or "")}


def _requested(params: QueryDict) -> list[str]:
    """`properties[]=a&properties[]=b` or bare `properties=a` (§3.7.2)."""
    return [name for name in params.getlist("properties[]") + params.getlist("properties") if name]


def _bounded(params: QueryDict, name: str, default: int, most: int) -> int:
    try:
        return max(0, min(int(params.get(name, default)), most))
    except ValueError as error:
        raise invalid_request(f"{name} must be a number.") from error


def source(blog: Blog, params: QueryDict) -> dict:
    """One post's mf2 by `url`; without url, recent posts as {"items": [...]} (limit/offset)."""
    names = _requested(params)
    if not params.get("url"):
        return {"items": [_shaped(post, names) for post in _recent(blog, params)]}
    return _shaped(post_for_url(blog, params["url"], related=True), names)


def _shaped(post: Post, names: list[str]) -> dict:
    mf2 = post_to_mf2(post)
    return select_properties(mf2, names) if names else mf2


def _recent(blog: Blog, params: QueryDict) -> list[Post]:
    limit = _bounded(params, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    offset = _bounded(params, "offset", 0, 10**9)
    posts = Post.objects.for_blog(blog).live().with_relations().order_by("-created_at", "-id")
    if params.get("post-type"):
        posts = posts.filter(kind=params["post-type"])
    return list(posts[offset : offset + limit])


HANDLERS: dict[str, Callable[[Blog, QueryDict], dict]] = {
    "config": config,
    "source": source,
    "syndicate-to": syndicate_to,
    "category": category,
}


def answer(blog: Blog, params: QueryDict) -> dict:
    query = params.get("q", "")
    if query not in HANDLERS:
        raise invalid_request(f"Unknown or missing q; supported: {', '.join(QUERIES)}.")
    return HANDLERS[query](blog, params)
