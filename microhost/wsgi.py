"""WSGI entry point (granian in production and in `make bench`).

FrontCache answers current cached blog pages before Django runs (microhost/page_cache.py).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microhost.settings")
django_application = get_wsgi_application()

from microhost.page_cache import FrontCache  # noqa: E402  (needs the settings configured above)

application = FrontCache(django_application)

from microhost.warm_up import warm_up  # noqa: E402

warm_up()  # URLconfs, templates, Celery's sending side: not inside the first requests

# What start-up loaded lives as long as the process: keep it out of the collector's full passes (a full
# collection over the ~150-200k start-up objects took 150-270 ms in process, and lands in a p99).
gc.freeze()
