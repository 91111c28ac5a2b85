"""Received webmentions on the timeline app's pages: the combined Mentions list and Conversation view.

The timeline app renders these with its generic mention card (author, text, link, date, kind), so they
are handed over as plain values, not model rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from webmention.models import Received
from webmention.selectors import THREADED


@dataclass(frozen=True)
class MentionCard:
    author_name: str
    author_url: str
    url: str
    content_html: str
    kind: str
    published: datetime.datetime

    @classmethod
    def of(cls, row: Received) -> MentionCard:
        return cls(row.display_name, row.author_url, row.link, row.content_html, row.get_kind_display(),
                   row.published or row.received_at)  # fmt: skip


def mentions_for_user(user, limit: int) -> list[MentionCard]:
    """Shown webmentions to any page of the user's blog, newest first."""
    rows = Received.objects.visible().filter(blog__user=user).order_by("-received_at", "-id")[:limit]
    return [MentionCard.of(row) for row in rows]


def replies_for_post(post) -> list[MentionCard]:
    """Replies from other sites to this post, oldest first, for the conversation view."""
    rows = Received.objects.visible().filter(post=post, kind__in=THREADED).order_by("published", "id")
    return [MentionCard.of(row) for row in rows]
