"""The database side of the worker-crash test, run as its own process against the scenario's
database and broker (settings from the environment, exactly like the worker it sits beside).

    python -m tests.syndication.crash_scenario setup <fake mastodon URL>
    python -m tests.syndication.crash_scenario sweep     # what beat runs every minute
    python -m tests.syndication.crash_scenario check     # prints the row and the post as JSON
"""

from __future__ import annotations

import json
import os
import sys

import django


def setup(fake_url: str) -> None:
    from django.core.management import call_command

    from accounts.services import create_account
    from posts.services import create_post
    from syndication.services.connections import save_connection

    call_command("migrate", verbosity=0)
    alice = create_account(username="alice", email="alice@example.com", password="a-long-test-password-1")
    found = {
        "server": fake_url,
        "remote_id": "7",
        "account_name": "@alice@fake",
        "options": {"max_characters": 500},
        "credentials": {"access_token": "masto-token"},
    }
    save_connection(user=alice, silo="mastodon", found=found)
    create_post(blog=alice.blog, properties={"content": ["Exactly one copy, whatever happens"]})  # enqueues


def sweep() -> None:
    from syndication.tasks import sweep as run

    run()


def check() -> None:
    from posts.models import Post
    from syndication.models import Syndication

    row = Syndication.objects.get()
    post = Post.objects.get()
    print(
        json.dumps(
            {"state": row.state, "url": row.url, "attempts": row.attempts, "syndication": post.syndication}
        )
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microhost.settings")
    django.setup()
    command, *args = sys.argv[1:]
    {"setup": setup, "sweep": sweep, "check": check}[command](*args)
