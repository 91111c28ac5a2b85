"""Webmention receiving: accepted per second at the endpoint, verified per second per worker.

    .venv/bin/python bench/webmention_receive.py            # SQLite (embedded default), and
                                                            # PostgreSQL too when DATABASE_URL is set
    .venv/bin/python bench/webmention_receive.py --quick    # fewer requests, for a smoke run

Each backend runs in its own child process on a throw-away database, media folder and filesystem
broker (MICROHOST_VAR_DIR in a temporary folder, so var/ is never touched).
- accept: POST /webmention (new source each time) through the whole middleware stack with Django's
  test client: the synchronous checks, the row INSERT and the verification job sent to the broker.
  Reference: a no-op POST view on the same host and middleware answering 202.
- verify: webmention.verify.verify_received for each stored row, sequentially, as one worker runs
  jobs (without broker overhead): fetch the source from a loopback HTTP server (a ~5 KB reply page
  with an h-entry and an author h-card), link check, mf2py, authorship, sanitising, UPDATE.
  Reference: the bare safe-fetcher GET of the same page.
- verify, batch: webmention.verify_batch.verify_due draining as many rows again, as one worker's
  job does (claim 20 at a time, 4 fetching threads, one write per batch); per s = rows ÷ the drain's
  time, so it compares with "verify: one job" in the same run.
PostgreSQL's throw-away database is named by BENCH_DB (default test_microhost_bench_wm).
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import backends  # bench/backends.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
HOST = "benchblog.bench.test"
PADDING = "<p>" + "Some words about the post, to make the page a realistic size. " * 60 + "</p>"


def _configure_django(tmp: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microhost.settings")
    os.environ.update(
        MICROHOST_DOMAIN="bench.test", MEDIA_ROOT=tmp, MICROHOST_VAR_DIR=tmp, DEBUG="0", LOG_LEVEL="ERROR",
        MICROHOST_ALLOW_PRIVATE_ADDRESSES="1",
    )  # fmt: skip
    os.environ.pop("REDIS_URL", None)  # the filesystem broker under tmp: nothing shared, no worker
    import django

    django.setup()


urlpatterns: list = []


def _install_urlconf() -> None:
    """The blog URLs plus /bench/noop: same host routing and middleware, no work."""
    from django.http import HttpResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from microhost import urls_blog

    @csrf_exempt
    def noop(request):
        return HttpResponse("Accepted\n", status=202, content_type="text/plain")

    urlpatterns[:] = [path("bench/noop", noop), *urls_blog.urlpatterns]


def _source_server(target: str) -> multiprocessing.Process:
    """A loopback site answering every path with a reply to target, in a child process (as the
    sources of scenario 7 are: their threads do not compete with the verifier's for the GIL); its
    port is the process's `port`."""
    page = f"""<!doctype html><html><head><title>Reply</title></head><body>
<article class="h-entry"><a class="u-in-reply-to" href="{target}">in reply to</a>
<div class="p-author h-card"><img class="u-photo" src="https://carol.example/me.jpg" alt="">
<a class="p-name u-url" href="https://carol.example/">Carol</a></div>
<div class="e-content"><p>Great post, <b>thanks</b>! <a href="https://else.example/">more</a></p></div>
<time class="dt-published" datetime="2026-11-20T10:00:00+00:00">yesterday</time></article>
<footer>{PADDING}</footer></body></html>""".encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    child = multiprocessing.get_context("fork").Process(target=server.serve_forever, daemon=True)
    child.start()
    server.socket.close()  # the child serves it
    child.port = server.server_address[1]
    return child


def _time(request: Callable[[int], None], count: int) -> dict:
    for n in range(3):
        request(-1 - n)  # warm-up
    latencies = []
    started = time.perf_counter()
    for n in range(count):
        begin = time.perf_counter()
        request(n)
        latencies.append(time.perf_counter() - begin)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": count / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def _measure(client, post, server, count: int) -> dict[str, dict]:
    from microhost.fetch import fetch
    from webmention.models import Received
    from webmention.verify import verify_received

    base = f"http://127.0.0.1:{server.port}"
    target = post.get_absolute_url()

    def accepted(response) -> None:
        assert response.status_code == 202, (response.status_code, response.content[:200])

    def noop(n: int) -> None:
        accepted(client.post("/bench/noop", {"source": f"{base}/ref/{n}", "target": target}))

    def accept(n: int) -> None:  # the broker send runs on commit, inside the request
        accepted(client.post("/webmention", {"source": f"{base}/reply/{n}", "target": target}))

    def fetch_only(n: int) -> None:
        assert fetch(f"{base}/fetch/{n}").status_code == 200

    ids = iter([])

    def verify(n: int) -> None:
        assert verify_received(next(ids)).state == "accepted"

    results = {"reference: no-op POST": _time(noop, count), "accept: POST /webmention": _time(accept, count)}
    ids = iter(list(Received.objects.filter(state="pending").order_by("id").values_list("id", flat=True)))
    results["reference: fetch the source"] = _time(fetch_only, count)
    results["verify: one job"] = _time(verify, count)
    results["verify: batch (drain)"] = _time_drain(post, base, count)
    return results


def _time_drain(post, base: str, count: int) -> dict:
    """Store `count` new pending rows (no job queued), then time one drain of them all."""
    from webmention.models import Received
    from webmention.receive import accept_webmention
    from webmention.verify_batch import verify_due

    target = post.get_absolute_url()
    for n in range(count):
        accept_webmention(blog=post.blog, source=f"{base}/batch/{n}", target=target, queue=lambda _id: None)
    started = time.perf_counter()
    outcomes = verify_due()
    elapsed = time.perf_counter() - started
    assert outcomes == {"accepted": count}, outcomes
    assert not Received.objects.filter(state="pending").exists()
    per_row = elapsed / count * 1000
    return {"rps": count / elapsed, "p50": per_row, "p99": float("nan")}


def _print(backend: str, results: dict[str, dict]) -> None:
    print(f"\n{backend}: one process, one thread (the batch: 4 fetching); sources: loopback, a child process")
    print(f"{'scenario':30} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'x ref p50':>10}")
    print("(the batch row's p50 is its mean time per row; it has no p99)")
    for name, row in results.items():
        ref = results["reference: no-op POST" if "POST" in name else "reference: fetch the source"]
        ratio = row["p50"] / ref["p50"]
        print(f"{name:30} {row['rps']:8.0f} {row['p50']:8.2f} {row['p99']:8.2f} {ratio:10.1f}")


def run_child(backend: str, quick: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="microhost-bench-") as tmp:
        _configure_django(tmp)
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import override_settings

        test_settings = settings.DATABASES["default"].setdefault("TEST", {})
        is_sqlite = connection.vendor == "sqlite"
        pg_name = os.environ.get("BENCH_DB", "test_microhost_bench_wm")
        test_settings["NAME"] = str(Path(tmp) / "bench.sqlite3") if is_sqlite else pg_name
        original_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            from accounts.services import create_account
            from posts.services import create_post

            user = create_account(
                username="benchblog", email="b@example.com", password=secrets.token_urlsafe(16)
            )
            post = create_post(blog=user.blog, properties={"content": ["Reply to me"]})
            server = _source_server(post.get_absolute_url())
            _install_urlconf()
            overrides = {
                "BLOG_URLCONF": __name__,
                "ALLOWED_HOSTS": ["*"],
                "WEBMENTION_SOURCE_HOST_QUOTA": 10**9,
            }
            with override_settings(**overrides):
                results = _measure(Client(HTTP_HOST=HOST), post, server, 60 if quick else 400)
            server.terminate()
            _print(f"{backend} ({connection.vendor})", results)
        finally:
            connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    backends.main(__file__, __doc__, run_child)
