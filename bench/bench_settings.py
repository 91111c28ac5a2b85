"""Settings of the app under benchmark: the product's own, plus the suite's reference views.

Only the platform URLconf changes (bench/bench_urls.py adds /bench/…); blog hosts and everything else
are the product as deployed.
"""

from microhost.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
