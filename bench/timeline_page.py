"""CPU per logged-in /timeline/ request vs scenario 1's reference, in process (issue 7, scenario 1).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_t REDIS_URL=redis://127.0.0.1:6379/12 \
        .venv/bin/python bench/timeline_page.py
    … --save before.json        # remember these figures
    … --compare before.json     # … and print after ÷ before
    … --profile app:1000:1      # pyinstrument profile of one case (side:follows:page)
    … --keep, then --reuse      # seed once (~30 s), measure again on the kept database

A throw-away PostgreSQL database (<db>_timeline_page; <db> must start with "bench_") is seeded with
server-side SQL shaped like the suite's (bench/harness.py: --users users and blogs, --posts posts of
~250 characters); readers following 10, 100, 1,000 and 5,000 blogs get their timelines from the
product's own fanout.rebuild(), as bench/timeline_setup.py makes them. Each reader, logged in with
force_login, fetches through the whole middleware stack (bench/bench_settings.py, the suite's URLconf):
  - app: GET /timeline/ (page 1) and the page the "Older" link leads to four times (page 5);
  - reference: GET /bench/reference/timeline/ (same template, 20 items loaded once per process).
The figure is time.process_time() per request over --requests requests, app and reference
interleaved in blocks so machine noise lands on both; and the queries one request makes.
"""

# SQL here is built from the suite's own constants and numbers, never from outside input.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SIZES = (10, 100, 1000, 5000)
REFERENCE = "/bench/reference/timeline/"
NEXT = re.compile(r'href="\?before=([^"]+)"')
BLOCK = 10  # requests per side before switching


