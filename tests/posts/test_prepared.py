"""Prepared reads (posts/prepared.py): the same rows and values as the ORM, compiled once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.forms.models import model_to_dict

from posts import selectors
from posts.images import process_image
from posts.models import RENDERED_COLUMNS, Post
from posts.prepared import PreparedQuery
from posts.services import NewPhoto
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def snapshot(post: Post) -> dict:
    """Every column, the relation flags with their types, and the loaded relations."""
    return {
        **model_to_dict(post, exclude=["categories"]),
        "uuid": post.uuid,
        "created_at": post.created_at,
        "has_photos": (type(post.has_photos), post.has_photos),
        "has_categories": (type(post.has_categories), post.has_categories),
        "photos": [(photo.pk, photo.url) for photo in selectors.photos_of(post)],
        "categories": [category.name for category in selectors.categories_of(post)],
    }


def orm_page(queryset, blog, size: int, skip: int = 0) -> list[dict]:
    return [snapshot(p) for p in selectors.blog_posts(queryset[skip : skip + size], blog)]


@pytest.fixture
def varied_blog(alice, make_post):
    """Posts with JSON columns, photos, categories, an unlisted and a deleted one."""
    image = process_image(jpeg_bytes(100, 100))
    for n in range(7):
        make_post(
            alice,
            f"Post {n} about *things*",
            category=["Cats", f"c{n % 3}"] if n % 2 else [],
            photos=[NewPhoto(image=image, alt=f"photo {n}")] if n % 3 == 0 else [],
            syndication=[f"https://elsewhere.example/{n}"],
            published=f"2024-0{n % 3 + 1}-1{n}T10:00:00+00:00",
        )
    make_post(alice, "Hidden", visibility="unlisted")
    return alice.blog


def test_posts_by_id_is_what_the_orm_reads(varied_blog):
    """Posts read whole by id (a listing's stale entries) equal the ORM's: columns, JSON, flags (as
    booleans) and relations."""
    expected = orm_page(selectors.listed_posts(varied_blog), varied_blog, 20)
    found = selectors.posts_by_id(varied_blog, [post["id"] for post in expected])
    assert sorted(map(snapshot, found), key=lambda p: p["id"]) == sorted(expected, key=lambda p: p["id"])
    assert len(expected) == 7


def listed_ids(queryset, size: int, skip: int = 0) -> list[int]:
    return list(queryset.values_list("pk", flat=True)[skip : skip + size])


def test_pages_follow_each_other(varied_blog):
    """listed_page() pages through the listing in the ORM's order, says when another page follows,
    and loads each post's stored entry and key only."""
    pages = [selectors.listed_page(varied_blog, n, 3) for n in (1, 2, 3)]
    assert [has_next for _posts, has_next in pages] == [True, True, False]
    seen = [p.pk for posts, _ in pages for p in posts]
    assert seen == listed_ids(selectors.listed_posts(varied_blog), 20)
    first = pages[0][0][0]
    assert first.get_deferred_fields() == {f.attname for f in Post._meta.concrete_fields} - {
        "id",
        *selectors.LISTING_FIELDS,
    }


def test_category_listing_is_what_the_orm_reads(varied_blog):
    """A category's listing reads the same posts as the ORM filter."""
    cats = selectors.category_or_404(varied_blog, "cats")
    queryset = selectors.listed_posts(varied_blog).filter(categories=cats)
    found, has_next = selectors.listed_page(varied_blog, 2, 2, category=cats)
    assert [p.pk for p in found] == listed_ids(queryset, 2, skip=2)
    assert has_next is (queryset.count() > 4)


def test_post_at_path_is_what_the_orm_reads(varied_blog):
    """The permalink read carries the columns, relations and the has_responses flag."""
    post = Post.objects.filter(blog=varied_blog, photos__isnull=False).first()
    found = selectors.post_at_path(varied_blog, post.path)
    assert snapshot(found) == orm_page(Post.objects.filter(pk=post.pk), varied_blog, 1)[0]
    assert found.has_responses is False
    assert selectors.post_at_path(varied_blog, "/1999/01/01/nothing/") is None


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/Adak"])
def test_months_are_what_the_orm_counts(varied_blog, make_post, zone):
    """The archive's stored month counts (rebuilt when the zone changes) equal TruncMonth + Count
    through the ORM, for posts on either side of a month's end in UTC."""
    for published in ("2024-03-31T23:30:00+00:00", "2024-04-01T05:00:00+00:00"):
        make_post(varied_blog.user, "At a month's end", published=published)
    varied_blog.timezone = zone
    varied_blog.save()
    rows = (
        selectors.listed_posts(varied_blog)
        .annotate(month=TruncMonth("published", tzinfo=varied_blog.tzinfo))
        .values("month")
        .annotate(count=Count("*"))
        .order_by()
    )
    expected = sorted(((row["month"].date(), row["count"]) for row in rows), reverse=True)
    assert selectors.months_with_posts(varied_blog) == expected


def test_sql_is_compiled_once_per_database_and_variant(alice):
    """The queryset is built once; later calls only bind values (a variant compiles its own)."""
    built = []

    def build(blog, variant="UTC"):
        built.append(variant)
        return Post.objects.filter(blog=blog)

    query = PreparedQuery(Post, build, markers={"blog": -1}, paged=True)
    for variant in (None, None, "x", "x"):
        query(blog=alice.blog.pk, variant=variant, limit=5)
    assert built == ["UTC", "x"]


def test_a_marker_must_be_a_parameter_of_the_query():
    """A marker the compiled SQL does not carry is a mistake said at once, not a wrong result."""
    query = PreparedQuery(Post, lambda blog: Post.objects.all(), markers={"blog": -1})
    with pytest.raises(ValueError, match="marker"):
        query(blog=1)


def test_select_related_is_refused():
    """Rows become instances of one model: a join the query cannot rebuild is refused."""
    query = PreparedQuery(
        Post, lambda blog: Post.objects.filter(blog=blog).select_related("blog"), markers={"blog": -1}
    )
    with pytest.raises(ValueError, match="select_related"):
        query(blog=1)


def test_relations_of_many_posts_are_read_in_chunks(alice, make_post, django_assert_num_queries):
    """More posts than one relation query takes are read POSTS_PER_QUERY at a time, all of them."""
    count = selectors.POSTS_PER_QUERY + 3
    for n in range(count):
        make_post(alice, f"Tagged {n}", category=[f"t{n}"])
    posts = list(selectors._flagged(selectors.listed_posts(alice.blog)))
    with django_assert_num_queries(2):
        selectors.attach_relations(posts, alice.blog)
    assert sorted(selectors.categories_of(p)[0].name for p in posts) == sorted(f"t{n}" for n in range(count))


def test_relation_flags_probe_each_post_instead_of_exists():
    """The flags are scalar subqueries: PostgreSQL hashed a whole table for an EXISTS under a LIMIT."""
    sql = str(selectors._flagged(Post.objects.all()).query).upper()
    assert "EXISTS" not in sql and sql.count("IS NOT NULL") == 2
    assert connection.vendor in ("sqlite", "postgresql")


def _as_loaded(instance) -> dict:
    """An instance as from_db() leaves it: every attribute, and the state's own."""
    values = {key: value for key, value in vars(instance).items() if key != "_state"}
    return {**values, "state": (instance._state.adding, instance._state.db)}


def test_instances_are_filled_in_as_from_db_makes_them(varied_blog):
    """The prepared read fills each instance's __dict__ directly: the same attributes, loaded state
    and `after_load()` bookkeeping (stored_listed_at) as the ORM's, and it saves like one."""
    listed = selectors.listed_posts(varied_blog)
    orm = {post.pk: _as_loaded(post) for post in selectors._flagged(listed.defer(*RENDERED_COLUMNS))}
    prepared = selectors._of_posts(selectors._BY_ID, list(orm))  # whole, but for the renderings
    assert {post.pk: _as_loaded(post) for post in prepared} == orm
    light = selectors._LISTED(blog=varied_blog.pk, limit=20, offset=0)  # deferred fields stay unloaded
    assert [_as_loaded(post) for post in light] == [
        _as_loaded(p) for p in listed.only(*selectors.LISTING_FIELDS)
    ]
    assert all(post._state.adding is False and post.stored_listed_at for post in prepared)
    prepared[0].name = "Renamed"
    prepared[0].save(update_fields=["name"])
    assert Post.objects.get(pk=prepared[0].pk).name == "Renamed"


def test_a_model_someone_listens_for_is_made_by_from_db(varied_blog):
    """A post_init receiver (an app's, a library's) still hears of every instance."""
    from django.db.models.signals import post_init

    heard = []

    def receiver(sender, instance, **kwargs):
        heard.append(instance)

    post_init.connect(receiver, sender=Post)
    try:
        found = selectors._LISTED(blog=varied_blog.pk, limit=20, offset=0)
    finally:
        post_init.disconnect(receiver, sender=Post)
    assert heard == found and len(found) == 7


def test_empty_json_values_are_fresh_objects_equal_to_the_orms(varied_blog):
    """The empty list and object made without json.loads() are what the ORM reads, one per row (a
    caller changing one post's changes no other's)."""
    prepared = selectors._LISTED(blog=varied_blog.pk, limit=20, offset=0)
    orm = {post.pk: post for post in selectors.listed_posts(varied_blog)}
    for post in prepared:
        for name in ("syndication", "syndicate_to", "extra_properties"):
            assert getattr(post, name) == getattr(orm[post.pk], name)
            assert type(getattr(post, name)) is type(getattr(orm[post.pk], name))
    assert prepared[0].extra_properties == {} and prepared[0].syndicate_to == []
    prepared[0].extra_properties["x"] = 1
    prepared[0].syndicate_to.append("y")
    assert prepared[1].extra_properties == {} and prepared[1].syndicate_to == []
