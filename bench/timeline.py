"""Timeline read latency (fan-out on read vs the materialised table) and feed polls per CPU hour.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/timeline.py
    .venv/bin/python bench/timeline.py --polls-only          # SQLite, polling part only
    .venv/bin/python bench/timeline.py --quick               # small sizes, a smoke run

(1) Latency, PostgreSQL only: a throw-away database seeded with server-side SQL (generate_series,
no ORM) with --users users/blogs and --posts posts; four readers follow 10, 100, 1,000 and 5,000
blogs. Each reader's materialised timeline is built by the product's own fanout.rebuild(). For each
size we time (p50/p99 over --reads reads of the first page, 20 items):
  - reference: one primary-key lookup of a post (what any page costs at least);
  - fan-out on read: public posts of followed blogs, newest first (the query the table replaces);
  - materialised: the TimelineItem range scan (index timeline_newest);
  - timeline_page: the whole selector the page uses (items + posts + photos + categories).
(2) Polls: a loopback farm of --feeds feeds in a child process: 19/24 answer 304 to If-None-Match
(1/24 of them after 50 ms), 1/12 change on every request (parsed), 1/12 send the same body without
validators (hash-skipped, never parsed), 1/24 fail with 500. One warm-up round (every feed
is new), then measured rounds through timeline.polling.poll_feed; CPU time of this process only.
Reference: the same farm fetched with microhost.fetch alone (no database, no parsing).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (10, 100, 1000, 5000)


def setup_django(tmp: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microhost.settings")
    os.environ.update(MICROHOST_DOMAIN="bench.test", MEDIA_ROOT=tmp, DEBUG="0", LOG_LEVEL="ERROR",
                      MICROHOST_ALLOW_PRIVATE_ADDRESSES="1")  # fmt: skip
    import django

    django.setup()


def test_database(tmp: str):
    """Create a throw-away database (like the micropub bench); returns a function that drops it."""
    from django.conf import settings
    from django.db import connection

    sqlite = connection.vendor == "sqlite"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        str(Path(tmp) / "bench.sqlite3") if sqlite else "test_microhost_bench_timeline"
    )
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return lambda: connection.creation.destroy_test_db(original, verbosity=0)


# ---- (1) latency ---------------------------------------------------------------------------------
SEED_SQL = [
    """INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
        is_active, date_joined, display_name, bio, avatar)
       SELECT '!', false, 'u' || g, '', '', 'u' || g || '@bench.test', false, true, now(), '', '', ''
       FROM generate_series(1, %(users)s) g""",
    """INSERT INTO accounts_blog (user_id, subdomain, title, description, timezone, changed_at)
       SELECT id, username, '', '', 'UTC', now() FROM accounts_user""",
    """INSERT INTO posts_post (blog_id, uuid, kind, name, summary, content, content_is_html, content_html,
        status, visibility, published, created_at, slug, path, in_reply_to, like_of, repost_of, bookmark_of,
        syndication, syndicate_to, extra_properties)
       SELECT b.min + (g %% %(users)s), gen_random_uuid(), 'note', '', '', 'post ' || g, false,
        '<p>post ' || g || '</p>', 'published', 'public', now() - g * interval '7 seconds'
        - (random() * interval '5 seconds'), now(), '', '/p/' || g || '/', '', '', '', '', '[]', '[]', '{}'
       FROM generate_series(1, %(posts)s) g, (SELECT min(id) AS min FROM accounts_blog) b""",
    "ANALYZE",
]


def seed(users: int, posts: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in SEED_SQL:
            cursor.execute(sql, {"users": users, "posts": posts})
    return time.perf_counter() - started


def make_reader(follows: int, users: int):
    """A reader following `follows` blogs spread over all users, with a built timeline."""
    from django.db import connection

    from accounts.models import User
    from timeline import fanout
    from timeline.models import TimelineState

    reader = User.objects.create(username=f"reader{follows}", email=f"r{follows}@bench.test")
    step = max(1, users // follows)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO timeline_follow (user_id, blog_id, channel, created_at)
               SELECT %s, b.id, 'default', now() FROM accounts_blog b
               WHERE b.id %% %s = 0 AND b.user_id <> %s ORDER BY b.id LIMIT %s""",
            [reader.pk, step, reader.pk, follows],
        )
    TimelineState.objects.create(user=reader)
    fanout.rebuild(reader)
    return reader


def timed(fn, reads: int) -> dict:
    """p50/p99 in ms; a full collection first, so one size's garbage does not land in the next's p99."""
    gc.collect()
    for _ in range(5):
        fn()
    samples = []
    for _ in range(reads):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p99": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
    }


