"""Signal receivers wired in TimelineConfig.ready(): published posts fan out to timelines."""

from __future__ import annotations

from posts.models import Post
from timeline import fanout


def on_post_changed(sender, post: Post, action: str, **kwargs) -> None:
    """post_changed is sent on commit: write or remove the post's timeline rows."""
    if action == "deleted":
        fanout.remove_post(post)
    else:
        fanout.fan_out_post(post)
