"""The blog's HTML pages (posts/jinja2/), rendered by Jinja2 (microhost/jinja_html.py).

Django's template language re-resolves every variable, block and include of the layout on every
render; an uncached archive spent about half its CPU in it (issue 7). The pages are byte-identical to
the Django templates they replaced (tests/posts/test_blog_page_html.py). Each page is rendered in the
blog's time zone, which is what the layout's {% timezone %} did for its dates.
"""

from __future__ import annotations

import datetime

from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.safestring import mark_safe

from accounts.urls_util import platform_url
from microhost import jinja_html
from posts.discovery import discovery_links, link_elements
from posts.entry_html import entry


def month_path(month: datetime.date) -> str:
    """`|date:'Y/m'`: the month's archive path."""
    return f"{month.year:04d}/{month.month:02d}"


def month_name(month: datetime.date) -> str:
    """`|date:"F Y"` in the active language: "March 2026"."""
    return formats.date_format(month, "F Y")


HELPERS = {"entry": entry, "month_path": month_path, "month_name": month_name}


def render_page(name: str, context: dict, *, status: int = 200) -> HttpResponse:
    """The blog page `name` for `context` (which holds the blog), as Django's render() returned it."""
    blog = context["blog"]
    names = {
        **HELPERS,
        **context,
        "platform_url": platform_url(""),
        "discovery_links": mark_safe(link_elements(discovery_links(blog))),  # noqa: S308 - escaped
    }
    with timezone.override(blog.timezone):
        html = jinja_html.render(name, names)
    return HttpResponse(html, status=status)
