"""Archive month counts (posts/archive_months.py): exact after every kind of post write."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.test.utils import CaptureQueriesContext

from posts import selectors
from posts.models import ArchiveMonth, Post
from posts.services import create_post, delete_post, undelete_post, update_post

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("posts.migrations.0004_archive_month").fill_archive_months


def stored(blog) -> list[tuple[datetime.date, int]]:
    """The rows the archive reads, newest first."""
    return list(ArchiveMonth.objects.filter(blog=blog).order_by("-month").values_list("month", "count"))


def counted(blog) -> list[tuple[datetime.date, int]]:
    """The months as grouping every listed post in the blog's zone finds them (the old archive query)."""
    rows = (
        Post.objects.for_blog(blog)
        .listed()
        .annotate(month=TruncMonth("published", tzinfo=blog.tzinfo))
        .values("month")
        .annotate(count=Count("*"))
        .order_by()
    )
    return sorted(((row["month"].date(), row["count"]) for row in rows), reverse=True)


def month(year: int, number: int) -> datetime.date:
    return datetime.date(year, number, 1)


def test_creating_posts_counts_them_in_their_month(alice, make_post):
    """Each new listed post adds one to its month."""
    make_post(alice, "One", published="2024-03-05T10:00:00+00:00")
    make_post(alice, "Two", published="2024-03-20T10:00:00+00:00")
    make_post(alice, "Three", published="2024-05-01T10:00:00+00:00")
    assert stored(alice.blog) == [(month(2024, 5), 1), (month(2024, 3), 2)] == counted(alice.blog)


def archive_statements(queries: CaptureQueriesContext) -> int:
    return sum("archivemonth" in query["sql"] for query in queries.captured_queries)


