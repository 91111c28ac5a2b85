"""The public blog pages (posts/blog_pages.py), the entry they list (posts) and the responses under a
permalink (webmention), rendered by Jinja2, each compiled once per process from an app's `jinja2/`
folder. (Platform pages, forms and e-mails stay Django templates.)

Django's template language walks nodes and resolves every variable at run time; an entry is included
20 times on a cold blog page and a reply up to a hundred times on a popular permalink, and those
includes and the layout were most of those pages' CPU (issue 7). Jinja2 compiles the same markup to
Python code. The environment prints `{{ x }}` exactly as Django's templates do (conditional_escape: `&quot;`,
`&#x27;`, SafeString and `|safe` pass), a missing name is "" and a file keeps its trailing newline, so
pages stay byte-identical to the Django templates they replaced (tests/posts/test_entry_html.py,
tests/webmention/test_responses_html.py, tests/posts/test_blog_page_html.py).
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

import jinja2
from django.apps import apps
from django.conf import settings
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def printed(value: object) -> str:
    """What Django prints for `{{ value }}`: conditional_escape(), with its commonest case (a plain str)
    done directly, since its lazy-string wrapper cost as much as the rest of an entry's rendering."""
    if type(value) is str:
        return html.escape(value)  # = django.utils.html.escape: &amp; &lt; &gt; &quot; &#x27;
    return conditional_escape(value)


@functools.cache
def environment() -> jinja2.Environment:
    folders = [Path(app.path) / "jinja2" for app in apps.get_app_configs()]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([folder for folder in folders if folder.is_dir()]),
        # Not markupsafe's autoescape (&#34;, &#39;): every {{ }} goes through printed() instead, so a
        # macro's output is printed with |safe.
        autoescape=False,  # noqa: S701
        finalize=printed,
        auto_reload=True,  # only template() with DEBUG on asks (`make run`: an edited file is read again)
        keep_trailing_newline=True,  # a DTL include keeps the file's last newline
        undefined=jinja2.Undefined,  # missing → "", as the DTL's string_if_invalid
    )


def template_names() -> list[str]:
    """Every template in the apps' jinja2/ folders (compiled at start-up: microhost/warm_up.py)."""
    return environment().list_templates(extensions=["html"])


def template(name: str) -> jinja2.Template:
    if settings.DEBUG:
        return environment().get_template(name)  # checks the file's modification time
    return _compiled(name)


@functools.cache
def _compiled(name: str) -> jinja2.Template:
    return environment().get_template(name)


def render(name: str, names: dict) -> SafeString:
    """The template `name` with `names`, as HTML safe to print (every {{ }} in it was escaped)."""
    compiled = template(name)
    # Template.render() without its two copies of the names and the merge with the (unused) globals.
    context = compiled.new_context(names, shared=True)
    try:
        return mark_safe(compiled.environment.concat(compiled.root_render_func(context)))  # noqa: S308
    except Exception:
        compiled.environment.handle_exception()  # re-raises with the template's own line numbers
        raise  # not reached: handle_exception() always raises
