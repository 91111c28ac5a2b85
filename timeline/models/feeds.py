"""A remote feed, stored once however many people follow it, and its entries."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import models
from django.utils import timezone

SLOW_FETCH_MS = 1000  # a feed whose fetches take this long is polled first in a sweep


class Feed(models.Model):
    """A polled source (RSS, Atom, JSON Feed or an h-feed page) with its conditional-GET state."""

    class State(models.TextChoices):
        OK = "ok"  # polling normally
        ERROR = "error"  # the last poll failed; polling backs off
        GONE = "gone"  # 410 Gone: never polled again

    class Format(models.TextChoices):
        UNKNOWN = ""
        RSS = "rss"
        ATOM = "atom"
        JSONFEED = "jsonfeed"
        HFEED = "hfeed"

    # The URL we poll; a permanent redirect (301/308) replaces it.
    url = models.URLField(max_length=2000, unique=True)
    # Where the last successful fetch ended up (after temporary redirects); the base for relative URLs.
    final_url = models.URLField(max_length=2000, blank=True)
    format = models.CharField(max_length=16, choices=Format.choices, blank=True)
    title = models.CharField(max_length=300, blank=True)
    site_url = models.URLField(max_length=2000, blank=True)
    # Validators from the last 200, sent back as If-None-Match / If-Modified-Since.
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # SHA-256 of the last body parsed: an unchanged body is never parsed again.
    body_hash = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OK)
    error_count = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # A malformed feed parsed as far as it could: what the parser complained about.
    last_warning = models.CharField(max_length=500, blank=True)
    # Seconds between polls, adapted to how often the feed posts (timeline.polling.next_interval).
    interval = models.PositiveIntegerField(default=3600)
    # None = never polled again (gone); indexed for the beat sweep.
    next_poll_at = models.DateTimeField(null=True, blank=True, default=timezone.now, db_index=True)
    # How long its fetches take (ms): a slower fetch counts at once, each faster one halves what is
    # remembered. Feeds at SLOW_FETCH_MS or more are claimed first (timeline/polling.claim_due_feeds),
    # so their seconds of waiting overlap the rest of a sweep instead of trailing after it.
    fetch_ms = models.PositiveIntegerField(default=0, db_default=0)  # db_default: rows inserted by SQL
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_new_entry_at = models.DateTimeField(null=True, blank=True)
    # WebSub (w3.org/TR/websub): the hub and topic the feed advertises, and our subscription.
    websub_hub = models.URLField(max_length=2000, blank=True)
    websub_topic = models.URLField(max_length=2000, blank=True)
    websub_secret = models.CharField(max_length=64, default="", blank=True)
    websub_expires_at = models.DateTimeField(null=True, blank=True)
    # When we last asked the hub: renewals go out before expiry, at most once a day while unverified.
    websub_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The slow feeds that are due, in claiming order, without scanning the fast ones.
        indexes = [
            models.Index(
                fields=["next_poll_at"], condition=models.Q(fetch_ms__gte=SLOW_FETCH_MS), name="feed_slow_due"
            )
        ]

    def __str__(self) -> str:
        return self.title or self.url

    def remember_fetch(self, elapsed_ms: int) -> None:
        """Note how long a fetch took (see fetch_ms)."""
        self.fetch_ms = elapsed_ms if elapsed_ms >= self.fetch_ms else (self.fetch_ms + elapsed_ms) // 2

    @property
    def display_title(self) -> str:
        return self.title or self.site_url or self.url

    @property
    def websub_active(self) -> bool:
        return self.websub_expires_at is not None and self.websub_expires_at > timezone.now()

    def websub_due(self) -> bool:
        """Subscribe (or renew) when a hub is known, the lease ends within a day, and we have not
        asked in the last day (a hub that never verifies is not asked on every poll)."""
        now = timezone.now()
        day = datetime.timedelta(days=1)
        if not self.websub_hub or (self.websub_expires_at is not None and self.websub_expires_at > now + day):
            return False
        return self.websub_requested_at is None or self.websub_requested_at < now - day

    def new_websub_secret(self) -> str:
        self.websub_secret = secrets.token_hex(32)
        return self.websub_secret


def entry_key_hash(key: str) -> str:
    """Entries are unique on a hash of their key: guid/id values can be longer than an index allows."""
    return hashlib.sha256(key.encode()).hexdigest()


class FeedEntry(models.Model):
    """One item of a feed, keyed on its id/guid, else its link; updated in place when it changes (R14)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    key = models.TextField()  # the guid/id, else the link
    key_hash = models.CharField(max_length=64)
    url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=300, blank=True)  # plain text, never HTML
    # Sanitised with clean_foreign_html and relative URLs resolved; safe to render.
    content_html = models.TextField(blank=True)
    # True when the feed gave only a summary: shown as such, with a link to the original.
    summary_only = models.BooleanField(default=False)
    author_name = models.CharField(max_length=200, blank=True)
    author_url = models.URLField(max_length=2000, blank=True)
    # http(s) image URLs from enclosures, media:content, JSON Feed image, h-entry photo.
    photos = models.JSONField(default=list, blank=True)
    in_reply_to = models.URLField(max_length=2000, blank=True)
    # When it was published (the fetch time when the feed gave no date) and last changed upstream.
    published = models.DateTimeField(db_index=True)
    updated = models.DateTimeField(null=True, blank=True)
    # SHA-256 of what we stored: a changed entry is one whose hash moves.
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("feed", "key_hash", name="feed_entry_key")]
        indexes = [models.Index(fields=["feed", "-published", "-id"], name="feed_entry_newest")]

    def __str__(self) -> str:
        return self.title or self.url or self.key

    @property
    def title_or_excerpt(self) -> str:
        from django.utils.text import Truncator

        from microhost.sanitize import plain_text

        return self.title or Truncator(" ".join(plain_text(self.content_html).split())).chars(80)
