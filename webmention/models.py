"""Webmentions received and sent, and the owner's moderation choices. State rows, Stator-style:
each row declares its states, a job claims a due row, and a beat sweep re-enqueues anything due."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.db import models
from django.utils import timezone

from accounts.models import Blog
from posts.models import Post


class ReceivedQuerySet(models.QuerySet):
    def visible(self) -> ReceivedQuerySet:
        """Shown on pages: accepted, or approved before and being re-verified after a re-send."""
        shown = models.Q(state=Received.State.ACCEPTED) | models.Q(
            state=Received.State.PENDING, approved=True
        )
        return self.filter(shown)

    def due(self) -> ReceivedQuerySet:
        return self.filter(state=Received.State.PENDING, next_attempt_at__lte=timezone.now())


class Received(models.Model):
    """One (source, target) pair sent to one of our blogs (https://www.w3.org/TR/webmention/#receiving)."""

    class State(models.TextChoices):
        PENDING = "pending"  # stored, waiting to be verified (or re-verified after a re-send)
        ACCEPTED = "accepted"  # verified and shown
        HELD = "held"  # verified, waiting for the owner's approval (first-time sender)
        REJECTED = "rejected"  # verification failed: no link, unreachable, not a valid source
        DELETED = "deleted"  # the source is gone (410) or stopped linking, or the owner deleted it

    class Kind(models.TextChoices):
        REPLY = "reply"
        LIKE = "like"
        REPOST = "repost"
        BOOKMARK = "bookmark"
        MENTION = "mention"
        RSVP = "rsvp"
        QUOTATION = "quotation"

    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="webmentions")
    # The post the target names; null when the target is the blog's home page.
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="webmentions"
    )
    source = models.URLField(max_length=2000)
    target = models.URLField(max_length=2000)
    source_host = models.CharField(max_length=253, db_index=True)
    # Unguessable id of the status page given to the sender in Location.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    error = models.CharField(max_length=300, blank=True)
    # What verification found in the source's first h-entry.
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MENTION)
    author_name = models.CharField(max_length=200, blank=True)
    author_url = models.URLField(max_length=2000, blank=True)
    author_photo = models.URLField(max_length=2000, blank=True)
    content_html = models.TextField(blank=True)  # strict-sanitised and trimmed
    title = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)  # the entry's u-url, else the source
    rsvp = models.CharField(max_length=16, blank=True)
    reply_to = models.JSONField(default=list, blank=True)  # in-reply-to URLs, for threading
    published = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)  # the owner has seen the notification
    # Shown once (verified and not held, or approved by the owner); cleared when the source goes.
    approved = models.BooleanField(default=False)

    objects = ReceivedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint("blog", "source", "target", name="webmention_once_per_pair")]
        indexes = [
            models.Index(fields=["post", "state"], name="webmention_post_state"),
            models.Index(fields=["state", "next_attempt_at"], name="webmention_due"),
            models.Index(fields=["blog", "-received_at"], name="webmention_blog_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.state})"

    @property
    def status_path(self) -> str:
        return f"/webmention/status/{self.token}"

    @property
    def link(self) -> str:
        return self.url or self.source

    @property
    def display_name(self) -> str:
        return self.author_name or self.source_host


class Outgoing(models.Model):
    """One webmention a post sends to one target (https://www.w3.org/TR/webmention/#sending)."""

    class State(models.TextChoices):
        PENDING = "pending"  # to be (re)sent; next_attempt_at says when
        SENT = "sent"  # the endpoint answered 2xx
        NO_ENDPOINT = "no_endpoint"  # the target advertises no webmention endpoint
        FAILED = "failed"  # a 4xx, a refused address, or retries exhausted

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="outgoing_webmentions")
    target = models.URLField(max_length=2000)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    endpoint = models.CharField(max_length=2000, blank=True)  # "(local)" for our own blogs
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("post", "target", name="outgoing_webmention_once")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outgoing_webmention_due")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.target} ({self.state})"


class BlockedDomain(models.Model):
    """A source host the owner refuses: its webmentions are answered 202 and dropped."""

    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="blocked_webmention_domains")
    domain = models.CharField(max_length=253)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("blog", "domain", name="blocked_domain_once")]
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class Preferences(models.Model):
    """The owner's webmention options (a row of our own: accounts' models stay untouched)."""

    blog = models.OneToOneField(Blog, on_delete=models.CASCADE, related_name="webmention_preferences")
    # Off by default: verified mentions show at once (webmention.md §5 Moderation).
    hold_first_time_senders = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"webmention preferences of {self.blog}"


def host_of(url: str) -> str:
    """The lower-cased host of a URL, without port ("" when there is none)."""
    return (urlsplit(url).hostname or "").lower().rstrip(".")
