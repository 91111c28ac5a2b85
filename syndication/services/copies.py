"""Copies on the original: u-syndication URLs through posts.services.update_post, reply threading."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from posts.models import Post
from posts.services import update_post
from syndication.connectors import connector_for
from syndication.models import Syndication

S = Syndication.State


def record(post_id: int) -> None:
    """Make post.syndication list every live copy (and drop deleted ones), keeping URLs added by hand.

    update_post re-sends post_changed("updated"); the receiver ignores it because the copy
    fingerprint (what the copy shows) is unchanged, so recording never loops."""
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post_id)
        rows = Syndication.objects.filter(post_id=post_id).exclude(url="").values_list("url", "state")
        gone = {url for url, state in rows if state == S.DELETED}
        live = [url for url, state in rows if state != S.DELETED]
        urls = [url for url in post.syndication if url not in gone]
        urls += [url for url in live if url not in urls]
        if urls != post.syndication:
            update_post(post=post, properties={"syndication": urls})


def parent(row: Syndication) -> Syndication | None:
    """The copy, on the same connection, of the post this one replies to (threads stay threads).

    The reply target is either our own post (found by its URL on the same blog) or a copy of one."""
    target = row.post.in_reply_to
    if not target:
        return None
    same = Syndication.objects.filter(connection_id=row.connection_id, state=S.DONE).exclude(remote_id="")
    by_copy = same.filter(url=target).first()
    if by_copy:
        return by_copy
    own = same.filter(post__blog_id=row.post.blog_id, post__path=urlsplit(target).path).select_related("post")
    return next((copy for copy in own if copy.post.get_absolute_url() == target), None)


def follow_up(row_id: int) -> None:
    """After a create: if the post changed or was deleted while it was in flight, queue that too."""
    from syndication.services.planning import fingerprint

    row = Syndication.objects.select_related("post", "connection").get(pk=row_id)
    connector = connector_for(row.connection)
    if row.post.is_deleted and connector.CAN_DELETE:
        row.state = S.DELETING
    elif (
        connector.CAN_UPDATE
        and fingerprint(Post.objects.with_relations().get(pk=row.post_id)) != row.fingerprint
    ):
        row.state = S.UPDATING
    else:
        return
    row.attempts, row.next_attempt_at = 0, timezone.now()
    row.save(update_fields=["state", "attempts", "next_attempt_at", "updated_at"])
