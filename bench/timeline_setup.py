"""Scenario 1's readers, made inside the app's own environment (run by bench/scenario_timeline.py).

    python bench/timeline_setup.py 10 100 1000 5000   # prints {"10": "<session key>", …} as JSON

Each reader follows N seeded blogs spread over all of them (inserted with SQL), gets a built
timeline from the product's own fanout.rebuild() and a logged-in session (Django's session store).
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Blog, User  # noqa: E402
from timeline import fanout  # noqa: E402
from timeline.models import TimelineState  # noqa: E402


def reader(follows: int) -> User:
    user = User.objects.create(username=f"reader{follows}", email=f"reader{follows}@bench.test")
    Blog.objects.create(user=user, subdomain=user.username)
    blogs = Blog.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO timeline_follow (user_id, blog_id, channel, created_at)
               SELECT %s, b.id, 'default', now() FROM accounts_blog b
               WHERE b.id %% %s = 0 AND b.user_id <> %s ORDER BY b.id LIMIT %s""",
            [user.pk, max(1, blogs // follows), user.pk, follows],
        )
    fanout.rebuild(user)
    now = timezone.now()
    TimelineState.objects.create(user=user, last_seen_at=now, built_at=now)
    return user


def session_for(user: User) -> str:
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


if __name__ == "__main__":
    from timeline.models import Follow

    sessions, follows = {}, {}
    for size in map(int, sys.argv[1:]):
        user = User.objects.filter(username=f"reader{size}").first() or reader(size)
        sessions[size] = session_for(user)
        follows[size] = Follow.objects.filter(user=user).count()  # fewer than asked when the seed is small
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE timeline_follow; ANALYZE timeline_timelineitem")
    print(json.dumps({"cookie": settings.SESSION_COOKIE_NAME, "sessions": sessions, "follows": follows}))
