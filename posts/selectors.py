"""Reads for blog pages and feeds: each renders in a fixed number of queries.

Pages of one blog load their posts with `blog_posts()`: the blog comes from the host lookup (no join),
and photos and categories are read only when a post on the page has any, into plain lists
(`photos_of()` / `categories_of()`), like `Prefetch(to_attr=…)` but without its per-page cost, which
was a third of an uncached page (issue 7).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef
from django.db.models.functions import TruncMonth
from django.http import Http404

from accounts.models import Blog
from posts.models import Category, Photo, Post
from webmention.selectors import has_visible_responses

# Where blog_posts() keeps a post's photos and categories (see photos_of / categories_of).
PHOTOS_ATTR = "loaded_photos"
CATEGORIES_ATTR = "loaded_categories"
_CategoryLink = Post.categories.through


def listed_posts(blog: Blog):
    """Listed posts, newest first; read them with page_of() or blog_posts()."""
    return Post.objects.for_blog(blog).listed().newest_first()


def relation_flags(post: str = "pk") -> dict:
    """Annotations saying whether the post (`post`: the field holding its id) has photos and categories,
    so empty relations cost no query (attach_relations reads them)."""
    return {
        "has_photos": Exists(Photo.objects.filter(post=OuterRef(post))),
        "has_categories": Exists(_CategoryLink.objects.filter(post=OuterRef(post))),
    }


def _flagged(queryset):
    return queryset.annotate(**relation_flags())


def blog_posts(queryset, blog: Blog) -> list[Post]:
    """Evaluate a queryset of `blog`'s posts with everything an h-entry or a feed item shows."""
    return attach_relations(list(_flagged(queryset)), blog)


def attach_relations(posts: list[Post], blog: Blog | None = None) -> list[Post]:
    """Read the photos and categories of the flagged posts (relation_flags) into the lists photos_of()
    and categories_of() read: a query each, only when some post has any. Posts of one `blog` (given,
    from the host lookup) take it without a join; otherwise each keeps the blog it was loaded with."""
    owner = {post.pk: blog or post.blog for post in posts}
    photos, categories = defaultdict(list), defaultdict(list)
    if with_photos := [post.pk for post in posts if post.has_photos]:
        for photo in Photo.objects.filter(post__in=with_photos):
            photo.blog = owner[photo.post_id]
            photos[photo.post_id].append(photo)
    if with_categories := [post.pk for post in posts if post.has_categories]:
        # One Category per (post, category) link, carrying its post's id: no link rows to build.
        rows = Category.objects.filter(posts__in=with_categories).annotate(post_pk=F("posts__id"))
        for category in rows.order_by("name", "id"):
            category.blog = owner[category.post_pk]
            categories[category.post_pk].append(category)
    for post in posts:
        post.blog = owner[post.pk]
        setattr(post, PHOTOS_ATTR, photos[post.pk])
        setattr(post, CATEGORIES_ATTR, categories[post.pk])
    return posts


def photos_of(post: Post) -> list[Photo]:
    """Loaded by blog_posts(), else from the relation (prefetched by with_relations() elsewhere)."""
    loaded = getattr(post, PHOTOS_ATTR, None)
    return loaded if loaded is not None else list(post.photos.all())


def categories_of(post: Post) -> list[Category]:
    loaded = getattr(post, CATEGORIES_ATTR, None)
    return loaded if loaded is not None else list(post.categories.all())


def page_of(queryset, page: int, size: int, blog: Blog) -> tuple[list[Post], bool]:
    """One page and whether another follows (fetches one extra row instead of counting)."""
    offset = (page - 1) * size
    rows = list(_flagged(queryset[offset : offset + size + 1]))
    return attach_relations(rows[:size], blog), len(rows) > size


def category_or_404(blog: Blog, slug: str) -> Category:
    category = Category.objects.filter(blog=blog, slug=slug).first()
    if category is None:
        raise Http404("No such category")
    category.blog = blog  # already loaded by the host lookup
    return category


def post_at_path(blog: Blog, path: str) -> Post | None:
    """The post with this permalink, deleted or not (the view answers 410 for deleted ones)."""
    queryset = Post.objects.for_blog(blog).filter(path=path).annotate(has_responses=has_visible_responses())
    found = blog_posts(queryset[:1], blog)
    return found[0] if found else None


def months_with_posts(blog: Blog) -> list[tuple[datetime.date, int]]:
    """(first day of month, number of posts) newest first, in the blog's time zone.

    Sorted here, not in SQL: without ORDER BY, PostgreSQL hashes the rows of the listing index
    instead of sorting all of them (10,000 posts: ~3 ms instead of ~7 ms of database time).
    """
    rows = (
        Post.objects.for_blog(blog)
        .listed()
        .annotate(month=TruncMonth("published", tzinfo=blog.tzinfo))
        .values("month")
        .annotate(count=Count("*"))
        .order_by()
    )
    return sorted(((row["month"].date(), row["count"]) for row in rows), reverse=True)


def posts_in_month(blog: Blog, year: int, month: int):
    tz = blog.tzinfo
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return listed_posts(blog).filter(published__gte=start, published__lt=end)
