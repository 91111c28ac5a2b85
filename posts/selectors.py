"""Reads for blog pages and feeds: each returns a queryset that renders in a fixed number of queries."""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import Http404

from accounts.models import Blog
from posts.models import Category, Post


def listed_posts(blog: Blog):
    return Post.objects.for_blog(blog).listed().newest_first().with_relations()


def page_of(queryset, page: int, size: int) -> tuple[list[Post], bool]:
    """One page and whether another follows (fetches one extra row instead of counting)."""
    offset = (page - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    return rows[:size], len(rows) > size


def category_or_404(blog: Blog, slug: str) -> Category:
    category = Category.objects.filter(blog=blog, slug=slug).first()
    if category is None:
        raise Http404("No such category")
    category.blog = blog  # already loaded by the host lookup
    return category


def post_at_path(blog: Blog, path: str) -> Post | None:
    """The post with this permalink, deleted or not (the view answers 410 for deleted ones)."""
    return Post.objects.for_blog(blog).filter(path=path).with_relations().first()


def months_with_posts(blog: Blog) -> list[tuple[datetime.date, int]]:
    """(first day of month, number of posts) newest first, in the blog's time zone."""
    rows = (
        Post.objects.for_blog(blog)
        .listed()
        .annotate(month=TruncMonth("published", tzinfo=blog.tzinfo))
        .values("month")
        .annotate(count=Count("id"))
        .order_by("-month")
    )
    return [(row["month"].date(), row["count"]) for row in rows]


def posts_in_month(blog: Blog, year: int, month: int):
    tz = blog.tzinfo
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return listed_posts(blog).filter(published__gte=start, published__lt=end)
