"""The has-photos and has-categories flags of a page's posts are index probes on PostgreSQL, also when
the photo and category-link tables are small: ordered as their indexes are, a whole-table scan per
post (what PostgreSQL chose for a few thousand links, expecting an early match) never wins."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from posts.models import Category, Photo, Post
from posts.selectors import _BY_ID, _POST_MARKERS, NO_POST, listed_page, posts_by_id
from tests.test_services import USE_POSTGRES
from timeline import fanout
from timeline.models import Follow, TimelineState
from timeline.selectors import _page_query

# With MICROHOST_REQUIRE_SERVICES (CI's second pass) these run, and fail without PostgreSQL; on the
# embedded SQLite there is no such planner to test.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.services,
    pytest.mark.skipif(not USE_POSTGRES, reason="PostgreSQL's planner is what is tested; SQLite has none"),
]

LINKED_POSTS, LINKS_PER_POST = 150, 10  # ~1,500 links over 150 posts: the issue 7 seed's shape


def _seed(owner, reader) -> None:
    """The reader's blog: 30 posts without photos or categories. Elsewhere, 150 posts with 10
    category links and 2 photos each; then ANALYZE, so the planner sees those shapes."""
    now = timezone.now()
    Post.objects.bulk_create(
        Post(blog=reader.blog, content=f"plain {n}", content_html=f"<p>plain {n}</p>", published=now)
        for n in range(30)
    )
    linked = Post.objects.bulk_create(
        Post(blog=owner.blog, content=f"tagged {n}", content_html=f"<p>{n}</p>", published=now)
        for n in range(LINKED_POSTS)
    )
    categories = Category.objects.bulk_create(
        Category(blog=owner.blog, name=f"c{n}", slug=f"c{n}") for n in range(LINKS_PER_POST)
    )
    Post.categories.through.objects.bulk_create(
        Post.categories.through(post=post, category=category) for post in linked for category in categories
    )
    Photo.objects.bulk_create(
        Photo(blog=owner.blog, post=post, remote_url=f"https://img.example/{post.pk}/{n}.jpg", position=n)
        for post in linked
        for n in range(2)
    )
    with connection.cursor() as cursor:
        for model in (Post, Category, Photo, Post.categories.through):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _assert_probes_use_indexes(plan: str) -> None:
    for table in (Photo._meta.db_table, Post.categories.through._meta.db_table):
        assert f"Seq Scan on {table}" not in plan, plan


def test_a_blog_pages_flags_probe_indexes(make_user, alice):
    reader = make_user("reader")
    _seed(alice, reader)
    ids = [post.pk for post in listed_page(reader.blog, 1, 20)[0]]
    assert len(posts_by_id(reader.blog, ids)) == 20  # the page's posts read whole (stale entries)
    compiled = _BY_ID._compiled_for("default", None)
    padded = ids + [NO_POST] * (len(_POST_MARKERS) - len(ids))

    plan = _plan(compiled.sql, compiled.bind(dict(zip(_POST_MARKERS, padded, strict=True)), []))

    _assert_probes_use_indexes(plan)


def test_a_timelines_flags_probe_indexes(make_user, alice):
    reader = make_user("reader")
    _seed(alice, reader)
    Follow.objects.create(user=reader, blog=reader.blog)
    TimelineState.objects.create(user=reader)
    fanout.rebuild(reader)
    query = _page_query(connection.vendor)

    plan = _plan(query.sql.format(after=""), {"user": reader.pk, "limit": 21})

    _assert_probes_use_indexes(plan)
