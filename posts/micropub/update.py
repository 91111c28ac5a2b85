"""Micropub update, delete and undelete (https://www.w3.org/TR/micropub/#update, #delete).

An update is turned into full new values for each property it touches, computed from the post's
current mf2, and handed to update_post, whose semantics are replace-per-named-property.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from accounts.models import Blog
from posts import services
from posts.mf2 import post_to_mf2
from posts.micropub.errors import invalid_request
from posts.micropub.resolve import post_for_url
from posts.models import Post
from posts.properties import text_value

# Not properties a client can change: the URL is fixed at first publication.
FIXED = frozenset({"url", "uid", "type", "h", "access_token"})


def _operation(body: dict, name: str) -> dict[str, list]:
    """`replace`/`add` must be objects whose values are arrays (§3.4; suite test 405)."""
    value = body.get(name, {})
    if not isinstance(value, dict):
        raise invalid_request(f"{name} must be an object whose values are arrays.")
    for prop, values in value.items():
        if not isinstance(values, list):
            raise invalid_request(f"The value of {name}.{prop} must be an array.")
    return {prop: values for prop, values in value.items() if prop not in FIXED}


def _deletions(body: dict) -> dict[str, list] | list[str]:
    """`delete` is a list of property names, or an object of values to remove."""
    value = body.get("delete", [])
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return [name for name in value if name not in FIXED]
    if isinstance(value, dict):
        return _operation(body, "delete")
    raise invalid_request("delete must be an array of property names or an object of arrays.")


def _without(values: list, removed: list) -> list:
    """Delete by value: compare as text, so a URL removes a photo given as {"value", "alt"}."""
    gone = {_as_text(value) for value in removed}
    return [value for value in values if _as_text(value) not in gone]


def _as_text(value) -> str:
    return text_value(value) if isinstance(value, dict) else str(value)


def changed_properties(current: dict[str, list], body: dict) -> dict[str, list]:
    """The new values of every property the update touches: replace, then add, then delete."""
    replace, add, deletions = _operation(body, "replace"), _operation(body, "add"), _deletions(body)
    if not (replace or add or deletions):
        raise invalid_request("An update needs replace, add or delete.")
    changed = {prop: list(values) for prop, values in replace.items()}
    for prop, values in add.items():
        changed[prop] = changed.get(prop, list(current.get(prop, []))) + values
    if isinstance(deletions, list):
        changed.update({prop: [] for prop in deletions})
    else:
        for prop, values in deletions.items():
            changed[prop] = _without(changed.get(prop, list(current.get(prop, []))), values)
    return changed


def update(blog: Blog, url: str, body: dict) -> tuple[Post, bool]:
    """Apply the update; returns the post and whether its URL changed (a draft got published)."""
    post = post_for_url(blog, url, related=True)
    if post.is_deleted:
        raise invalid_request("That post is deleted; undelete it first.")
    properties = changed_properties(post_to_mf2(post)["properties"], body)
    before = post.get_absolute_url()
    try:
        post = services.update_post(post=post, properties=properties)
    except ValidationError as error:
        raise invalid_request(" ".join(error.messages)) from error
    return post, post.get_absolute_url() != before


def delete(blog: Blog, url: str) -> Post:
    return services.delete_post(post=post_for_url(blog, url))


def undelete(blog: Blog, url: str) -> Post:
    return services.undelete_post(post=post_for_url(blog, url))
