"""The timeline page: follows, fan-out, muting, keyset pagination, reply and like actions, bounded queries."""

from __future__ import annotations

import datetime
import html

import pytest
from django.utils import timezone

from posts.models import Post
from timeline import fanout
from timeline.models import Feed, Follow, Mute, TimelineItem, TimelineState

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_requires_login(platform_client):
    """Anonymous visitors are sent to log in."""
    assert platform_client.get("/timeline/")["Location"].startswith("/accounts/login/")


def test_follow_by_username_and_see_posts(logged_in, alice, bob, make_post):
    """Following bob by username shows his public posts (backfilled and new) and alice's own, newest first."""
    make_post(bob, "bob before the follow")
    response = logged_in.post("/timeline/follow/", {"q": "@bob"})
    assert response.status_code == 302 and Follow.objects.filter(user=alice, blog=bob.blog).exists()
    logged_in.get("/timeline/")  # first read builds alice's timeline and marks her active
    make_post(alice, "own note by alice")
    make_post(bob, "bob after the follow")
    make_post(bob, "bob unlisted", visibility="unlisted")
    page = text(logged_in.get("/timeline/"))
    assert page.index("bob after the follow") < page.index("own note by alice") < page.index("bob before")
    assert "bob unlisted" not in page


def test_follow_by_blog_url(logged_in, alice, bob):
    """A blog URL on the platform is a local follow, not a feed."""
    logged_in.post("/timeline/follow/", {"q": f"{bob.blog.base_url}/"})
    assert Follow.objects.filter(user=alice, blog=bob.blog).exists() and not Feed.objects.exists()


def test_follow_site_with_several_feeds_asks(logged_in, feed_site):
    """A site offering several feeds gets a choice page; choosing one follows that feed."""
    page = feed_site.serve("/", "hfeed.html")
    response = logged_in.post("/timeline/follow/", {"q": page})
    assert "Which feed of" in text(response) and "Follow this one" in text(response)
    feed_site.serve("/feed.json", "microblog.json")
    logged_in.post("/timeline/follow/", {"feed": feed_site.url("/feed.json")})
    assert Follow.objects.get().feed.url == feed_site.url("/feed.json")
    assert "Coffee and a new" in text(logged_in.get("/timeline/"))


def test_follow_feed_shows_entries_sanitised_with_photos(logged_in, feed_site):
    """A followed feed's entries appear at once, photos inline, scripts gone, with reply and like actions."""
    url = feed_site.serve("/feed/", "wordpress.rss")
    logged_in.post("/timeline/follow/", {"q": url})
    page = text(logged_in.get("/timeline/"))
    assert "Sourdough again &amp; more" in page and "<script>" not in page and "onclick" not in page
    assert 'src="https://jane.example/wp-content/uploads/2026/11/loaf-1024x768.jpg"' in page
    assert "/posts/new/?in_reply_to=https%3A//jane.example/2026/11/16/sourdough-again/" in page


def test_follow_without_feed_says_so(logged_in, feed_site):
    """Following an address with no feed shows the discovery message."""
    url = feed_site.serve("/plain", b"<!doctype html><p>hi</p>", content_type="text/html")
    response = logged_in.post("/timeline/follow/", {"q": url}, follow=True)
    assert "no RSS, Atom or JSON feed" in text(response) and not Follow.objects.exists()


def test_summary_only_entries_link_to_the_original(logged_in, feed_site):
    """A summary-only feed is shown as such, with a link to the whole post."""
    logged_in.post("/timeline/follow/", {"q": feed_site.serve("/feed", "blogger.atom")})
    assert "Summary only" in text(logged_in.get("/timeline/"))


def test_mute_hides_without_unfollowing(logged_in, alice, bob, make_post):
    """A muted blog disappears from the timeline but stays followed; unmuting brings it back."""
    logged_in.post("/timeline/follow/", {"q": "bob"})
    make_post(bob, "bob speaks")
    follow = Follow.objects.get(user=alice)
    logged_in.post("/timeline/mute/", {"follow": follow.pk})
    assert (
        "bob speaks" not in text(logged_in.get("/timeline/")) and Follow.objects.filter(pk=follow.pk).exists()
    )
    logged_in.post("/timeline/mute/", {"follow": follow.pk, "action": "unmute"})
    assert "bob speaks" in text(logged_in.get("/timeline/")) and not Mute.objects.exists()


def test_unfollow_removes_items(logged_in, alice, bob, make_post):
    """Unfollowing drops that source's items from the timeline."""
    logged_in.post("/timeline/follow/", {"q": "bob"})
    make_post(bob, "bob speaks")
    logged_in.post(f"/timeline/following/{Follow.objects.get().pk}/unfollow/")
    assert "bob speaks" not in text(logged_in.get("/timeline/"))
    assert not TimelineItem.objects.filter(user=alice, blog=bob.blog).exists()


def test_keyset_pagination_is_stable_under_new_posts(logged_in, alice, bob, make_post):
    """Page 2 after new arrivals continues exactly where page 1 ended: nothing repeated, nothing skipped."""
    logged_in.post("/timeline/follow/", {"q": "bob"})
    logged_in.get("/timeline/")
    for i in range(25):
        make_post(bob, f"post number {i:02d}")
    first = text(logged_in.get("/timeline/"))
    cursor = first.split('href="?before=')[1].split('"')[0]
    make_post(bob, "a brand new post")
    second = text(logged_in.get(f"/timeline/?before={cursor}"))
    assert "post number 05" in first and "post number 04" not in first
    assert "post number 04" in second and "post number 00" in second and "brand new" not in second
    assert "post number 05" not in second