def setup_django(tmp: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")
    os.environ.update(MICROHOST_DOMAIN="bench.test", MEDIA_ROOT=tmp, DEBUG="0", LOG_LEVEL="ERROR")
    import django

    django.setup()


def test_database():
    """Create the throw-away database; returns a function that drops it."""
    from django.conf import settings
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or not name.startswith("bench_"):
        sys.exit("DATABASE_URL must name a PostgreSQL database bench_<you> (never bench or test)")
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"{name}_timeline_page"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return lambda: connection.creation.destroy_test_db(name, verbosity=0)


def seed(users: int, posts: int) -> None:
    """Users, blogs and posts like the suite's seed (skewed authors), with generate_series."""
    from django.db import connection
    from seeding import POST_COLUMNS, POST_VALUES

    ts = "(now() - g * interval '13 seconds')"
    statements = [
        f"""INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
            is_staff, is_active, date_joined, display_name, bio, avatar)
            SELECT '!', false, 'u' || g, '', '', 'u' || g || '@bench.test', false, true, now(), 'User ' || g,
            '', '' FROM generate_series(1, {users}) g""",
        """INSERT INTO accounts_blog (user_id, subdomain, title, description, timezone, changed_at)
           SELECT id, username, '', '', 'UTC', now() FROM accounts_user""",
        f"""INSERT INTO posts_post ({POST_COLUMNS})
            SELECT {POST_VALUES.format(blog=f"b.min + floor(power(random(), 3) * {users})::bigint", ts=ts)}
            FROM generate_series(1, {posts}) g, (SELECT min(id) AS min FROM accounts_blog) b""",
        "ANALYZE",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql.replace("%", "%%"))


def make_readers() -> dict:
    """The scenario's readers, made exactly as bench/timeline_setup.py makes them."""
    from django.db import connection
    from timeline_setup import reader

    readers = {size: reader(size) for size in SIZES}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return readers


def page_paths(client) -> dict[int, str]:
    """Page 1 and, following the "Older" links, page 5."""
    paths, path = {1: "/timeline/"}, "/timeline/"
    for _ in range(2, 6):
        found = NEXT.search(client.get(path).content.decode())
        if not found:
            return paths
        path = "/timeline/?before=" + found.group(1).replace("&amp;", "&")
    paths[5] = path
    return paths


def count_queries(client, path: str) -> int:
    from django.db import connection

    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        assert client.get(path).status_code == 200, path
    return len(queries)


def measure(client, paths: dict[str, str], requests: int, warmup: int) -> dict[str, float]:
    """CPU ms per request of each side, measured in interleaved blocks."""
    for path in paths.values():
        for _ in range(warmup):
            assert client.get(path).status_code == 200, path
    spent = dict.fromkeys(paths, 0.0)
    gc.collect()
    for _ in range(requests // BLOCK):
        for side, path in paths.items():
            started = time.process_time()
            for _ in range(BLOCK):
                client.get(path)
            spent[side] += time.process_time() - started
    return {side: cpu * 1000 / (requests // BLOCK * BLOCK) for side, cpu in spent.items()}


def profile(client, path: str, requests: int) -> None:
    from pyinstrument import Profiler

    for _ in range(20):
        client.get(path)
    with Profiler(interval=0.0002) as profiler:
        for _ in range(requests):
            client.get(path)
    print(profiler.output_text(unicode=True, color=False, show_all=os.environ.get("PROFILE_ALL") == "1"))


def run(args, readers: dict) -> None:
    from django.test import Client

    before = json.loads(Path(args.compare).read_text()) if args.compare else {}
    figures = {}
    print("| follows | page | app CPU ms | reference CPU ms | app ÷ reference | queries app / ref "
          "| app after ÷ before |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, user in readers.items():
        client = Client(HTTP_HOST=args.host)
        client.force_login(user)
        for page, path in page_paths(client).items():
            label = f"{size}:{page}"
            if args.profile:
                side, want = args.profile.split(":", 1)
                if want == label:
                    profile(client, REFERENCE if side == "reference" else path, args.requests)
                    return
                continue
            cpu = measure(client, {"app": path, "reference": REFERENCE}, args.requests, args.warmup)
            queries = (count_queries(client, path), count_queries(client, REFERENCE))
            figures[label] = {**cpu, "queries": queries}
            was = f"{cpu['app'] / before[label]['app']:.2f}" if label in before else "–"
            print(f"| {size:,} | {page} | {cpu['app']:.2f} | {cpu['reference']:.2f} "
                  f"| {cpu['app'] / cpu['reference']:.2f} | {queries[0]} / {queries[1]} | {was} |",
                  flush=True)  # fmt: skip
    if args.save:
        Path(args.save).write_text(json.dumps(figures, indent=2))


def reuse_database():
    """Point the connection at a database kept by an earlier --keep run."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if not name.startswith("bench_"):
        sys.exit("DATABASE_URL must name a PostgreSQL database bench_<you>")
    connection.close()
    connection.settings_dict["NAME"] = f"{name}_timeline_page"
    return lambda: None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=6000, help="seeded users and blogs (≥ 5,000)")
    parser.add_argument("--posts", type=int, default=300_000, help="seeded posts")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per side and case")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per side first")
    parser.add_argument("--save", help="write the figures to this JSON file")
    parser.add_argument("--compare", help="print after ÷ before against figures saved with --save")
    parser.add_argument("--profile", help="profile one case, side:follows:page (e.g. app:1000:1)")
    parser.add_argument("--host", default="bench.test", help="the platform host")
    parser.add_argument("--keep", action="store_true", help="keep the database (reuse with --reuse)")
    parser.add_argument("--reuse", action="store_true", help="reuse a database kept with --keep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
        from django.core.cache import cache

        cache.clear()
        drop = reuse_database() if args.reuse else test_database()
        try:
            if args.reuse:
                from accounts.models import User

                readers = {size: User.objects.get(username=f"reader{size}") for size in SIZES}
            else:
                seed(args.users, args.posts)
                readers = make_readers()
            run(args, readers)
        finally:
            if not args.keep:
                drop()


if __name__ == "__main__":
    main()
