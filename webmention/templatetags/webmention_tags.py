"""{% post_outgoing post as outgoing %}: the webmentions a post sends, for its edit page."""

from django import template

from webmention.selectors import outgoing_for

register = template.Library()


@register.simple_tag
def post_outgoing(post) -> list:
    return outgoing_for(post)
