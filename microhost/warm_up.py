"""Do at start-up what each web process would otherwise do inside its first requests.

Django resolves URLconfs, builds its template engine (importing every installed template-tag library)
and compiles templates on first use; Celery imports its publishing machinery (amqp, routes, result
backends, canvas) on the first job sent. In a fresh process the first blog page took ~220 ms, the
first Micropub create ~140 ms and the first webmention ~40 ms longer than the next ones, and every
request queued behind them on that process waited as long (issue 7, scenario 8). Called by
microhost/wsgi.py before gc.freeze(), so what it loads is frozen with the rest of start-up.

Nothing here touches the database, the cache or the broker: it imports and compiles only, so it is
safe before a server forks its workers. It only saves time: a step that fails is logged, and the
process starts anyway (the request that needs that part then loads it, as before).
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.template import TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import formats
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Modules that sending a job imports on first use, beyond what the Celery app's own attributes load.
LAZY_MODULES = ("celery.canvas", "celery.result", "celery.events.dispatcher", "celery.events.receiver")


def warm_up() -> None:
    """Skipped with DEBUG on: the development server reloads often and compiles templates anew anyway."""
    if settings.DEBUG:
        return
    for step in (_resolve_urlconfs, _compile_templates, _load_celery, _import_the_rest):
        try:
            step()
        except Exception:
            log.warning("Warm-up step %s failed; the first request will do it", step.__name__, exc_info=True)


def _import_the_rest() -> None:
    for name in LAZY_MODULES:
        importlib.import_module(name)
    # The middleware's messages and sessions machinery.
    for dotted in (settings.MESSAGE_STORAGE, settings.SESSION_SERIALIZER):
        import_string(dotted)
    for connection in connections.all():  # the SQL compiler's module, imported by the first query
        connection.ops.compiler("SQLCompiler")
    formats.get_format("DATE_FORMAT")  # the language's format modules, imported by the first date shown


def _resolve_urlconfs() -> None:
    """Import every view of the platform and blog URLconfs and build their resolvers' lookups."""
    for urlconf in (settings.ROOT_URLCONF, settings.BLOG_URLCONF):
        get_resolver(urlconf).reverse_dict  # noqa: B018 (populates the resolver, importing the views)


def _compile_templates() -> None:
    """Compile the project's own templates into each engine's cache (the cached loader with DEBUG off)."""
    for engine in engines.all():
        if hasattr(engine, "engine"):  # Django's own: its context processors are imported on first render
            engine.engine.template_context_processors  # noqa: B018
        for name in _project_template_names(engine):
            try:
                engine.get_template(name)
            except TemplateSyntaxError:  # a partial that only compiles inside its parent: compiled there
                log.debug("Template %s not compiled at start-up", name)
    from microhost import jinja_html

    for name in jinja_html.template_names():
        jinja_html.template(name)


def _project_template_names(engine) -> list[str]:
    """Names of the templates under the engine's folders that belong to this project, not to packages."""
    root = Path(settings.BASE_DIR)
    names: list[str] = []
    for folder in map(Path, engine.template_dirs):
        if root not in folder.parents or "site-packages" in folder.parts:
            continue
        names += [path.relative_to(folder).as_posix() for path in folder.rglob("*.html") if path.is_file()]
    return sorted(set(names))


def _load_celery() -> None:
    """Import the task modules and the parts of Celery that sending a job needs, without connecting."""
    from microhost.celery import app

    app.loader.import_default_modules()  # every installed app's tasks module (autodiscovery)
    app.finalize(auto=True)  # the shared tasks' real classes (Celery's DjangoTask), made on first use
    app.amqp.router  # noqa: B018
    app.events  # noqa: B018 (a sent job announces itself through the events dispatcher's module)
    app.backend  # noqa: B018
    with app.connection_for_write() as connection:  # not connected: only the transport's module
        connection.get_transport_cls()
