"""{% entry post %}: a post's h-entry on the platform's (Django-template) timeline pages."""

from django import template
from django.utils.safestring import SafeString

from posts import entry_html

register = template.Library()


@register.simple_tag
def entry(post, with_responses: bool = False) -> SafeString:
    """posts.entry_html.entry(): rendered by Jinja2, where the Django include was most of a cold
    page's template time. Dates use the active {% timezone %}."""
    return entry_html.entry(post, with_responses)
