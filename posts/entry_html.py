"""The entry partial (posts/jinja2/posts/_entry.html), rendered by Jinja2 (microhost/jinja_html.py)."""

from __future__ import annotations

from django.utils.safestring import SafeString

from microhost import jinja_html

ENTRY = "posts/_entry.html"


def entry_html(post, context: dict, responses: str = "") -> SafeString:
    """One post's h-entry; `context` is entry_context(post), `responses` the permalink's rendered block."""
    return jinja_html.render(ENTRY, {**context, "post": post, "responses": responses})
