"""{% post_responses post as responses %}: a post's received responses, loaded in one query."""

from django import template

from webmention.selectors import Responses, outgoing_for, responses_for

register = template.Library()


@register.simple_tag
def post_responses(post) -> Responses:
    return responses_for(post)


@register.simple_tag
def post_outgoing(post) -> list:
    return outgoing_for(post)
