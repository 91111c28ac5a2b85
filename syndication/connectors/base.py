"""The one small interface every silo implements (granary's Source, trimmed), its results and errors.

A connector is stateless apart from the Connection it acts for: the job decides what to do with a
RetryLater/PermanentFailure/NeedsReauth/Unknown; the connector only reports what the silo said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from syndication.connectors import text as text_rules

if TYPE_CHECKING:
    from posts.models import Photo, Post
    from syndication.models import Connection, Syndication


@dataclass
class Preview:
    """The exact copy text and its length as the silo counts it."""

    text: str
    count: int
    limit: int

    @property
    def fits(self) -> bool:
        return self.count <= self.limit


@dataclass
class PublishResult:
    url: str
    remote_id: str
    extra: dict = field(default_factory=dict)


class SyndicationError(Exception):
    """Base of what a connector raises; str() is shown to the owner."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(SyndicationError):
    """Nothing was posted (network, 503, 429, media not ready): try again, at `after` if known."""

    def __init__(self, reason: str = "", after: datetime | None = None) -> None:
        super().__init__(reason)
        self.after = after


class PermanentFailure(SyndicationError):
    """The silo refused the copy (validation, too long): retrying sends the same refusal."""


class Gone(PermanentFailure):
    """The copy no longer exists on the silo (404 on edit/delete)."""


class NeedsReauth(SyndicationError):
    """The token was revoked or lacks scope: the owner must reconnect."""


class Unknown(SyndicationError):
    """The request may have been processed (timeout or 5xx after sending, no idempotency key)."""


class Connector:
    """One silo. Subclasses set the constants and implement publish/update/delete."""

    NAME: ClassVar[str] = ""
    LABEL: ClassVar[str] = ""
    MAX_CHARS: ClassVar[int] = 500
    URL_LENGTH: ClassVar[int | None] = None  # each URL counts this many characters (Mastodon 23)
    MAX_MEDIA: ClassVar[int] = 4
    IDEMPOTENT: ClassVar[bool] = False  # the silo takes an idempotency key on create
    CAN_UPDATE: ClassVar[bool] = True
    CAN_DELETE: ClassVar[bool] = True
    FULL_ARTICLES: ClassVar[bool] = False  # articles go over whole (Medium, Tumblr), not title + link
    NOTE: ClassVar[str] = ""  # what the UI says about this silo's limits

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # Text ------------------------------------------------------------------------------------
    def limit(self) -> int:
        return self.MAX_CHARS

    def count(self, text: str) -> int:
        return text_rules.count(text, self.URL_LENGTH)

    def compose(self, post: Post, text: str | None = None) -> str:
        """The copy's text: the owner's own, else the note (linking home only when cut), else an
        article's title (+ summary when it fits) and permalink."""
        if text:
            return text.strip()
        link = post.get_absolute_url()
        if post.name:
            with_summary = f"{post.name}\n\n{post.summary}\n\n{link}" if post.summary else ""
            if with_summary and self.count(with_summary) <= self.limit():
                return with_summary
            title = text_rules.shorten(post.name, "", self.limit() - 2 - self.count(link), self.count)
            return f"{title}\n\n{link}"
        body = text_rules.post_text(post)
        return text_rules.shorten(body, link, self.limit(), self.count) if body else link

    def preview(self, post: Post, text: str | None = None) -> Preview:
        copy = self.compose(post, text)
        return Preview(copy, self.count(copy), self.limit())

    def photos(self, post: Post) -> list[Photo]:
        """Uploaded photos (read from our storage; hotlinked ones are never fetched), up to MAX_MEDIA."""
        return [photo for photo in post.photos.all() if photo.file][: self.MAX_MEDIA]

    # Verbs ------------------------------------------------------------------------------------
    def publish(
        self, post: Post, *, text: str | None = None, key: str = "", reply_to: Syndication | None = None
    ):
        """Create the copy; returns PublishResult. `key` is stable across attempts (idempotency)."""
        raise NotImplementedError

    def update(self, post: Post, copy: Syndication, *, text: str | None = None) -> None:
        raise PermanentFailure(f"{self.LABEL} copies cannot be edited.")

    def delete(self, copy: Syndication) -> None:
        raise PermanentFailure(f"{self.LABEL} copies cannot be deleted through its API.")

    def revoke(self) -> bool:
        """Give the token back where the silo allows it (on disconnect); True if it was revoked."""
        return False

    def refresh_if_expiring(self) -> None:
        """Refresh the access token before it expires (R36); no-op where tokens do not expire."""