def test_a_create_costs_one_archive_statement_and_an_edit_in_the_month_none(alice, make_post):
    """A new post adds one to its month in one statement (no count of the month's posts); an edit
    that leaves it listed in the same month touches no archive row."""
    make_post(alice, "First", published="2024-03-05T10:00:00+00:00")
    with CaptureQueriesContext(connection) as queries:
        post = create_post(blog=alice.blog, properties={"content": ["Second"], "published": ["2024-03-06"]})
    assert archive_statements(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        update_post(post=post, properties={"content": ["Edited"], "published": ["2024-03-07"]})
    assert archive_statements(queries) == 0
    assert stored(alice.blog) == [(month(2024, 3), 2)] == counted(alice.blog)


def test_moving_the_published_date_moves_the_count(alice, make_post):
    """Editing published into another month recounts both: the emptied month loses its row."""
    post = make_post(alice, "Moving", published="2024-03-05T10:00:00+00:00")
    make_post(alice, "Staying", published="2024-04-05T10:00:00+00:00")
    update_post(post=post, properties={"published": ["2024-04-09T10:00:00+00:00"]})
    assert stored(alice.blog) == [(month(2024, 4), 2)] == counted(alice.blog)


def test_publishing_a_draft_counts_it(alice, make_post):
    """A draft is not listed; publishing it counts it."""
    draft = make_post(alice, "Draft", post_status="draft", published="2024-03-05T10:00:00+00:00")
    assert stored(alice.blog) == []
    update_post(post=draft, properties={"post-status": ["published"]})
    assert stored(alice.blog) == [(month(2024, 3), 1)] == counted(alice.blog)


@pytest.mark.parametrize("visibility", ["unlisted", "private"])
def test_hiding_a_post_uncounts_it_and_showing_it_counts_it_again(alice, make_post, visibility):
    """public → unlisted/private leaves the archive; back to public returns."""
    post = make_post(alice, "Seen", published="2024-03-05T10:00:00+00:00")
    make_post(alice, "Other", published="2024-03-06T10:00:00+00:00")
    update_post(post=post, properties={"visibility": [visibility]})
    assert stored(alice.blog) == [(month(2024, 3), 1)] == counted(alice.blog)
    update_post(post=post, properties={"visibility": ["public"]})
    assert stored(alice.blog) == [(month(2024, 3), 2)] == counted(alice.blog)


def test_soft_delete_and_undelete(alice, make_post):
    """A deleted post leaves its month's count; undeleting it restores the count."""
    post = make_post(alice, "Here", published="2024-03-05T10:00:00+00:00")
    delete_post(post=post)
    assert stored(alice.blog) == []
    undelete_post(post=post)
    assert stored(alice.blog) == [(month(2024, 3), 1)]


def test_delete_of_a_post_loaded_without_its_listing_fields(alice, make_post):
    """A post loaded with published deferred still recounts the right month (read from its row)."""
    make_post(alice, "Here", published="2024-03-05T10:00:00+00:00")
    make_post(alice, "There", published="2024-03-07T10:00:00+00:00")
    partial = Post.objects.only("id", "blog", "deleted_at").filter(blog=alice.blog).first()
    delete_post(post=partial)
    assert stored(alice.blog) == [(month(2024, 3), 1)] == counted(alice.blog)


def test_hard_delete_of_a_post_and_of_a_queryset(alice, make_post):
    """Deleting rows (one instance, or a queryset) recounts their months."""
    first = make_post(alice, "One", published="2024-03-05T10:00:00+00:00")
    make_post(alice, "Two", published="2024-03-06T10:00:00+00:00")
    make_post(alice, "Three", published="2024-04-06T10:00:00+00:00")
    first.delete()
    assert stored(alice.blog) == [(month(2024, 4), 1), (month(2024, 3), 1)]
    Post.objects.filter(blog=alice.blog, published__month=3).delete()
    assert stored(alice.blog) == [(month(2024, 4), 1)] == counted(alice.blog)


def test_deleting_the_account_takes_its_months(alice, bob, make_post):
    """The blog's deletion cascades to its months without a recount per post; others stay."""
    make_post(alice, "Mine", published="2024-03-05T10:00:00+00:00")
    make_post(bob, "His", published="2024-03-05T10:00:00+00:00")
    alice.delete()
    assert list(ArchiveMonth.objects.values_list("blog__subdomain", "count")) == [("bob", 1)]


def test_time_zone_change_recounts_the_blog(alice, make_post):
    """23:30 UTC on January 31st is January in UTC and February in Berlin."""
    make_post(alice, "Late", published="2024-01-31T23:30:00+00:00")
    assert stored(alice.blog) == [(month(2024, 1), 1)]
    alice.blog.timezone = "Europe/Berlin"
    alice.blog.save()
    assert stored(alice.blog) == [(month(2024, 2), 1)] == counted(alice.blog)


def test_saving_other_blog_fields_reads_no_time_zone(alice, make_post, django_assert_num_queries):
    """A save naming its fields, none the time zone, costs its UPDATE only."""
    make_post(alice, "Kept", published="2024-01-31T23:30:00+00:00")
    alice.blog.title = "New title"
    with django_assert_num_queries(1):
        alice.blog.save(update_fields=["title"])
    assert stored(alice.blog) == [(month(2024, 1), 1)]


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/Adak", "Asia/Kathmandu"])
def test_counts_are_what_grouping_the_posts_finds_in_every_zone(alice, make_post, zone):
    """Posts around month edges land where TruncMonth in the blog's zone puts them."""
    alice.blog.timezone = zone
    alice.blog.save()
    for moment in (
        "2023-12-31T23:59:00",
        "2024-01-01T00:00:00",
        "2024-02-29T13:00:00",
        "2024-03-01T09:30:00",
    ):
        make_post(alice, "Edge", published=f"{moment}+00:00")
    assert stored(alice.blog) == counted(alice.blog)
    assert sum(count for _month, count in stored(alice.blog)) == 4


def test_micropub_create_and_delete(client, alice):
    """Posts made and deleted through the Micropub endpoint are counted and uncounted."""
    response = client.post(
        "/micropub", {"h": "entry", "content": "Via Micropub", "published": "2024-03-05T10:00:00Z"}
    )
    assert response.status_code == 201
    assert stored(alice.blog) == [(month(2024, 3), 1)]
    url = response["Location"]
    deleted = client.post("/micropub", {"action": "delete", "url": url})
    assert deleted.status_code == 204
    assert stored(alice.blog) == []


def test_archive_page_shows_exact_counts(alice, make_post, blog_client, django_assert_max_num_queries):
    """The archive lists each month with its count, newest first, in two queries (host and months)."""
    for day in (5, 6):
        make_post(alice, "March", published=f"2024-03-0{day}T10:00:00+00:00")
    make_post(alice, "May", published="2024-05-01T10:00:00+00:00")
    make_post(alice, "Hidden", published="2024-05-02T10:00:00+00:00", visibility="unlisted")
    client = blog_client(alice)
    with django_assert_max_num_queries(2):
        body = client.get("/archive/").content.decode()
    assert body.index("May 2024") < body.index("March 2024")
    assert ">1 post<" in body and ">2 posts<" in body
    assert selectors.months_with_posts(alice.blog) == [(month(2024, 5), 1), (month(2024, 3), 2)]


def test_migration_backfill_counts_existing_posts(alice, bob, make_post):
    """The migration's fill computes every blog's months from its listed posts, in its zone."""
    alice.blog.timezone = "Europe/Berlin"
    alice.blog.save()
    make_post(alice, "Late", published="2024-01-31T23:30:00+00:00")
    make_post(alice, "Draft", published="2024-01-10T10:00:00+00:00", post_status="draft")
    make_post(bob, "His", published="2024-03-05T10:00:00+00:00")
    expected = {blog.pk: stored(blog) for blog in (alice.blog, bob.blog)}
    ArchiveMonth.objects.all().delete()
    backfill(apps, connection.schema_editor())
    assert {blog.pk: stored(blog) for blog in (alice.blog, bob.blog)} == expected
    assert expected[alice.blog.pk] == [(month(2024, 2), 1)]


def test_rebuild_command_repairs_counts(alice, bob, make_post, capsys):
    """rebuild_archive_months recounts every blog, or the one named; an unknown one is an error."""
    make_post(alice, "Mine", published="2024-03-05T10:00:00+00:00")
    make_post(bob, "His", published="2024-04-05T10:00:00+00:00")
    ArchiveMonth.objects.update(count=99)
    ArchiveMonth.objects.create(blog=alice.blog, month=month(2020, 1), count=3)
    call_command("rebuild_archive_months", "--blog", "alice")
    assert stored(alice.blog) == [(month(2024, 3), 1)] and stored(bob.blog) == [(month(2024, 4), 99)]
    call_command("rebuild_archive_months")
    assert stored(bob.blog) == [(month(2024, 4), 1)]
    assert "2 blogs" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("rebuild_archive_months", "--blog", "nobody")
