"""Which copies a post gets, and how its edits and deletes reach them (the post_changed receiver).

Choice: the composer's checkboxes or Micropub `mp-syndicate-to` (stored as Post.syndicate_to, a list
of connection uids; the uid "none" chooses none); when none are named, the owner's connections marked
"on by default". Likes, reposts, bookmarks and private posts are never copied. Imported posts
(timeline) only when timeline.selectors.may_syndicate(post) says so.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from posts.models import Post
from syndication.connectors import CONNECTORS
from syndication.models import Connection, Syndication
from syndication.services.dispatch import kick

NEVER_COPIED = {Post.Kind.LIKE, Post.Kind.REPOST, Post.Kind.BOOKMARK}
S = Syndication.State


def fingerprint(post: Post) -> str:
    """Digest of what a copy shows; a change that leaves it equal (e.g. only `syndication`) sends nothing."""
    photos = [(photo.pk, photo.alt) for photo in post.photos.all()]
    shown = [post.name, post.summary, post.content, post.visibility, post.in_reply_to, photos]
    return hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()


def may_copy(post: Post) -> bool:
    if post.kind in NEVER_COPIED or post.visibility == Post.Visibility.PRIVATE or post.is_deleted:
        return False
    try:  # the timeline app decides for imported blog entries (only newer than the feed's adding)
        from timeline.selectors import may_syndicate
    except ImportError:
        return True
    return bool(may_syndicate(post))


def chosen(post: Post) -> list[Connection]:
    connections = Connection.objects.filter(user_id=post.blog.user_id)
    if post.syndicate_to:
        return [c for c in connections if c.uid in post.syndicate_to]
    return [c for c in connections if c.on_by_default]


def plan(post: Post, *, state: str = S.PENDING) -> list[Syndication]:
    """One row per chosen connection (unique per post and connection, R15), due after the delay."""
    return [plan_one(post, connection, state=state) for connection in chosen(post)]


def plan_one(post: Post, connection: Connection, *, state: str | None = None) -> Syndication:
    state = state or (S.HELD if post.is_draft else S.PENDING)
    due = timezone.now() + timedelta(seconds=settings.MICROHOST_SYNDICATION_DELAY_SECONDS)
    row, _ = Syndication.objects.get_or_create(
        post=post,
        connection=connection,
        defaults={"user_id": post.blog.user_id, "state": state, "next_attempt_at": due},
    )
    return row


def on_post_changed(sender, post: Post, action: str, **kwargs) -> None:
    """Receiver of posts.signals.post_changed (sent on commit)."""
    handler = {"updated": _updated, "deleted": _deleted, "undeleted": _undeleted}.get(action)
    if action == "created":
        _on_created(post)
    elif handler is not None:
        with transaction.atomic():
            handler(post)
        kick(post.blog.user_id)


def _on_created(post: Post) -> None:
    """A new post costs one query when the owner chose no copies (most posts, issue 7 scenario 6):
    no transaction, no imported-entry lookup and no lane kick unless a row was planned."""
    targets = chosen(post)
    if not targets or not may_copy(post):
        return
    with transaction.atomic():
        state = S.HELD if post.is_draft else S.PENDING
        for connection in targets:
            plan_one(post, connection, state=state)
    kick(post.blog.user_id)


def _updated(post: Post) -> None:
    """Publishing a draft releases its copies; an edit that changes what copies show updates them."""
    rows = Syndication.objects.filter(post=post)
    if post.is_draft or post.is_deleted:
        return
    if rows.filter(state=S.HELD).exists() or (not rows.exists() and _names_targets(post)):
        wanted = {c.pk for c in chosen(post)} if may_copy(post) else set()
        rows.filter(state=S.HELD).exclude(connection_id__in=wanted).delete()  # unticked while a draft
        due = timezone.now() + timedelta(seconds=settings.MICROHOST_SYNDICATION_DELAY_SECONDS)
        rows.filter(state=S.HELD).update(state=S.PENDING, next_attempt_at=due)  # keeps the owner's texts
        if wanted:
            plan(post)
    current = fingerprint(post)
    updatable = [name for name, c in CONNECTORS.items() if c.CAN_UPDATE]
    changed = rows.filter(state=S.DONE, connection__silo__in=updatable).exclude(fingerprint=current)
    changed.update(state=S.UPDATING, attempts=0, next_attempt_at=timezone.now())


def _names_targets(post: Post) -> bool:
    """A Micropub update that adds mp-syndicate-to to a published post asks for copies now."""
    return any(uid != "none" for uid in post.syndicate_to)


def _deleted(post: Post) -> None:
    rows = Syndication.objects.filter(post=post)
    rows.filter(state__in=[S.HELD, S.PENDING, S.FAILED]).delete()
    deletable = [name for name, c in CONNECTORS.items() if c.CAN_DELETE]
    rows.filter(state__in=[S.DONE, S.UPDATING], connection__silo__in=deletable).update(
        state=S.DELETING, attempts=0, next_attempt_at=timezone.now()
    )


def _undeleted(post: Post) -> None:
    """A restored post is copied again where its copies were deleted."""
    for row in Syndication.objects.filter(post=post, state=S.DELETED):
        generation = int(row.extra.get("generation", 0)) + 1  # a fresh idempotency key: a new copy
        row.state, row.url, row.remote_id, row.extra = S.PENDING, "", "", {"generation": generation}
        row.attempts, row.next_attempt_at = 0, timezone.now()
        row.save()
