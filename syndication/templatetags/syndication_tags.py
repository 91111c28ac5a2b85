"""Template tags for the include templates the composer renders (it passes no syndication context)."""

from __future__ import annotations

from django import template

from syndication import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def composer_targets(context) -> list:
    """Checkboxes and previews for the signed-in user's connections (empty when there are none)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    data = request.POST if request.method == "POST" else None
    return selectors.composer_targets(request.user, post=context.get("editing"), data=data)


@register.simple_tag
def copies_of(post) -> list:
    return selectors.copies_of(post)
