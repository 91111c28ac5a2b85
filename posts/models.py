"""Posts, their photos and categories."""

from __future__ import annotations

import datetime
import uuid

from django.db import models
from django.utils import timezone

from accounts.models import Blog


class PostQuerySet(models.QuerySet):
    def for_blog(self, blog: Blog) -> PostQuerySet:
        return self.filter(blog=blog)

    def live(self) -> PostQuerySet:
        """Not deleted."""
        return self.filter(deleted_at__isnull=True)

    def published(self) -> PostQuerySet:
        return self.live().filter(status=Post.Status.PUBLISHED, published__isnull=False)

    def listed(self) -> PostQuerySet:
        """What lists and feeds show: published and public (unlisted posts have permalinks only)."""
        return self.published().filter(visibility=Post.Visibility.PUBLIC)

    def newest_first(self) -> PostQuerySet:
        return self.order_by("-published", "-id")

    def with_relations(self) -> PostQuerySet:
        """Everything a rendered h-entry needs, in a fixed number of queries."""
        # Categories and photos build URLs from their blog: load it in the same prefetch query.
        return self.select_related("blog__user").prefetch_related(
            models.Prefetch("categories", queryset=Category.objects.select_related("blog")),
            models.Prefetch("photos", queryset=Photo.objects.select_related("blog")),
        )


# The columns deciding whether and when a post is listed (PostQuerySet.listed), in that order.
LISTING_FIELDS = ("published", "status", "visibility", "deleted_at")
UNKNOWN = object()  # listed_at() of values missing a listing field (loaded deferred)


# Post's stored renderings (posts/stored_renderings.py), all kept under one Post.rendered_key: its
# h-entry, and its item in each feed format (posts/feed_formats.FORMATS).
FEED_COLUMNS = ("rss_item", "atom_entry", "json_item")
RENDERED_COLUMNS = ("entry_html", *FEED_COLUMNS)


def stale_rendered_key() -> str:
    """A Post.rendered_key no presentation key equals ("~" + random): the stored renderings are stale,
    and a page that read this token can store its rendering only while the token is still there."""
    return f"~{uuid.uuid4().hex}"


def listed_at(values: dict) -> datetime.datetime | None | object:
    """When a post with these column values is listed (its `published`), None when it is not,
    UNKNOWN when one of LISTING_FIELDS is missing: what the archive counts (archive_months.py)."""
    if not all(field in values for field in LISTING_FIELDS):
        return UNKNOWN
    listed = (
        values["status"] == "published" and values["visibility"] == "public" and values["deleted_at"] is None
    )
    return values["published"] if listed else None


