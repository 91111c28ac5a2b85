"""CPU per uncached ("cold") blog page, in process: what scenario 3's "app uncached" column pays per request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/render_pages.py
    .venv/bin/python bench/render_pages.py --save before.json       # remember these figures
    .venv/bin/python bench/render_pages.py --compare before.json    # … and print after ÷ before
    .venv/bin/python bench/render_pages.py --profile home:10000     # pyinstrument profile of one case
    .venv/bin/python bench/render_pages.py --responses 700 --only responses   # a much-answered permalink
    .venv/bin/python bench/render_pages.py --stale      # every stored rendering stale on every request

A throw-away database (<db>_render_bench, or SQLite under a temporary folder) holds two blogs shaped
like the suite's seed (bench/harness.py): 10 and 10,000 notes of ~250 characters of HTML (with
--tagged, also two categories each and a photo on every fourth, as lived-in blogs have). Each page
(home, permalink, archive, RSS, Atom, JSON Feed) is fetched through the whole middleware stack with
Django's test client, page cache off and host lookup cached (as scenario 3's "uncached" app runs; here
in the process-local cache), after --warmup fetches; the figure is time.process_time() per
request over --requests requests (this process only: PostgreSQL's own CPU is not counted), and the
number of queries one request makes. No network, no wrk: robust on a busy machine. With --responses N,
another post of the 10-post blog gets N shown responses (70 % replies, a fifth of them answering an
earlier reply; 20 % likes; 5 % reposts; 5 % mentions) and its permalink is the case
"permalink-responses:10".
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = "bench.test"
BLOGS = (("small", 10), ("big", 10_000))
PAGES = {"home": "/", "permalink": None, "archive": "/archive/", "rss": "/feed.xml", "atom": "/feed.atom",
         "json": "/feed.json"}  # fmt: skip
CONTENT = "<p>Post {n}. " + "Some words about the day, a link or two and a thought. " * 4 + "</p>"


def setup_django(tmp: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microhost.settings")
    os.environ.update(MICROHOST_DOMAIN=DOMAIN, MEDIA_ROOT=tmp, DEBUG="0", LOG_LEVEL="ERROR",
                      MICROHOST_PAGE_CACHE="0", MICROHOST_HOST_CACHE="1")  # fmt: skip
    import django

    django.setup()


def test_database(tmp: str):
    """Create a throw-away database; returns a function that drops it."""
    from django.conf import settings
    from django.db import connection

    name = connection.settings_dict["NAME"]
    sqlite = connection.vendor == "sqlite"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        str(Path(tmp) / "bench.sqlite3") if sqlite else f"{name}_render_bench"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return lambda: connection.creation.destroy_test_db(name, verbosity=0)


def tag_and_illustrate(blog, posts: list) -> None:
    """--tagged: two of five categories on every post, a (remote) photo on every fourth."""
    from posts.models import Category, Photo, Post

    categories = Category.objects.bulk_create(
        [Category(blog=blog, name=f"Topic {n}", slug=f"topic-{n}") for n in range(5)]
    )
    links = [
        Post.categories.through(post_id=post.pk, category_id=categories[(i + k) % 5].pk)
        for i, post in enumerate(posts)
        for k in (0, 1)
    ]
    Post.categories.through.objects.bulk_create(links, batch_size=5000)
    photos = [
        Photo(blog=blog, post=post, remote_url=f"https://img.example/{post.pk}.jpg", alt="A photo")
        for post in posts[::4]
    ]
    Photo.objects.bulk_create(photos, batch_size=5000)


def respond(post, count: int) -> None:
    """`count` verified, shown responses to `post`, as a post that went viral collects them."""
    import datetime

    from webmention.models import Received

    kinds = ["reply"] * 14 + ["like"] * 4 + ["repost", "mention"]
    rows = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        url = f"https://site{n}.example/r/{n}"
        answers = [f"https://site{n - 20}.example/r/{n - 20}"] if kind == "reply" and n % 5 == 0 else []
        rows.append(
            Received(
                blog=post.blog, post=post, target=post.get_absolute_url(), source=url, url=url,
                source_host=f"site{n}.example", kind=kind, state="accepted", approved=True,
                author_name=f"Person {n}", author_url=f"https://site{n}.example/",
                author_photo=f"https://site{n}.example/me.jpg" if n % 3 else "",
                content_html=f"<p>Reply {n}: " + "a few words back about it, " * 4 + "</p>",
                reply_to=answers, published=post.published + datetime.timedelta(minutes=n),
            )
        )  # fmt: skip
    Received.objects.bulk_create(rows, batch_size=2000)


def seed(tagged: bool = False, responses: int = 0) -> dict[str, str]:
    """Both blogs with bulk_create; returns each blog's permalink path (its middle post), and with
    `responses` the path of the 10-post blog's post that has them ("responses")."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from accounts.models import Blog, User
    from posts import archive_months
    from posts.models import Post

    now = timezone.now()
    permalinks = {}
    for username, count in BLOGS:
        user = User.objects.create(
            username=username, email=f"{username}@{DOMAIN}", display_name=username.title()
        )
        blog = Blog.objects.create(user=user, subdomain=username, title=f"The {username} blog")
        posts = []
        for n in range(1, count + 1):
            published = now - datetime.timedelta(seconds=13 * n)
            path = published.strftime("/%Y/%m/%d/") + f"p{n}/"
            html = CONTENT.format(n=n)
            fields = {"published": published, "created_at": published, "slug": f"p{n}", "path": path}
            posts.append(Post(blog=blog, kind="note", content=f"Post {n}", content_html=html, **fields))
        Post.objects.bulk_create(posts, batch_size=2000)
        archive_months.rebuild(blog)  # bulk_create sends no signals: count the archive's months
        if tagged:
            tag_and_illustrate(blog, posts)
        permalinks[username] = posts[count // 2].path
        if responses and count == 10:
            respond(posts[1], responses)
            permalinks["responses"] = posts[1].path
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # a settled table: index-only scans, as autovacuum leaves it
    return permalinks


def cases(permalinks: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, host, path) for every page of every blog."""
    found = [
        (f"{page}:{count}", f"{username}.{DOMAIN}", path or permalinks[username])
        for username, count in BLOGS
        for page, path in PAGES.items()
    ]
    if "responses" in permalinks:
        found.append(("permalink-responses:10", f"small.{DOMAIN}", permalinks["responses"]))
    return found


def measure(client, host: str, path: str, requests: int, warmup: int) -> tuple[float, float, int]:
    """CPU and wall-clock milliseconds per request (wall includes the database's time), and queries."""
    from django.db import connection

    for _ in range(warmup):
        assert client.get(path, HTTP_HOST=host).status_code == 200, (host, path)
    queries = []  # counted by a wrapper: the test client's request_started signal resets connection.queries
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        client.get(path, HTTP_HOST=host)
    gc.collect()
    started, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        client.get(path, HTTP_HOST=host)
    cpu, wall = time.process_time() - started, time.perf_counter() - wall
    return cpu * 1000 / requests, wall * 1000 / requests, len(queries)


def profile(client, host: str, path: str, requests: int) -> None:
    from pyinstrument import Profiler

    for _ in range(20):
        client.get(path, HTTP_HOST=host)
    with Profiler(interval=0.0002) as profiler:
        for _ in range(requests):
            client.get(path, HTTP_HOST=host)
    print(profiler.output_text(unicode=True, color=False, show_all=os.environ.get("PROFILE_ALL") == "1"))


def always_stale() -> None:
    """--stale: a new renderer fingerprint for every request, so each page renders and stores every
    post it shows, as the first page after a deploy or a change to the blog's settings does."""
    import itertools

    from posts import stored_renderings

    counter = itertools.count()
    stored_renderings.renderer_fingerprint = lambda: f"bench-{next(counter)}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per page first")
    parser.add_argument("--save", help="write the figures to this JSON file")
    parser.add_argument("--compare", help="print after ÷ before against figures saved with --save")
    parser.add_argument("--profile", help="profile one case (e.g. home:10000) instead of measuring")
    parser.add_argument("--only", help="measure only cases whose label contains this")
    parser.add_argument("--tagged", action="store_true", help="posts with categories and some photos")
    parser.add_argument("--responses", type=int, default=0, help="responses to one post of the 10-post blog")
    parser.add_argument(
        "--stale", action="store_true", help="every request finds every stored rendering stale (worst case)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
        from django.test import Client

        drop = test_database(tmp)
        try:
            all_cases = cases(seed(args.tagged, args.responses))
            if args.stale:
                always_stale()
            client = Client()
            if args.profile:
                _label, host, path = next(c for c in all_cases if c[0] == args.profile)
                profile(client, host, path, args.requests)
                return
            before = json.loads(Path(args.compare).read_text()) if args.compare else {}
            figures = {}
            print(
                "| page:posts | CPU ms / request | wall ms | queries | req/s per core (CPU) "
                "| after ÷ before (CPU) |"
            )
            print("|---|---:|---:|---:|---:|---:|")
            for label, host, path in all_cases:
                if args.only and args.only not in label:
                    continue
                ms, wall, queries = measure(client, host, path, args.requests, args.warmup)
                figures[label] = {"ms": ms, "wall_ms": wall, "queries": queries}
                ratio = f"{ms / before[label]['ms']:.2f}" if label in before else "–"
                print(
                    f"| {label} | {ms:.2f} | {wall:.2f} | {queries} | {1000 / ms:,.0f} | {ratio} |",
                    flush=True,
                )
            if args.save:
                Path(args.save).write_text(json.dumps(figures, indent=2))
        finally:
            drop()


if __name__ == "__main__":
    main()
