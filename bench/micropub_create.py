"""Micropub create throughput and latency, in-process through the whole middleware stack.

    .venv/bin/python bench/micropub_create.py            # SQLite (embedded default), and
                                                         # PostgreSQL too when DATABASE_URL is set
    .venv/bin/python bench/micropub_create.py --quick    # fewer requests, for a smoke run

Each backend runs in its own child process (settings are read from the environment at start-up)
on a throw-away test database and media folder. Scenarios: form, form + one uploaded JPEG
(multipart, 1600x1200, processed like composer photos), JSON, JSON + photo URL. The reference is
a no-op POST view on the same blog host and middleware that inserts one Post row, so the ratios
show what Micropub itself costs on top of Django + one INSERT.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import backends  # bench/backends.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
HOST = "benchblog.bench.test"


def _configure_django(media_root: str) -> None:
    """Settings for a bench child: its own domain and media folder; no debug pages."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microhost.settings")
    os.environ.update(MICROHOST_DOMAIN="bench.test", MEDIA_ROOT=media_root, DEBUG="0", LOG_LEVEL="ERROR")
    # The bench measures the create path, not the per-token budget (R38): lift it for this process.
    os.environ.update(MICROHOST_RATE_MICROPUB="1000000/60", MICROHOST_RATE_MEDIA="1000000/60")
    import django

    django.setup()


# ---- the reference view, served from this module as the blog URLconf ------------------------
urlpatterns: list = []


def _install_urlconf() -> None:
    """The blog URLs plus /bench/noop: same host routing and middleware, one INSERT, no Micropub."""
    from django.http import HttpResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from microhost import urls_blog
    from posts.models import Post

    @csrf_exempt
    def noop(request):
        post = Post.objects.create(blog=request.blog, content=request.POST.get("content", ""))
        response = HttpResponse(status=201)
        response["Location"] = request.blog.absolute(f"/drafts/{post.uuid}/")
        return response

    urlpatterns[:] = [path("bench/noop", noop), *urls_blog.urlpatterns]


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), "teal").save(out, "JPEG")
    return out.getvalue()


def _scenarios(client, token: str) -> dict[str, Callable]:
    """name → a function making one request (asserting it was created)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    jpeg = _jpeg()
    form = "h=entry&content=Hello+bench&category[]=bench&category[]=micropub"
    props = {"content": ["Hello bench"], "category": ["bench", "micropub"]}
    body = {"type": ["h-entry"], "properties": props}
    with_url = {**body, "properties": {**body["properties"], "photo": ["https://photos.example.com/a.jpg"]}}

    def created(response):
        assert response.status_code == 201, (response.status_code, response.content[:300])

    return {
        "reference (no-op view + 1 INSERT)": lambda: created(
            client.post("/bench/noop", "content=Hello", content_type="application/x-www-form-urlencoded")
        ),
        "form": lambda: created(
            client.post("/micropub", form, content_type="application/x-www-form-urlencoded", **auth)
        ),
        "form + uploaded JPEG": lambda: created(
            client.post(
                "/micropub",
                {"h": "entry", "content": "Photo", "photo": SimpleUploadedFile("p.jpg", jpeg, "image/jpeg")},
                **auth,
            )
        ),
        "json": lambda: created(
            client.post("/micropub", json.dumps(body), content_type="application/json", **auth)
        ),
        "json + photo URL": lambda: created(
            client.post("/micropub", json.dumps(with_url), content_type="application/json", **auth)
        ),
    }


def _measure(request: Callable, count: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm caches, connections and the token's last_used_at
        request()
    reset_queries()  # request_started clears the log too; start from empty so the count is right
    with CaptureQueriesContext(connection) as captured:
        request()
    queries = len(captured)  # read now: the slice is taken lazily from a log each request clears
    latencies = []
    started = time.perf_counter()
    for _ in range(count):
        begin = time.perf_counter()
        request()
        latencies.append(time.perf_counter() - begin)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": count / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "queries": queries,
    }


def _print(backend: str, results: dict[str, dict]) -> None:
    reference = results["reference (no-op view + 1 INSERT)"]
    print(f"\n{backend}: in-process Django test client, one worker, {HOST}")
    print(f"{'scenario':36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'x ref p50':>10}")
    for name, row in results.items():
        ratio = row["p50"] / reference["p50"]
        numbers = f"{row['rps']:8.0f} {row['p50']:8.2f} {row['p99']:8.2f} {row['queries']:8d} {ratio:10.1f}"
        print(f"{name:36} {numbers}")


def run_child(backend: str, quick: bool) -> None:
    """Create a throw-away database, a user and a token, then measure every scenario."""
    with tempfile.TemporaryDirectory(prefix="microhost-bench-") as media_root:
        _configure_django(media_root)
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import override_settings

        test_settings = settings.DATABASES["default"].setdefault("TEST", {})
        is_sqlite = connection.vendor == "sqlite"
        test_settings["NAME"] = (
            str(Path(media_root) / "bench.sqlite3") if is_sqlite else "test_microhost_bench"
        )
        original_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            from accounts.services import create_account
            from accounts.tokens import mint_token

            user = create_account(
                username="benchblog", email="bench@example.com", password=secrets.token_urlsafe(16)
            )
            raw, _ = mint_token(user=user, scope="create media")
            _install_urlconf()
            counts = {"form + uploaded JPEG": 10 if quick else 40}
            with override_settings(BLOG_URLCONF=__name__, ALLOWED_HOSTS=["*"]):
                client = Client(HTTP_HOST=HOST)
                results = {
                    name: _measure(request, counts.get(name, 40 if quick else 300))
                    for name, request in _scenarios(client, raw).items()
                }
            _print(f"{backend} ({connection.vendor})", results)
        finally:
            connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    backends.main(__file__, __doc__, run_child)
