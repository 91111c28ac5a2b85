"""Public blog pages: home, permalink, category, archives. Thin: selectors do the reading."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from posts import selectors, stored_renderings
from posts.blog_pages import render_page
from posts.conditional import blog_conditional, responses_conditional


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


# (page number, page size) -> (the page's posts, whether another page follows)
PageReader = Callable[[int, int], tuple[list, bool]]


def _list_page(request: HttpRequest, read: PageReader, template: str, **context) -> HttpResponse:
    page = _page_number(request)
    posts, has_next = read(page, settings.MICROHOST_PAGE_SIZE)
    if page > 1 and not posts:
        raise Http404("No such page")
    context.update(blog=request.blog, posts=posts, page=page, has_next=has_next, has_previous=page > 1)
    return render_page(template, context)


@blog_conditional
def home(request: HttpRequest) -> HttpResponse:
    return _list_page(
        request, functools.partial(stored_renderings.listed_page, request.blog), "posts/home.html"
    )


@responses_conditional
def permalink(request: HttpRequest, year: int, month: int, day: int, slug: str) -> HttpResponse:
    blog = request.blog
    post = selectors.post_at_path(blog, f"/{year:04d}/{month:02d}/{day:02d}/{slug}/")
    if post is None or post.is_draft:
        raise Http404("No such post")
    if post.is_deleted:
        return render_page("posts/gone.html", {"blog": blog}, status=410)
    return render_page("posts/permalink.html", {"blog": blog, "post": post})


@blog_conditional
def category(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.category_or_404(request.blog, slug)
    read = functools.partial(stored_renderings.listed_page, request.blog, category=found)
    return _list_page(request, read, "posts/category.html", category=found)


@blog_conditional
def archive(request: HttpRequest) -> HttpResponse:
    months = selectors.months_with_posts(request.blog)
    return render_page("posts/archive.html", {"blog": request.blog, "months": months})


@blog_conditional
def month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not 1 <= month <= 12:
        raise Http404("No such month")
    queryset = selectors.posts_in_month(request.blog, year, month)
    read = functools.partial(stored_renderings.page_of, queryset, blog=request.blog)
    return _list_page(request, read, "posts/month.html", month_start=datetime.date(year, month, 1))
