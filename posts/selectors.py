"""Reads for blog pages and feeds: each renders in a fixed number of queries.

Pages and feeds of one blog load their posts with `listed_page()` / `posts_by_id()` /
`newest_in_feed()` / `post_at_path()` (SQL the ORM compiles once per process, prepared.py;
`blog_posts()` for any other queryset): the blog comes from the host lookup (no join), and photos and
categories are read only when a post has any, into plain lists (`photos_of()` / `categories_of()`),
like `Prefetch(to_attr=…)` but without its per-page cost, which was a third of an uncached page
(issue 7). A listing page or a feed reads only each post's stored rendering (its entry, its item;
posts/stored_renderings.py) and reads whole only the posts whose rendering is stale.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import F, OuterRef, Subquery
from django.db.models.lookups import IsNull
from django.http import Http404

from accounts.models import Blog
from posts.models import FEED_COLUMNS, RENDERED_COLUMNS, ArchiveMonth, Category, Photo, Post
from posts.prepared import PreparedQuery
from webmention.selectors import has_visible_responses

# Where blog_posts() keeps a post's photos and categories (see photos_of / categories_of).
PHOTOS_ATTR = "loaded_photos"
CATEGORIES_ATTR = "loaded_categories"
_CategoryLink = Post.categories.through


def listed_posts(blog: Blog):
    """Listed posts, newest first; read them with page_of() or blog_posts()."""
    return Post.objects.for_blog(blog).listed().newest_first()


def _has_any(rows) -> IsNull:
    """`(SELECT id … ORDER BY <an index's order> LIMIT 1) IS NOT NULL`: an index probe per post of the
    page. PostgreSQL may turn an EXISTS into one hashed scan of the whole table (every blog's photos or
    category links) when it expects many posts, not seeing the LIMIT above: ~4 ms of database time a
    page at 20,000 links. Without the ORDER BY, a small table (a few thousand links) was scanned whole
    for each post without any, the planner expecting a match early: 21 scans, ~5 ms a page on the
    issue 7 seed. Ordered as an index is, only the index path needs no sort of every match, so it wins
    as soon as the table is more than a few pages (a tiny one is cheap to scan either way)."""
    return IsNull(Subquery(rows.values("pk")[:1]), False)


def relation_flags(post: str = "pk") -> dict:
    """Annotations saying whether the post (`post`: the field holding its id) has photos and categories,
    so empty relations cost no query (attach_relations reads them). The orders are those of the
    indexes photo_post_order (post, position, id) and the links' unique (post, category)."""
    return {
        "has_photos": _has_any(Photo.objects.filter(post=OuterRef(post)).order_by("position", "id")),
        "has_categories": _has_any(_CategoryLink.objects.filter(post=OuterRef(post)).order_by("category")),
    }


def _flagged(queryset):
    return queryset.annotate(**relation_flags())


def blog_posts(queryset, blog: Blog) -> list[Post]:
    """Evaluate a queryset of `blog`'s posts with everything an h-entry or a feed item shows."""
    return attach_relations(list(_flagged(queryset)), blog)


# Photos and categories are read for up to this many posts per (prepared) query, the list padded
# with NO_POST: one compiled query serves every page size.
POSTS_PER_QUERY = 32
NO_POST = 0  # no post has this id
_POST_MARKERS = {f"post{i}": -7_100_000 - i for i in range(POSTS_PER_QUERY)}
_PHOTOS = PreparedQuery(
    Photo, lambda **posts: Photo.objects.filter(post__in=list(posts.values())), markers=_POST_MARKERS
)
# One Category per (post, category) link, carrying its post's id: no link rows to build.
_CATEGORY_LINKS = PreparedQuery(
    Category,
    lambda **posts: (
        Category.objects.filter(posts__in=list(posts.values()))
        .annotate(post_pk=F("posts__id"))
        .order_by("name", "id")
    ),
    markers=_POST_MARKERS,
)


def _of_posts(query: PreparedQuery, post_ids: list[int]) -> list:
    """What `query` finds for these posts, POSTS_PER_QUERY at a time (no query for none)."""
    found = []
    for start in range(0, len(post_ids), POSTS_PER_QUERY):
        chunk = post_ids[start : start + POSTS_PER_QUERY]
        padded = chunk + [NO_POST] * (POSTS_PER_QUERY - len(chunk))
        found += query(**dict(zip(_POST_MARKERS, padded, strict=True)))
    return found


def attach_relations(posts: list[Post], blog: Blog | None = None) -> list[Post]:
    """Read the photos and categories of the flagged posts (relation_flags) into the lists photos_of()
    and categories_of() read: a query each, only when some post has any. Posts of one `blog` (given,
    from the host lookup) take it without a join; otherwise each keeps the blog it was loaded with."""
    owner = {post.pk: blog or post.blog for post in posts}
    photos, categories = defaultdict(list), defaultdict(list)
    for photo in _of_posts(_PHOTOS, [post.pk for post in posts if post.has_photos]):
        photo.blog = owner[photo.post_id]
        photos[photo.post_id].append(photo)
    for category in _of_posts(_CATEGORY_LINKS, [post.pk for post in posts if post.has_categories]):
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