def latency(args) -> None:
    from django.db import connection

    from posts.models import Post
    from timeline import selectors
    from timeline.models import Follow, TimelineItem

    print(f"seeding {args.users:,} users and {args.posts:,} posts with generate_series …", flush=True)
    print(f"seeded in {seed(args.users, args.posts):.1f} s")
    any_post = Post.objects.values_list("pk", flat=True).first()
    readers = {size: make_reader(size, args.users) for size in SIZES}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # statistics as a running site has them
    rows, plans = [], {}
    for size, reader in readers.items():
        followed = Follow.objects.filter(user=reader, blog__isnull=False).values("blog_id")
        read_query = Post.objects.listed().filter(blog__in=followed).order_by("-published", "-id")[:20]
        table_query = TimelineItem.objects.filter(user=reader).order_by("-published", "-id")[:20]
        results = {
            "reference (pk lookup)": timed(lambda: list(Post.objects.filter(pk=any_post)), args.reads),
            "fan-out on read": timed(lambda q=read_query: list(q.all()), args.reads),
            "materialised": timed(lambda q=table_query: list(q.all()), args.reads),
            "timeline_page": timed(lambda r=reader: selectors.timeline_page(r), args.reads),
        }
        rows.append((size, results))
        if size == SIZES[-1]:
            for name, query in (("fan-out on read", read_query), ("materialised", table_query)):
                sql, params = query.query.sql_with_params()
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql, params)
                    plans[name] = "\n".join(row[0] for row in cursor.fetchall())
    print("\n| follows | reference p50/p99 ms | fan-out on read p50/p99 ms | materialised p50/p99 ms "
          "| timeline_page p50/p99 ms |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|")
    for size, r in rows:
        cells = " | ".join(f"{r[k]['p50']:.2f} / {r[k]['p99']:.2f}" for k in r)
        print(f"| {size:,} | {cells} |")
    first, last = rows[0][1], rows[-1][1]
    for name in ("fan-out on read", "materialised", "timeline_page"):
        print(
            f"{name}: p99 at {SIZES[-1]:,} follows = {last[name]['p99'] / first[name]['p99']:.2f}× p99 at 10"
        )
    for name, plan in plans.items():
        print(f"\nplan, {name}, {SIZES[-1]:,} follows:\n{plan}")


# ---- (2) polls --------------------------------------------------------------------------------------
def rss(n: int, version: int) -> bytes:
    items = "".join(
        f"<item><title>Item {i} of feed {n}</title><link>http://127.0.0.1/f/{n}/{i}</link>"
        f"<guid>f{n}-{i}</guid><pubDate>Mon, 16 Nov 2026 09:{i:02d}:00 +0000</pubDate>"
        f"<description>&lt;p&gt;Body {i} v{version}&lt;/p&gt;</description></item>"
        for i in range(version, version + 10)
    )
    head = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
    return f"{head}{items}</channel></rss>".encode()


class FarmHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    counter: Counter = Counter()

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        n = int(self.path.split("/")[2])
        kind = n % 24
        if kind in (16, 17):  # changes on every request
            FarmHandler.counter[n] += 1
            return self.send(200, rss(n, FarmHandler.counter[n]), etag=False)
        if kind in (18, 19):
            return self.send(200, rss(n, 0), etag=False)  # same body, no validators
        if kind == 20:
            return self.send(500, b"oops", etag=False)
        if kind == 21:
            time.sleep(0.05)
        if self.headers.get("If-None-Match") == f'"v{n}"':
            return self.send(304, b"", etag=True, n=n)
        return self.send(200, rss(n, 0), etag=True, n=n)

    def send(self, status: int, body: bytes, *, etag: bool, n: int = 0) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/rss+xml")
        if etag:
            self.send_header("ETag", f'"v{n}"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        """Quiet."""


def farm(port_file: str) -> None:
    """Child process: serve the farm until killed."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FarmHandler)
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


def polls(args) -> None:
    from accounts.models import User
    from microhost.fetch import fetch
    from timeline.models import Feed, Follow
    from timeline.polling import poll_feed

    with tempfile.NamedTemporaryFile() as port_file:
        child = subprocess.Popen([sys.executable, __file__, "--farm", port_file.name])  # noqa: S603
        try:
            while not Path(port_file.name).read_text():
                time.sleep(0.05)
            base = f"http://127.0.0.1:{Path(port_file.name).read_text()}"
            reader = User.objects.create(username="pollreader", email="p@bench.test")
            feeds = Feed.objects.bulk_create(Feed(url=f"{base}/f/{n}/") for n in range(args.feeds))
            Follow.objects.bulk_create(Follow(user=reader, feed=f) for f in feeds)
            ids = list(Feed.objects.values_list("pk", flat=True))
            print(f"\nwarm-up: first poll of {len(ids):,} feeds …", flush=True)
            for pk in ids:
                poll_feed(pk)
            statuses: Counter = Counter()
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.rounds):
                for pk in ids:
                    statuses[poll_feed(pk).status] += 1
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            total = sum(statuses.values())
            urls = [f"{base}/f/{n}/" for n in range(args.feeds) if n % 24 < 16][:2000]
            ref_cpu = time.process_time()
            for url in urls:
                fetch(url, headers={"If-None-Match": f'"v{url.rstrip("/").rsplit("/", 1)[1]}"'})
            ref_cpu = time.process_time() - ref_cpu
        finally:
            child.kill()
    per_hour = total / cpu * 3600
    ref_per_hour = len(urls) / ref_cpu * 3600
    print(f"polls: {total:,} in {wall:.1f} s wall, {cpu:.1f} s CPU → {per_hour:,.0f} polls/hour/core")
    print(f"statuses: {dict(statuses)}")
    print(f"reference (microhost.fetch of a 304, no DB): {ref_per_hour:,.0f} fetches/hour/core; "
          f"poll = {ref_per_hour / per_hour:.2f}× its CPU cost")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--farm", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--feeds", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--polls-only", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.farm:
        farm(args.farm)
        return
    if args.quick:
        args.users, args.posts, args.reads, args.feeds, args.rounds = 6000, 50_000, 50, 240, 1
    with tempfile.TemporaryDirectory(prefix="microhost-bench-") as tmp:
        setup_django(tmp)
        drop = test_database(tmp)
        try:
            from django.db import connection

            if connection.vendor == "postgresql" and not args.polls_only:
                latency(args)
            elif not args.polls_only:
                print("DATABASE_URL is not PostgreSQL: skipping the latency part.")
            polls(args)
        finally:
            drop()


if __name__ == "__main__":
    main()
