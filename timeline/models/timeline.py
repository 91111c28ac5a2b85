"""The materialised per-user timeline (fan-out on write, as takahe and Mastodon do) and featured posts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Blog
from posts.models import Post
from timeline.models.feeds import Feed, FeedEntry


def _optional(model, **options) -> models.ForeignKey:
    """An item's post, entry, blog or feed: empty in about half the rows, indexed by Meta (partially)."""
    return models.ForeignKey(
        model, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False, **options
    )


class TimelineItem(models.Model):
    """One post or entry in one user's home timeline; read newest first with a keyset cursor."""

    # No index of its own: timeline_newest (user, -published, -id) serves every lookup by user.
    # No database constraint on user, blog and feed (db_constraint=False; Django still cascades deletes):
    # PostgreSQL checks a constraint per inserted row, and for a post's fan-out to 7,000 followers
    # the user, blog and feed checks were ~180 of its ~480 ms (bench/README, session 9). The item's
    # blog is its post's and its feed its entry's, so the post and entry constraints, which stay,
    # already vouch for them; an item whose user is deleted while a fan-out runs is never read.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    published = models.DateTimeField()
    # An item is a post (post, blog) or an entry (entry, feed), so each of these columns is empty in
    # about half the rows: their indexes are partial (Meta), and a fan-out writes no index entry for an
    # empty column. That matters most for the unique (user, …) pairs: a user-keyed entry lands on a
    # random index page, and a post's fan-out to 7,000 followers wrote 7,000 of them into
    # timeline_entry_once for nothing (a third of its pages and WAL; bench/README, session 8).
    post = _optional(Post)
    entry = _optional(FeedEntry)
    # The source, so unfollow and mute act without joining posts or entries (unchecked: see user).
    blog = _optional(Blog, db_constraint=False)
    feed = _optional(Feed, db_constraint=False)
    # Microsub: read state per item (Microsub §timeline mark_read).
    is_read = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "user", "post", name="timeline_post_once", condition=models.Q(post__isnull=False)
            ),
            models.UniqueConstraint(
                "user", "entry", name="timeline_entry_once", condition=models.Q(entry__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-published", "-id"], name="timeline_newest"),
            *(
                models.Index(
                    fields=[name],
                    name=f"timeline_by_{name}",
                    condition=models.Q(**{f"{name}__isnull": False}),
                )
                for name in ("post", "entry", "blog", "feed")
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.user_id}: post {self.post_id}"
            if self.post_id
            else f"{self.user_id}: entry {self.entry_id}"
        )


class TimelineState(models.Model):
    """When a user last read their timeline: fan-out skips users gone quiet; they are rebuilt on return."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    built_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"timeline of {self.user_id}, seen {self.last_seen_at:%Y-%m-%d}"


class FeaturedPost(models.Model):
    """A post an operator features on Discover (managed in the admin)."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="+")
    featured_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-featured_at"]

    def __str__(self) -> str:
        return f"featured: {self.post}"
