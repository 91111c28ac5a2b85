"""The entry partial (posts/jinja2/posts/_entry.html) rendered by Jinja2, compiled once per process.

Django's template language walks nodes and resolves every variable at run time; an entry is included
20 times on a cold blog or timeline page and was the largest share of its CPU. Jinja2 compiles the
same markup to Python code. The environment prints `{{ x }}` exactly as Django's templates do
(conditional_escape: `&quot;`, `&#x27;`, SafeString passes), a missing name is "" and keeps the
file's trailing newline, so pages stay byte-identical (tests/posts/test_entry_html.py pins it).
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

import jinja2
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

TEMPLATES = Path(__file__).resolve().parent / "jinja2"


def _printed(value: object) -> str:
    """What Django prints for `{{ value }}`: conditional_escape(), with its commonest case (a plain str)
    done directly, since its lazy-string wrapper cost as much as the rest of an entry's rendering."""
    if type(value) is str:
        return html.escape(value)  # = django.utils.html.escape: &amp; &lt; &gt; &quot; &#x27;
    return conditional_escape(value)


@functools.cache
def _entry_template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # Not markupsafe's autoescape (&#34;, &#39;): every {{ }} goes through _printed instead.
        autoescape=False,  # noqa: S701
        finalize=_printed,
        auto_reload=False,
        keep_trailing_newline=True,  # a DTL include keeps the file's last newline
        undefined=jinja2.Undefined,  # missing → "", as the DTL's string_if_invalid
    )
    return environment.get_template("posts/_entry.html")


def entry_html(post, context: dict, responses: str = "") -> SafeString:
    """One post's h-entry; `context` is entry_context(post), `responses` the permalink's rendered block."""
    template = _entry_template()
    # Template.render() without its two copies of the names and the merge with the (unused) globals.
    names = template.new_context({**context, "post": post, "responses": responses}, shared=True)
    try:
        text = template.environment.concat(template.root_render_func(names))
        return mark_safe(text)  # noqa: S308 - every {{ }} in it was escaped by _printed
    except Exception:
        template.environment.handle_exception()  # re-raises with the template's own line numbers
