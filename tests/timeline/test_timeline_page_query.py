"""timeline_page()'s hand-written query (issue 7): the same rows and objects the ORM would give."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from posts.selectors import categories_of
from timeline import selectors
from timeline.models import Follow, Mute, TimelineItem

pytestmark = pytest.mark.django_db


def concrete(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


@pytest.fixture
def following_bob(logged_in, alice, bob):
    """Alice follows bob and has read her timeline (so fan-out writes to it)."""
    logged_in.post("/timeline/follow/", {"q": "bob"})
    logged_in.get("/timeline/")
    return logged_in


def test_items_match_select_related(following_bob, alice, bob, make_post, django_assert_num_queries):
    """Items, posts, blogs and authors carry every field select_related() loads, linked without queries."""
    make_post(bob, "bob's first")
    make_post(bob, "with a category", category=["bread"], in_reply_to="https://jane.example/1/")
    make_post(alice, "alice's own")
    expected = TimelineItem.objects.filter(user=alice).select_related("post__blog__user")
    expected = list(expected.order_by("-published", "-id"))
    items, _ = selectors.timeline_page(alice)
    assert [item.pk for item in items] == [item.pk for item in expected]
    with django_assert_num_queries(0):
        for got, want in zip(items, expected, strict=True):
            pairs = [(got, want), (got.post, want.post), (got.post.blog, want.post.blog)]
            for mine, orms in [*pairs, (got.post.blog.user, want.post.blog.user)]:
                assert concrete(mine) == concrete(orms) and not mine._state.adding
            assert got.post.blog.user.blog is got.post.blog
    assert items[1].post.extra_properties == expected[1].post.extra_properties
    bobs = [item.post for item in items if item.post.blog_id == bob.blog.pk]
    assert len(bobs) == 2 and bobs[0].blog is bobs[1].blog  # one Blog (and User) per blog on the page
    assert [c.name for c in categories_of(items[1].post)] == ["bread"]


def test_cursor_walks_ties_in_published(following_bob, alice, bob, make_post):
    """Items published at the same moment are paged by id: every item once, none skipped."""
    for i in range(7):
        make_post(bob, f"tied {i}")
    moment = timezone.now() - datetime.timedelta(minutes=5)
    TimelineItem.objects.filter(user=alice).update(published=moment)
    seen, cursor = [], ""
    while True:
        items, cursor = selectors.timeline_page(alice, cursor=cursor, limit=3)
        seen += [item.pk for item in items]
        if not cursor:
            break
    expected = TimelineItem.objects.filter(user=alice).order_by("-published", "-id")
    assert seen == list(expected.values_list("pk", flat=True)) and len(seen) == 7


def test_muted_feed_hides_its_entries_only(logged_in, alice, bob, make_post, feed_site):
    """A muted feed's entries leave the page; a muted blog does not hide entries (no blog: NULL)."""
    logged_in.post("/timeline/follow/", {"q": feed_site.serve("/feed/", "wordpress.rss")})
    logged_in.post("/timeline/follow/", {"q": "bob"})
    logged_in.get("/timeline/")
    make_post(bob, "bob speaks")
    Mute.objects.create(user=alice, blog=bob.blog)
    items, _ = selectors.timeline_page(alice)
    assert items and all(item.entry_id for item in items)
    Mute.objects.filter(user=alice).delete()
    Mute.objects.create(user=alice, feed=Follow.objects.get(user=alice, feed__isnull=False).feed)
    items, _ = selectors.timeline_page(alice)
    assert [item.post.content for item in items] == ["bob speaks"]


def test_timeline_page_queries(following_bob, bob, make_post, django_assert_max_num_queries):
    """The whole page of plain posts: session, user, timeline state, the items and the nav's blog."""
    for i in range(25):
        make_post(bob, f"post {i}")
    following_bob.get("/timeline/")
    with django_assert_max_num_queries(5):
        response = following_bob.get("/timeline/")
    assert "post 24" in response.content.decode() and 'href="?before=' in response.content.decode()
