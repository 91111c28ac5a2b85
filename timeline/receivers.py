"""Signal receivers wired in TimelineConfig.ready(): published posts fan out to timelines."""

from __future__ import annotations

from django.db import connection, transaction

from posts.models import Post
from timeline import fanout, tasks
from timeline.models import TimelineItem, TimelineState


def on_post_changed(sender, post: Post, action: str, **kwargs) -> None:
    """post_changed is sent on commit: the author's row and any removals now, followers in a job.

    The job is queued on commit of the author's row (at once when, as here, no transaction is open)."""
    if action == "deleted":
        fanout.remove_post(post)
    elif action == "created":
        _on_created(post)
    elif fanout.place_post(post):
        transaction.on_commit(lambda: _queue_fan_out(post.pk))


def _on_created(post: Post) -> None:
    """A new post has no timeline rows yet: nothing to move or remove, so a draft costs no query and a
    published post one (issue 7: a Micropub create paid BEGIN, UPDATE, SELECT, INSERT and COMMIT)."""
    if post.is_draft or post.is_deleted or post.published is None:
        return
    _insert_author_row(post)
    if post.visibility == Post.Visibility.PUBLIC:
        transaction.on_commit(lambda: _queue_fan_out(post.pk))


def _queue_fan_out(post_id: int) -> None:
    """Nobody reads the job's result: without ignore_result Celery subscribes to it in this process
    (a Redis round trip per send, and a subscription kept until the result arrives)."""
    tasks.fan_out_post.apply_async((post_id,), ignore_result=True)


def _insert_author_row(post: Post) -> None:
    """The author's row, if the author is active, in one INSERT … SELECT from their TimelineState
    (fanout.place_post's rule: a quiet author is rebuilt on return, so gets no row now)."""
    col = {name: TimelineItem._meta.get_field(name).column for name in ("user", "published", "post", "blog")}
    item, state = TimelineItem._meta.db_table, TimelineState._meta.db_table
    user_col = TimelineState._meta.get_field("user").column
    seen_col = TimelineState._meta.get_field("last_seen_at").column
    columns = ", ".join([*col.values(), TimelineItem._meta.get_field("is_read").column])
    # Identifiers come from model metadata only; every value is a bound parameter.
    sql = (
        f"INSERT INTO {item} ({columns}) SELECT s.{user_col}, %s, %s, %s, FALSE FROM {state} s "  # noqa: S608
        f"WHERE s.{user_col} = %s AND s.{seen_col} >= %s ON CONFLICT DO NOTHING"
    )
    when = connection.ops.adapt_datetimefield_value
    params = [when(post.published), post.pk, post.blog_id, post.blog.user_id, when(fanout.active_cutoff())]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
