"""Imported blogs: entries become the user's posts (u-url at the original), never duplicated, updated,
and the backlog is never syndicated."""

from __future__ import annotations

import pytest

from posts.models import Post
from tests.timeline.conftest import sample
from timeline.models import ImportedEntry, ImportSource
from timeline.polling import poll_feed
from timeline.selectors import may_syndicate

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(logged_in, alice, feed_site, django_capture_on_commit_callbacks):
    """alice adds her WordPress feed in Settings → Import."""
    url = feed_site.serve("/feed/", "wordpress.rss")
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post("/settings/import/", {"url": url})
    assert response.status_code == 302
    return ImportSource.objects.get(blog=alice.blog)


def test_entries_become_posts_with_original_url(imported, alice, blog_client):
    """Each entry is now alice's post; its page links the original as u-url; scripts are gone."""
    posts = Post.objects.filter(blog=alice.blog).order_by("published")
    assert [p.name for p in posts] == ["Hello world!", "Sourdough again & more"]
    page = blog_client(alice).get(posts[1].path).content.decode()
    assert 'class="u-url original" href="https://jane.example/2026/11/16/sourdough-again/"' in page
    assert "<script" not in page and posts[1].published.year == 2026


def test_repoll_never_duplicates(imported, alice):
    """Re-polling (changed body or not) never creates a second post for an entry (R14)."""
    poll_feed(imported.feed.pk)
    imported.feed.body_hash = ""
    imported.feed.etag = ""
    imported.feed.save()
    poll_feed(imported.feed.pk)
    assert Post.objects.filter(blog=alice.blog).count() == 2 and ImportedEntry.objects.count() == 2


def test_changed_upstream_updates_the_post(imported, alice, feed_site):
    """An entry edited upstream updates the same post in place."""
    feed_site.serve("/feed/", "wordpress-changed.rss")
    poll_feed(imported.feed.pk)
    post = Post.objects.get(blog=alice.blog, name="Sourdough again, edited")
    assert "rose twice" in post.content_html and post.updated is not None
    assert Post.objects.filter(blog=alice.blog).count() == 2


def test_backlog_is_never_syndicated_but_new_entries_are(imported, alice, feed_site):
    """The first import's backlog may not be syndicated; an entry published after the feed was added may."""
    assert not any(may_syndicate(p) for p in Post.objects.filter(blog=alice.blog))
    fresh = sample("ghost.rss").replace(b"Sat, 14 Nov 2026 09:30:00 GMT", b"Sat, 14 Nov 2099 09:30:00 GMT")
    feed_site.serve("/feed/", fresh)
    poll_feed(imported.feed.pk)
    post = Post.objects.get(blog=alice.blog, name="Winter is coming")
    assert may_syndicate(post) and may_syndicate(Post(blog=alice.blog)) is True


def test_imported_posts_reach_followers(imported, alice, bob, platform_client):
    """Imported posts are alice's posts: bob, following alice, sees them in his timeline."""
    platform_client.force_login(bob)
    platform_client.post("/timeline/follow/", {"q": "alice"})
    assert "Sourdough again &amp; more" in platform_client.get("/timeline/").content.decode()


def test_settings_page_lists_and_stops(imported, logged_in, alice):
    """The Import tab lists the source; stopping keeps the posts."""
    page = logged_in.get("/settings/import/").content.decode()
    assert "Jane&#x27;s Kitchen – Notes" in page and 'href="/settings/import/"' in page
    logged_in.post(f"/settings/import/{imported.pk}/remove/")
    assert not ImportSource.objects.exists() and Post.objects.filter(blog=alice.blog).count() == 2


def test_import_without_feed_says_so(logged_in, feed_site):
    """An address with no feed gets a message, nothing is added."""
    url = feed_site.serve("/plain", b"<!doctype html><p>hi</p>", content_type="text/html")
    page = logged_in.post("/settings/import/", {"url": url}, follow=True).content.decode()
    assert "no RSS, Atom or JSON feed" in page and not ImportSource.objects.exists()
