from django import template
from django.utils.html import format_html, format_html_join

from posts.discovery import discovery_links

register = template.Library()


@register.simple_tag
def discovery_link_elements(blog):
    """<link> elements for every discovery rel (the same set as the Link header)."""
    return format_html_join(
        "\n",
        '<link rel="{}" href="{}"{}>',
        (
            (rel, url, format_html(' type="{}"', mime) if mime else "")
            for rel, url, mime in discovery_links(blog)
        ),
    )