def test_deleted_posts_leave_the_timeline(logged_in, alice, bob, make_post, on_commit):
    """Deleting a post removes it from every timeline."""
    from posts.services import delete_post

    logged_in.post("/timeline/follow/", {"q": "bob"})
    post = make_post(bob, "soon gone")
    with on_commit():
        delete_post(post=post)
    assert "soon gone" not in text(logged_in.get("/timeline/"))


def test_bounded_queries(logged_in, alice, make_user, make_post, feed_site, django_assert_max_num_queries):
    """The page costs the same number of queries for 2 or 30 sources with posts, photos and entries."""
    logged_in.post("/timeline/follow/", {"q": feed_site.serve("/feed/", "wordpress.rss")})
    for i in range(30):
        friend = make_user(f"friend{i}")
        logged_in.post("/timeline/follow/", {"q": friend.username})
        make_post(friend, f"hello from {i}", category=["x", "y"])
    logged_in.get("/timeline/")
    with django_assert_max_num_queries(12):
        response = logged_in.get("/timeline/")
    assert response.status_code == 200 and "hello from 29" in text(response)


def test_like_action_makes_a_like_post(logged_in, alice):
    """The like button creates a like post through posts.services.create_post."""
    response = logged_in.post("/timeline/like/", {"url": "https://jane.example/2026/11/16/sourdough-again/"})
    assert response.status_code == 302
    post = Post.objects.get(blog=alice.blog)
    assert post.kind == "like" and post.like_of == "https://jane.example/2026/11/16/sourdough-again/"


def test_like_refuses_bad_urls(logged_in, alice):
    """javascript: URLs are refused with a message, no post."""
    logged_in.post("/timeline/like/", {"url": "javascript:alert(1)"})
    assert not Post.objects.exists()


def test_like_needs_csrf(platform_client, alice, settings):
    """The like action is a POST protected by CSRF."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_HOST=settings.MICROHOST_DOMAIN)
    client.force_login(alice)
    assert client.post("/timeline/like/", {"url": "https://a.example/"}).status_code == 403


def test_inactive_users_are_skipped_and_rebuilt(logged_in, alice, bob, make_post):
    """Fan-out skips a user who has not read for a month; their next read rebuilds the timeline."""
    logged_in.post("/timeline/follow/", {"q": "bob"})
    logged_in.get("/timeline/")
    TimelineState.objects.filter(user=alice).update(last_seen_at=timezone.now() - datetime.timedelta(days=60))
    post = make_post(bob, "while you were away")
    assert not TimelineItem.objects.filter(user=alice, post=post).exists()
    assert "while you were away" in text(logged_in.get("/timeline/"))


def test_timeline_is_capped(logged_in, alice, bob, make_post, settings):
    """The sweep trims each timeline to the cap."""
    settings.TIMELINE_CAP = 5
    logged_in.post("/timeline/follow/", {"q": "bob"})
    logged_in.get("/timeline/")
    for i in range(8):
        make_post(bob, f"n{i}")
    assert fanout.trim() == 3 and TimelineItem.objects.filter(user=alice).count() == 5


def test_person_page_follow_button(logged_in, bob, make_post):
    """/people/<username>/ shows the profile and a Follow button that follows."""
    make_post(bob, "public note by bob")
    page = text(logged_in.get("/people/bob/"))
    assert "public note by bob" in page and ">Follow</button>" in page
    logged_in.post("/timeline/follow/", {"q": "bob", "next": "/people/bob/"})
    assert "You follow bob" in text(logged_in.get("/people/bob/"))


def test_nav_links_timeline(logged_in):
    """The platform nav links the timeline."""
    assert 'href="/timeline/"' in text(logged_in.get("/posts/"))


def test_photos_categories_and_entries_cost_a_query_only_when_on_the_page(
    logged_in, alice, bob, make_post, feed_site, django_assert_num_queries
):
    """Plain posts: one query (items, posts, blogs and authors joined, mutes excluded). Photos, categories
    and feed entries add one query each, only when the page has some, and all of them are shown."""
    from timeline import selectors

    logged_in.post("/timeline/follow/", {"q": "bob"})
    logged_in.get("/timeline/")  # a reader who reads: fan-out writes to her timeline
    make_post(bob, "plain words")
    with django_assert_num_queries(1):
        items, _ = selectors.timeline_page(alice)
    assert [item.post.content for item in items] == ["plain words"]

    make_post(bob, "with a photo", photo="https://photos.example/bread.jpg", category=["sourdough"])
    logged_in.post("/timeline/follow/", {"q": feed_site.serve("/feed/", "wordpress.rss")})
    with django_assert_num_queries(4):
        items, _ = selectors.timeline_page(alice)
    assert any(item.entry_id for item in items)
    page = text(logged_in.get("/timeline/"))
    assert "https://photos.example/bread.jpg" in page and "sourdough" in page and "plain words" in page
    entry = next(item.entry for item in items if item.entry_id)
    assert html.escape(entry.title, quote=False) in page
