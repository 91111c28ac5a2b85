"""Signal receivers wired in TimelineConfig.ready(): published posts fan out to timelines."""

from __future__ import annotations

from django.db import transaction

from posts.models import Post
from timeline import fanout, tasks


def on_post_changed(sender, post: Post, action: str, **kwargs) -> None:
    """post_changed is sent on commit: the author's row and any removals now, followers in a job.

    The job is queued on commit of the author's row (at once when, as here, no transaction is open)."""
    if action == "deleted":
        fanout.remove_post(post)
    elif fanout.place_post(post):
        transaction.on_commit(lambda: tasks.fan_out_post.delay(post.pk))