# Where a prepared query's values go: values no call passes (see PreparedQuery).
_BLOG_ID, _CATEGORY_ID, _PATH = -7_000_001, -7_000_002, "\x00path"
# What a listing page reads of each post (posts/stored_renderings.py): its stored entry and the key it
# was stored under. Only the posts whose entry is stale are read whole, by id (posts_by_id).
LISTING_FIELDS = ("entry_html", "rendered_key")
_LISTED = PreparedQuery(
    Post, lambda blog: listed_posts(blog).only(*LISTING_FIELDS), markers={"blog": _BLOG_ID}, paged=True
)
_LISTED_IN_CATEGORY = PreparedQuery(
    Post,
    lambda blog, category: listed_posts(blog).filter(categories=category).only(*LISTING_FIELDS),
    markers={"blog": _BLOG_ID, "category": _CATEGORY_ID},
    paged=True,
)
# Whole posts, to render: without their stored renderings (stale, or not shown: kilobytes a row).
_BY_ID = PreparedQuery(
    Post,
    lambda **posts: _flagged(Post.objects.filter(pk__in=list(posts.values())).defer(*RENDERED_COLUMNS)),
    markers=_POST_MARKERS,
)
_AT_PATH = PreparedQuery(
    Post,
    lambda blog, path: _flagged(
        Post.objects.for_blog(blog)
        .filter(path=path)
        .defer(*RENDERED_COLUMNS)
        .annotate(has_responses=has_visible_responses())
    ),
    markers={"blog": _BLOG_ID, "path": _PATH},
    paged=True,
)


# What a feed reads of each post: its dates (the feed's own date is the newest), the item stored in one
# format's column (posts/feed_formats.FORMATS) and the key it was stored under.
def _feed_fields(column: str) -> tuple[str, ...]:
    return ("published", "updated", column, "rendered_key")


_FEED = {
    column: PreparedQuery(
        Post,
        lambda blog, c=column: listed_posts(blog).only(*_feed_fields(c)),
        markers={"blog": _BLOG_ID},
        paged=True,
    )
    for column in FEED_COLUMNS
}
_FEED_IN_CATEGORY = {
    column: PreparedQuery(
        Post,
        lambda blog, category, c=column: (
            listed_posts(blog).filter(categories=category).only(*_feed_fields(c))
        ),
        markers={"blog": _BLOG_ID, "category": _CATEGORY_ID},
        paged=True,
    )
    for column in FEED_COLUMNS
}


def listed_page(
    blog: Blog, page: int, size: int, *, category: Category | None = None
) -> tuple[list[Post], bool]:
    """One page of the blog's listed posts (of one of its categories), newest first, and whether another
    follows (one extra row instead of a count): LISTING_FIELDS of each, with prepared SQL."""
    skip, count = (page - 1) * size, size + 1
    if category is None:
        rows = _LISTED(blog=blog.pk, limit=count, offset=skip)
    else:
        rows = _LISTED_IN_CATEGORY(blog=blog.pk, category=category.pk, limit=count, offset=skip)
    return rows[:size], len(rows) > size


def posts_by_id(blog: Blog, ids: list[int]) -> list[Post]:
    """These posts of `blog` (in no particular order) with everything an h-entry shows."""
    return attach_relations(_of_posts(_BY_ID, ids), blog)


def newest_in_feed(blog: Blog, count: int, column: str, *, category: Category | None = None) -> list[Post]:
    """The `count` newest listed posts (of a category), each with its dates and its item stored in
    `column` (see _feed_fields)."""
    if category is None:
        return _FEED[column](blog=blog.pk, limit=count, offset=0)
    return _FEED_IN_CATEGORY[column](blog=blog.pk, category=category.pk, limit=count, offset=0)


def page_of(queryset, page: int, size: int) -> tuple[list[Post], bool]:
    """One page of a queryset of posts, as listed_page() reads it, and whether another page follows."""
    offset = (page - 1) * size
    rows = list(queryset.only(*LISTING_FIELDS)[offset : offset + size + 1])
    return rows[:size], len(rows) > size


def category_or_404(blog: Blog, slug: str) -> Category:
    category = Category.objects.filter(blog=blog, slug=slug).first()
    if category is None:
        raise Http404("No such category")
    category.blog = blog  # already loaded by the host lookup
    return category


def post_at_path(blog: Blog, path: str) -> Post | None:
    """The post with this permalink, deleted or not (the view answers 410 for deleted ones)."""
    found = attach_relations(_AT_PATH(blog=blog.pk, path=path, limit=1), blog)
    return found[0] if found else None


_MONTHS = PreparedQuery(
    ArchiveMonth,
    lambda blog: ArchiveMonth.objects.filter(blog=blog).order_by("-month").values_list("month", "count"),
    markers={"blog": _BLOG_ID},
    values=True,
)


def months_with_posts(blog: Blog) -> list[tuple[datetime.date, int]]:
    """(first day of month, number of listed posts) newest first, in the blog's time zone.

    Rows of ArchiveMonth, which every write keeps exact (archive_months.py): a blog of 10,000 posts
    reads its months, not its posts (grouping them cost PostgreSQL ~3.5 ms a request)."""
    return _MONTHS(blog=blog.pk)


def posts_in_month(blog: Blog, year: int, month: int):
    tz = blog.tzinfo
    start = datetime.datetime(year, month, 1, tzinfo=tz)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return listed_posts(blog).filter(published__gte=start, published__lt=end)
