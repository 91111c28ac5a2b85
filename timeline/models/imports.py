"""Imported blogs: a user's blog hosted elsewhere, whose entries become their posts here."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Blog
from posts.models import Post
from timeline.models.feeds import Feed, FeedEntry


class ImportSource(models.Model):
    """The feed of a blog a user hosts elsewhere; added_at decides what may be syndicated."""

    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="import_sources")
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="import_sources")
    added_at = models.DateTimeField(default=timezone.now)
    # Set after the first import pass: entries seen then are old, never syndicated (no flood).
    first_import_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint("blog", "feed", name="import_source_once")]

    def __str__(self) -> str:
        return f"{self.blog} imports {self.feed}"


class ImportedEntry(models.Model):
    """Entry → post mapping: an entry becomes one post, never a second one on re-poll (R14)."""

    source = models.ForeignKey(ImportSource, on_delete=models.CASCADE, related_name="imported")
    entry = models.ForeignKey(FeedEntry, on_delete=models.CASCADE, related_name="+")
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="+")
    # The entry's content hash when the post was last written: a move means "changed upstream".
    content_hash = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)
    # False for the backlog found on first import and anything published before added_at.
    may_syndicate = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint("source", "entry", name="imported_entry_once")]

    def __str__(self) -> str:
        return f"entry {self.entry_id} → post {self.post_id}"
