"""The timeline table's indexes on post, entry, blog and feed skip the rows where that column is empty
(an item is a post or an entry, never both), and the two uniqueness rules still hold. The database
checks an item's post and entry; its user, blog and feed are left to Django's cascades."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from timeline import fanout
from timeline.models import Feed, FeedEntry, Follow, TimelineItem, TimelineState

SOURCE_COLUMNS = ("post_id", "entry_id", "blog_id", "feed_id")


def index_definitions() -> list[str]:
    """The CREATE INDEX text of every index on the timeline table (not the primary key)."""
    table = TimelineItem._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [table])
        else:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        return [row[0] for row in cursor.fetchall() if "pkey" not in row[0]]


@pytest.mark.django_db
def test_every_index_on_a_source_column_skips_rows_where_it_is_empty():
    definitions = index_definitions()
    by_column = {
        column: [d for d in definitions if f'"{column}"' in d or f"({column}" in d or f" {column})" in d]
        for column in SOURCE_COLUMNS
    }
    for column, found in by_column.items():
        assert found, f"no index on {column}: {definitions}"
        for definition in found:
            assert "WHERE" in definition and "IS NOT NULL" in definition, definition
            assert column in definition.split("WHERE", 1)[1], definition


@pytest.mark.django_db
def test_a_post_and_an_entry_each_appear_once_per_user(make_user, make_post, alice):
    reader = make_user("reader")
    post = make_post(alice, "Once")
    feed = Feed.objects.create(url="https://example.org/feed")
    entry = FeedEntry.objects.create(
        feed=feed, key="e1", key_hash="e1", content_hash="x", published=timezone.now()
    )
    TimelineItem.objects.create(user=reader, published=post.published, post=post, blog=alice.blog)
    TimelineItem.objects.create(user=reader, published=entry.published, entry=entry, feed=feed)
    for duplicate in (
        {"post": post, "blog": alice.blog, "published": post.published},
        {"entry": entry, "feed": feed, "published": entry.published},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            TimelineItem.objects.create(user=reader, **duplicate)
    # The fan-outs' ON CONFLICT DO NOTHING still meets them: running again writes nothing.
    Follow.objects.create(user=reader, feed=feed)
    TimelineState.objects.create(user=reader)
    assert fanout.fan_out_entries(feed, [entry]) == 0
    assert TimelineItem.objects.filter(user=reader).count() == 2


@pytest.mark.django_db
def test_the_database_checks_an_items_post_and_entry_and_nothing_else():
    table = TimelineItem._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    checked = {column for c in constraints.values() if c["foreign_key"] for column in c["columns"]}
    assert checked == {"post_id", "entry_id"}


@pytest.mark.django_db
def test_deleting_a_feed_a_reader_or_an_author_still_removes_their_items(make_user, make_post, alice):
    """Without constraints on user, blog and feed, Django's cascades are what remove the rows."""
    reader, other = make_user("reader"), make_user("other")
    post = make_post(alice, "Gone with its author")
    feed = Feed.objects.create(url="https://example.org/feed")
    entry = FeedEntry.objects.create(
        feed=feed, key="e1", key_hash="e1", content_hash="x", published=timezone.now()
    )
    for user in (reader, other):
        TimelineItem.objects.create(user=user, published=post.published, post=post, blog=alice.blog)
        TimelineItem.objects.create(user=user, published=entry.published, entry=entry, feed=feed)

    feed_id, entry_id, reader_id, blog_id = feed.pk, entry.pk, reader.pk, alice.blog.pk
    feed.delete()
    assert not TimelineItem.objects.filter(feed_id=feed_id).exists()
    assert not TimelineItem.objects.filter(entry_id=entry_id).exists()

    reader.delete()
    assert not TimelineItem.objects.filter(user_id=reader_id).exists()
    assert TimelineItem.objects.filter(user=other, post=post).exists()

    alice.delete()
    assert not TimelineItem.objects.filter(blog_id=blog_id).exists()
    assert not TimelineItem.objects.exists()
