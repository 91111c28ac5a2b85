"""Sending: after a post is published, updated or deleted, tell every page it links to — and every
page it linked to before (https://www.w3.org/TR/webmention/#sending-webmentions-for-updated-posts).

One Outgoing row per (post, target), Stator-style: pending → sent / no_endpoint / failed, with
retries and backoff for network errors, 5xx and 429, none for other 4xx. Targets on our own blogs
are handed to our receiver directly, without an HTTP round trip.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from microhost.fetch import BadScheme, BlockedAddress, ConnectFailed, FetchError, FetchTimeout, post_form
from posts.models import Post
from webmention.discovery import discover_endpoint
from webmention.html_links import http_links
from webmention.local import local_blog
from webmention.models import Outgoing

MAX_ATTEMPTS = 6
LEASE = datetime.timedelta(minutes=10)
LOCAL_ENDPOINT = "(local)"
RETRY_STATUSES = {429} | set(range(500, 600))


def links_of(post: Post) -> list[str]:
    """Every URL the post links to: content links and in-reply-to/like-of/repost-of/bookmark-of."""
    own = post.get_absolute_url()
    found = [post.in_reply_to, post.like_of, post.repost_of, post.bookmark_of]
    found += http_links(post.content_html, own)
    return [url for url in dict.fromkeys(found) if url and url.split("#")[0] != own]


def is_public(post: Post) -> bool:
    """Only published, live, non-private posts announce their links (a private post must not leak)."""
    live = post.status == Post.Status.PUBLISHED and not post.is_deleted and post.path
    return bool(live) and post.visibility != Post.Visibility.PRIVATE


def has_anything_to_send(post: Post, *, created: bool = False) -> bool:
    """Does a change to this post need the sending job? Links to announce now (a public post's content
    links and in-reply-to/like-of/…), or targets told before: an edit or delete that removed every link
    still re-sends to them (§3.1.4). A post just created has told no one yet: no query for that."""
    if is_public(post) and links_of(post):
        return True
    return not created and Outgoing.objects.filter(post_id=post.pk).exists()


def queue_post(post_id: int) -> list[int]:
    """(Re)send for a post: its links now plus every target sent to before. Returns the row ids."""
    post = Post.objects.select_related("blog").filter(pk=post_id).first()
    if post is None:
        return []
    previous = set(Outgoing.objects.filter(post=post).values_list("target", flat=True))
    current = links_of(post) if is_public(post) else []
    if not current and not (previous and post.path):
        return []
    ids = []
    with transaction.atomic():
        for target in dict.fromkeys([*current, *sorted(previous)]):
            row, _ = Outgoing.objects.get_or_create(post=post, target=target)
            Outgoing.objects.filter(pk=row.pk).update(
                state=Outgoing.State.PENDING, attempts=0, next_attempt_at=timezone.now()
            )
            ids.append(row.pk)
        for row_id in ids:
            enqueue_delivery(row_id)
    return ids


def enqueue_delivery(outgoing_id: int, countdown: float = 0) -> None:
    from webmention.tasks import deliver

    transaction.on_commit(lambda: deliver.apply_async(args=[outgoing_id], countdown=countdown))


def claim(outgoing_id: int) -> Outgoing | None:
    with transaction.atomic():
        row = (
            Outgoing.objects.select_for_update(skip_locked=True)
            .select_related("post__blog")
            .filter(pk=outgoing_id, state=Outgoing.State.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = timezone.now() + LEASE
        row.save(update_fields=["attempts", "next_attempt_at"])
    return row


def _finish(row: Outgoing, state: str, *, status: int | None = None, error: str = "") -> Outgoing:
    row.state, row.status_code, row.error = state, status, error[:300]
    row.updated_at = timezone.now()
    if state == Outgoing.State.SENT:
        row.sent_at = row.updated_at
    row.save()
    return row


def _retry(row: Outgoing, *, status: int | None, error: str, after: float | None = None) -> Outgoing:
    if row.attempts >= MAX_ATTEMPTS:
        return _finish(row, Outgoing.State.FAILED, status=status, error=f"Gave up: {error}")
    delay = after if after is not None else min(60 * 2 ** (row.attempts - 1), 1800) * random.uniform(0.8, 1.2)
    delay = min(delay, 1800)  # far below the broker's visibility timeout
    row.next_attempt_at = timezone.now() + datetime.timedelta(seconds=delay)
    with transaction.atomic():
        _finish(row, Outgoing.State.PENDING, status=status, error=error)
        enqueue_delivery(row.pk, countdown=delay)
    return row


def _retry_after(value: str) -> float | None:
    return float(value) if value.strip().isdigit() else None


def deliver_local(row: Outgoing) -> Outgoing:
    """A target on one of our blogs: straight into our receiver (same checks as over HTTP)."""
    from webmention.receive import Refused, accept_webmention

    row.endpoint = LOCAL_ENDPOINT
    blog = local_blog(row.target)
    try:
        accept_webmention(blog=blog, source=row.post.get_absolute_url(), target=row.target)
    except Refused as refused:
        return _finish(row, Outgoing.State.FAILED, status=refused.status, error=refused.reason)
    return _finish(row, Outgoing.State.SENT, status=202)


def deliver(outgoing_id: int) -> Outgoing | None:
    """Discover the target's endpoint afresh (never cached, §3.1.3) and send source/target to it."""
    row = claim(outgoing_id)
    if row is None:
        return None
    if local_blog(row.target) is not None:
        return deliver_local(row)
    try:
        found = discover_endpoint(row.target)
        if found.endpoint is None:
            if found.status_code in RETRY_STATUSES:
                return _retry(
                    row, status=found.status_code, error=f"The target answered {found.status_code}."
                )
            return _finish(row, Outgoing.State.NO_ENDPOINT, status=found.status_code)
        row.endpoint = found.endpoint[:2000]
        answer = post_form(row.endpoint, {"source": row.post.get_absolute_url(), "target": row.target})
    except (ConnectFailed, FetchTimeout) as exc:
        return _retry(row, status=None, error=str(exc))
    except (BlockedAddress, BadScheme) as exc:
        return _finish(row, Outgoing.State.FAILED, error=str(exc))
    except FetchError as exc:
        return _finish(row, Outgoing.State.FAILED, error=str(exc))
    if 200 <= answer.status_code < 300:
        return _finish(row, Outgoing.State.SENT, status=answer.status_code)
    if answer.status_code in RETRY_STATUSES:
        after = _retry_after(answer.headers.get("Retry-After", ""))
        return _retry(
            row, status=answer.status_code, error=f"The endpoint answered {answer.status_code}.", after=after
        )
    reason = answer.text[:200].strip()
    return _finish(
        row, Outgoing.State.FAILED, status=answer.status_code, error=reason or f"HTTP {answer.status_code}"
    )


def enqueue_post(post_id: int) -> None:
    """Queue the sending job for a post once the current transaction commits (publish, edit, resend)."""
    from webmention.tasks import send_post

    transaction.on_commit(lambda: send_post.delay(post_id))
