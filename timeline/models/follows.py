"""Who follows what: a local blog or a remote feed; and who is muted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Blog
from timeline.models.feeds import Feed

ONE_TARGET = Q(blog__isnull=False, feed__isnull=True) | Q(blog__isnull=True, feed__isnull=False)


class Follow(models.Model):
    """A user follows exactly one of: a local blog, a feed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, null=True, blank=True, related_name="followers")
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, null=True, blank=True, related_name="followers")
    # Microsub channel uid this follow belongs to (Microsub §channels); "default" is the home timeline.
    channel = models.CharField(max_length=100, default="default")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=ONE_TARGET, name="follow_one_target"),
            models.UniqueConstraint("user", "blog", name="follow_blog_once"),
            models.UniqueConstraint("user", "feed", name="follow_feed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.blog or self.feed}"

    @property
    def target_name(self) -> str:
        return self.blog.display_title if self.blog_id else self.feed.display_title

    @property
    def target_url(self) -> str:
        return f"{self.blog.base_url}/" if self.blog_id else (self.feed.site_url or self.feed.url)


class Mute(models.Model):
    """Hides a blog or a feed from the user's timeline without unfollowing it (block: and unfollows)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mutes")
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Microsub `block`: muted, unfollowed and its items removed (Microsub §block).
    blocked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=ONE_TARGET, name="mute_one_target"),
            models.UniqueConstraint("user", "blog", name="mute_blog_once"),
            models.UniqueConstraint("user", "feed", name="mute_feed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} mutes {self.blog or self.feed}"


class Channel(models.Model):
    """A Microsub channel (a named group of follows); "default" (Home) and "notifications" are implicit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channels")
    uid = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint("user", "uid", name="channel_uid_per_user")]
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name
