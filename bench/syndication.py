"""Syndication benchmark: copies delivered per second by ONE real Celery worker against the fake
Mastodon, and how long user B's single post waits while user A has 500 copies queued (fairness).

    .venv/bin/python bench/syndication.py            # 500 queued copies for A, one post for B
    .venv/bin/python bench/syndication.py --quick    # 100 copies, for a smoke run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x REDIS_URL=redis://127.0.0.1:6379/10 \
        .venv/bin/python bench/syndication.py        # PostgreSQL + Redis (a fresh database synd_bench)

Everything is throw-away: a temporary MICROHOST_VAR_DIR (SQLite file, filesystem broker) or a
fresh PostgreSQL database; the fake silo is tests/syndication/fakes/mastodon.py on loopback.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KEY = "mFcWv5rx0Gr8VvO6dBf3nS0m4o1qG2cRk7yYbq5Jz3o="


def _database() -> str:
    """A fresh PostgreSQL database next to DATABASE_URL's, or "" for the SQLite default."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        return ""
    import dj_database_url
    import psycopg

    parts = dj_database_url.parse(base)
    dsn = f"host={parts['HOST']} port={parts['PORT'] or 5432} user={parts['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "synd_bench" WITH (FORCE)')
        conn.execute('CREATE DATABASE "synd_bench"')
    return base.rsplit("/", 1)[0] + "/synd_bench"


def _configure(var_dir: str) -> None:
    database = _database()
    if database:
        os.environ["DATABASE_URL"] = database
    if os.environ.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="microhost.settings",
        MICROHOST_VAR_DIR=var_dir,
        MICROHOST_ALLOW_PRIVATE_ADDRESSES="1",
        MICROHOST_ENCRYPTION_KEY=KEY,
        MICROHOST_SYNDICATION_DELAY_SECONDS="0",
        MICROHOST_DOMAIN="bench.test",
        LOG_LEVEL="ERROR",
    )


def _worker() -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "microhost",
        "worker",
        "--pool=solo",
        "-Q",
        "syndication",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "ERROR",
    ]
    return subprocess.Popen(  # noqa: S603 (our own worker command)
        command, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _user(name: str, fake_url: str):
    from accounts.services import create_account
    from syndication.services.connections import save_connection

    user = create_account(username=name, email=f"{name}@example.com", password="a-long-bench-password-1")  # noqa: S106
    found = {
        "server": fake_url,
        "remote_id": name,
        "account_name": f"@{name}@fake",
        "options": {},
        "credentials": {"access_token": "masto-token"},
    }
    save_connection(user=user, silo="mastodon", found=found)
    return user


def _done(user) -> int:
    from syndication.models import Syndication

    return Syndication.objects.filter(user=user, state="done").count()


def run(backlog: int) -> dict:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from posts.services import create_post
    from syndication.models import Syndication
    from tests.syndication.fakes.mastodon import FakeMastodon

    fake = FakeMastodon().start()
    alice, bob = _user("alice", fake.url), _user("bob", fake.url)
    for n in range(backlog):  # queued before the worker starts: A's backlog
        create_post(
            blog=alice.blog, properties={"content": [f"Backlog post {n} with a link https://example.com/{n}"]}
        )
    worker = _worker()
    try:
        while _done(alice) < 10:  # the worker is warm and draining A's backlog
            time.sleep(0.01)
        started, done_then = time.monotonic(), _done(alice)
        bobs_post = create_post(blog=bob.blog, properties={"content": ["Bob's only post"]})
        while _done(bob) < 1:
            time.sleep(0.005)
        bob_delay = time.monotonic() - started
        alice_during = _done(alice) - done_then
        while _done(alice) < backlog:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        rate = (backlog - done_then + 1) / elapsed
    finally:
        worker.terminate()
        worker.wait(30)
        fake.stop()
    assert len(fake.statuses) == backlog + 1 == Syndication.objects.filter(state="done").count()
    assert Syndication.objects.get(post=bobs_post).url
    return {
        "rate": rate,
        "bob_delay": bob_delay,
        "alice_during": alice_during,
        "fifo_estimate": (backlog - done_then) / rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 queued copies instead of 500")
    args = parser.parse_args()
    backlog = 100 if args.quick else 500
    with tempfile.TemporaryDirectory() as var_dir:
        _configure(var_dir)
        result = run(backlog)
    backend = "PostgreSQL + Redis" if os.environ.get("REDIS_URL") else "SQLite + filesystem broker"
    print(f"syndication bench ({backend}, one worker, --pool=solo, fake Mastodon on loopback)")
    print(f"  copies delivered per second:             {result['rate']:.1f}")
    print(
        f"  B's single post, A has {backlog} queued:     delivered after {result['bob_delay']:.2f} s "
        f"({result['alice_during']} of A's copies went out meanwhile)"
    )
    print(f"  the same post in a plain FIFO queue:     ~{result['fifo_estimate']:.1f} s (A's backlog / rate)")


if __name__ == "__main__":
    main()