class Category(models.Model):
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, allow_unicode=True)

    class Meta:
        constraints = [models.UniqueConstraint("blog", "slug", name="category_slug_per_blog")]
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return self.blog.absolute(f"/category/{self.slug}/")


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"

    class Visibility(models.TextChoices):
        PUBLIC = "public"
        UNLISTED = "unlisted"
        PRIVATE = "private"

    class Kind(models.TextChoices):
        NOTE = "note"
        ARTICLE = "article"
        PHOTO = "photo"
        VIDEO = "video"
        REPLY = "reply"
        LIKE = "like"
        REPOST = "repost"
        BOOKMARK = "bookmark"
        CHECKIN = "checkin"
        RSVP = "rsvp"

    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="posts")
    # Stable identity for idempotency keys and tag: URIs; never shown as the URL.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NOTE)
    name = models.CharField(max_length=300, blank=True)
    summary = models.TextField(blank=True)
    # The author's source text (Markdown) or, for Micropub HTML content, the HTML as sent.
    content = models.TextField(blank=True)
    content_is_html = models.BooleanField(default=False)
    # Rendered and sanitised; what pages and feeds show.
    content_html = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    published = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    slug = models.SlugField(max_length=80, blank=True, allow_unicode=True)
    # Fixed at first publication: "/2026/11/21/my-slug/". Editing never changes it.
    path = models.CharField(max_length=200, null=True, blank=True)
    in_reply_to = models.URLField(max_length=2000, blank=True)
    like_of = models.URLField(max_length=2000, blank=True)
    repost_of = models.URLField(max_length=2000, blank=True)
    bookmark_of = models.URLField(max_length=2000, blank=True)
    # URLs of copies on other sites (u-syndication).
    syndication = models.JSONField(default=list, blank=True)
    # Target uids asked for with Micropub mp-syndicate-to; the syndication jobs act on them (issue 6).
    syndicate_to = models.JSONField(default=list, blank=True)
    # mf2 properties we do not model as columns, kept verbatim for q=source.
    extra_properties = models.JSONField(default=dict, blank=True)
    categories = models.ManyToManyField(Category, blank=True, related_name="posts")
    # The post as listing pages (its h-entry) and feeds (an RSS item, an Atom entry, a JSON Feed item)
    # show it, stored by posts/stored_renderings.py, and the key of what they were rendered from ("" is
    # not stored). Every save (and so every change to its photos or categories, made in the same
    # transaction) puts a fresh random token in the key, which no presentation key equals.
    entry_html = models.TextField(blank=True, default="", db_default="", editable=False)
    rss_item = models.TextField(blank=True, default="", db_default="", editable=False)
    atom_entry = models.TextField(blank=True, default="", db_default="", editable=False)
    json_item = models.TextField(blank=True, default="", db_default="", editable=False)
    rendered_key = models.CharField(max_length=80, blank=True, default="", db_default="", editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint("blog", "path", name="post_path_per_blog")]
        indexes = [
            models.Index(fields=["blog", "status", "deleted_at", "-published"], name="post_blog_listing"),
            # Exactly what home pages and feeds read (listed(), newest_first()): the first page of a blog
            # of 10,000 posts is 21 index entries, not a sort of all 10,000 rows.
            models.Index(
                "blog",
                models.F("published").desc(),
                models.F("id").desc(),
                condition=models.Q(
                    deleted_at__isnull=True, status="published", published__isnull=False, visibility="public"
                ),
                name="post_blog_listed",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.content[:60] or str(self.uuid)

    def save(self, *args, **kwargs) -> None:
        """Save, forgetting the stored renderings (posts/stored_renderings.py): whatever changed, they
        are stale."""
        for column in RENDERED_COLUMNS:
            setattr(self, column, "")
        self.rendered_key = stale_rendered_key()
        update_fields = kwargs.get("update_fields")
        if update_fields:  # None saves every field; an empty list saves nothing (and changes nothing)
            kwargs["update_fields"] = {*update_fields, *RENDERED_COLUMNS, "rendered_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return self.blog.absolute(self.path or f"/drafts/{self.uuid}/")

    @classmethod
    def from_db(cls, db, field_names, values):
        return super().from_db(db, field_names, values).after_load()

    def after_load(self) -> Post:
        """Remember when the row was listed as loaded: a save or delete recounts that month too.
        (Called for every instance read from the database, posts/prepared.py's included.)"""
        self.stored_listed_at = listed_at(self.__dict__)  # __dict__: a deferred field stays unloaded
        return self

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_article(self) -> bool:
        return bool(self.name)

    @property
    def display_context(self) -> dict:
        """What its page shows about what it responds to, where it was, its video/audio (see mf2.py)."""
        from posts.mf2 import display_context

        return display_context(self)

    @property
    def title_or_excerpt(self) -> str:
        """The title, or the first words of the text cut at EXCERPT_CHARS with an ellipsis."""
        from posts.excerpts import excerpt

        return self.name or excerpt(self.content_html)


class ArchiveMonth(models.Model):
    """How many listed posts a blog has in one month: the archive page reads months, not posts.

    Kept exact on every write of a post (posts/archive_months.py, wired in posts/signals.py)."""

    # The blog whose archive this row is a line of; its rows go with it.
    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="archive_months")
    # The first day of the month in the blog's time zone (rebuilt when the zone changes).
    month = models.DateField()
    # Listed posts (PostQuerySet.listed) published in that month; a month with none has no row.
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["blog", "month"], name="archive_month_per_blog")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.count}"


class Photo(models.Model):
    """An uploaded (or remotely referenced) image with its alt text and resized variants."""

    blog = models.ForeignKey(Blog, on_delete=models.CASCADE, related_name="photos")
    # Indexed with its order (Meta): a post's photos come out sorted, and the has-photos probe of
    # posts.selectors.relation_flags is one index step however small the table is.
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="photos", null=True, blank=True, db_index=False
    )
    file = models.FileField(upload_to="photos/", blank=True, max_length=300)
    remote_url = models.URLField(max_length=2000, blank=True)
    alt = models.CharField(max_length=1500, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    # {"640": "photos/…-640.jpg", "1280": …}: smaller copies for pages and feeds.
    variants = models.JSONField(default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["post", "position", "id"], name="photo_post_order")]

    def __str__(self) -> str:
        return self.alt or self.remote_url or self.file.name

    @property
    def url(self) -> str:
        """Absolute URL of the full-size image."""
        if self.remote_url:
            return self.remote_url
        return absolute_media(self.blog, self.file.url)

    def variant_url(self, width: int) -> str:
        name = self.variants.get(str(width))
        if not name:
            return self.url
        return absolute_media(self.blog, self.file.storage.url(name))

    @property
    def display_url(self) -> str:
        """The size pages show: the 1280 px copy when there is one."""
        return self.variant_url(1280)


def absolute_media(blog: Blog, url: str) -> str:
    """Local media is served on the blog's own host; object storage URLs are already absolute."""
    return url if url.startswith(("http://", "https://")) else blog.absolute(url)
