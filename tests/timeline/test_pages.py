"""Mentions, Discover (with featured posts), conversation view, and rel=microsub on blog pages."""

from __future__ import annotations

import pytest

from timeline.models import FeaturedPost
from timeline.selectors import register_mentions

pytestmark = pytest.mark.django_db


def test_mentions_lists_replies_and_links(logged_in, alice, bob, make_post):
    """Replies, likes and links to alice's blog from others are her mentions; her own posts are not."""
    target = make_post(alice, "alice's thought")
    make_post(bob, "I disagree", in_reply_to=target.get_absolute_url())
    make_post(bob, f"See [alice]({alice.blog.base_url}/) for more")
    make_post(bob, "unrelated")
    page = logged_in.get("/timeline/mentions/").content.decode()
    assert "I disagree" in page and "for more" in page and "unrelated" not in page
    assert "alice&#x27;s thought" not in page and "alice's thought" not in page


def test_mentions_hook_for_webmentions(logged_in, alice, monkeypatch):
    """Another app registers a mentions provider (received webmentions) and its items are merged in."""
    import datetime

    from timeline import selectors

    class Received:
        published = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
        author_name, author_url, url, kind = (
            "Remote Ron",
            "https://ron.example/",
            "https://ron.example/1",
            "reply",
        )
        content_html = "<p>from afar</p>"

    monkeypatch.setattr(selectors, "MENTION_PROVIDERS", [])
    register_mentions(lambda user, limit: [Received()])
    page = logged_in.get("/timeline/mentions/").content.decode()
    assert "from afar" in page and "Remote Ron" in page


def test_discover_shows_featured_then_recent(platform_client, alice, bob, make_post):
    """Discover lists public posts newest first; operator-featured posts come first."""
    old = make_post(alice, "an older gem")
    make_post(bob, "fresh post")
    make_post(bob, "hidden one", visibility="unlisted")
    FeaturedPost.objects.create(post=old)
    page = platform_client.get("/discover/").content.decode()
    assert page.index("Featured") < page.index("an older gem") < page.index("fresh post")
    assert "hidden one" not in page


def test_conversation_in_thread_order(platform_client, alice, bob, make_post):
    """A post with replies and replies to replies, in thread order with depth."""
    root = make_post(alice, "root post")
    reply = make_post(bob, "first reply", in_reply_to=root.get_absolute_url())
    make_post(alice, "reply to reply", in_reply_to=reply.get_absolute_url())
    make_post(bob, "second reply", in_reply_to=root.get_absolute_url())
    page = platform_client.get(f"/conversation/{root.pk}/").content.decode()
    order = [page.index(t) for t in ("root post", "first reply", "reply to reply", "second reply")]
    assert order == sorted(order) and "depth-2" in page


def test_blog_pages_advertise_microsub(blog_client, alice):
    """Every blog page has rel=microsub (link element and Link header) pointing at the platform endpoint."""
    response = blog_client(alice).get("/")
    assert 'rel="microsub"' in response["Link"] and "http://microhost.test/microsub" in response["Link"]
    assert 'href="http://microhost.test/microsub"' in response.content.decode()


def test_pages_have_bounded_queries(logged_in, alice, make_user, make_post, django_assert_max_num_queries):
    """Following, Mentions, Discover and a profile cost a fixed number of queries with 20 follows/posts."""
    from timeline.models import Channel, Follow

    channel = Channel.objects.create(user=alice, uid="c1", name="Friends")
    target = make_post(alice, "target")
    for i in range(20):
        friend = make_user(f"f{i}")
        logged_in.post("/timeline/follow/", {"q": friend.username})
        make_post(friend, f"reply {i}", in_reply_to=target.get_absolute_url(), category=["a", "b"])
    Follow.objects.filter(user=alice).update(channel=channel.uid)
    for path in ("/timeline/following/", "/timeline/mentions/", "/discover/", "/people/f1/"):
        with django_assert_max_num_queries(12):
            response = logged_in.get(path)
        assert response.status_code == 200
    assert "in channel Friends" in logged_in.get("/timeline/following/").content.decode()
