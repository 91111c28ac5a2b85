"""The Microsub endpoint (indieweb.org/Microsub-spec): auth, scopes, channels, timeline, follow, mute."""

from __future__ import annotations

import pytest

from accounts.tokens import mint_token
from timeline.models import Channel, Follow, Mute, TimelineItem

pytestmark = pytest.mark.django_db

ALL = "read follow mute block channels"


@pytest.fixture
def microsub(platform_client, alice):
    """microsub(verb, scope=ALL, **params) → (status, json) as alice's reader app."""
    raw = {}

    def call(verb: str, scope: str = ALL, **params):
        if scope not in raw:
            raw[scope] = mint_token(user=alice, scope=scope)[0]
        send = platform_client.get if verb == "GET" else platform_client.post
        response = send("/microsub", params, HTTP_AUTHORIZATION=f"Bearer {raw[scope]}")
        return response.status_code, response.json()

    return call


def test_needs_a_token(platform_client):
    """No token → 401 unauthorized."""
    response = platform_client.get("/microsub", {"action": "channels"})
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"


def test_unknown_action_is_invalid_request(microsub):
    """An unknown action is 400 invalid_request (issue 5 "Bad input")."""
    status, body = microsub("GET", action="dance")
    assert status == 400 and body["error"] == "invalid_request"


def test_scopes_are_enforced(microsub):
    """A read-only token cannot follow (403 insufficient_scope)."""
    status, body = microsub("POST", scope="read", action="follow", url="https://a.example/")
    assert status == 403 and body["error"] == "insufficient_scope"


def test_channels_create_rename_order_delete(microsub, alice):
    """Channels: built-ins listed first; create, rename, order and delete work; follows move back to Home."""
    status, body = microsub("GET", action="channels")
    assert [c["uid"] for c in body["channels"]] == ["notifications", "default"]
    _, made = microsub("POST", action="channels", name="Friends")
    _, other = microsub("POST", action="channels", name="News")
    microsub("POST", action="channels", channel=made["uid"], name="Close friends")
    microsub("POST", action="channels", method="order", **{"channels[]": [other["uid"], made["uid"]]})
    _, body = microsub("GET", action="channels")
    assert [c["name"] for c in body["channels"]][2:] == ["News", "Close friends"]
    status, _ = microsub("POST", action="channels", method="delete", channel=made["uid"])
    assert status == 200 and not Channel.objects.filter(uid=made["uid"]).exists()


def test_follow_timeline_and_read_state(microsub, alice, bob, make_post, feed_site):
    """Follow a local user and a feed; timeline pages jf2 entries with _id; mark_read/unread/remove."""
    make_post(bob, "bob says hi")
    assert microsub("POST", action="follow", url=f"{bob.blog.base_url}/")[1]["type"] == "feed"
    microsub("POST", action="follow", url=feed_site.serve("/feed/", "wordpress.rss"))
    _, body = microsub("GET", action="follow", channel="default")
    assert len(body["items"]) == 2
    _, page = microsub("GET", action="timeline", channel="default")
    names = [i.get("name") or i["content"]["text"] for i in page["items"]]
    assert "bob says hi" in names and "Sourdough again & more" in names
    first = page["items"][0]["_id"]
    assert page["items"][0]["_is_read"] is False
    microsub("POST", action="timeline", method="mark_read", entry=first)
    assert TimelineItem.objects.get(pk=first).is_read
    microsub("POST", action="timeline", method="mark_unread", **{"entry[]": [first]})
    assert not TimelineItem.objects.get(pk=first).is_read
    microsub("POST", action="timeline", method="remove", entry=first)
    assert not TimelineItem.objects.filter(pk=first).exists()


def test_paging(microsub, alice, bob, make_post):
    """paging.after leads to the next page without repeats."""
    microsub("POST", action="follow", url="bob")
    microsub("GET", action="timeline")
    for i in range(25):
        make_post(bob, f"n{i:02d}")
    _, one = microsub("GET", action="timeline")
    _, two = microsub("GET", action="timeline", after=one["paging"]["after"])
    ids = [i["_id"] for i in one["items"] + two["items"]]
    assert len(ids) == len(set(ids)) == 25 and "after" not in two["paging"]


def test_search_and_preview(microsub, feed_site):
    """search finds a site's feeds; preview shows a feed's entries without storing anything."""
    page = feed_site.serve("/", "hfeed.html")
    feed_site.serve("/feed.json", "microblog.json")
    _, found = microsub("POST", action="search", query=page)
    assert [r["url"] for r in found["results"]][:2] == [
        feed_site.url("/feed.xml"),
        feed_site.url("/feed.json"),
    ]
    _, preview = microsub("GET", action="preview", url=feed_site.url("/feed.json"))
    assert preview["items"][0]["photo"] == ["https://micro.example/uploads/2026/coffee.jpg"]
    assert not Follow.objects.exists()


def test_unfollow_mute_block(microsub, alice, bob, make_post):
    """mute hides, unmute restores; block unfollows and removes items; unfollow drops the follow."""
    microsub("POST", action="follow", url="bob")
    microsub("POST", action="mute", url=f"{bob.blog.base_url}/")
    assert microsub("GET", action="mute")[1]["items"] == [{"type": "card", "url": f"{bob.blog.base_url}/"}]
    microsub("POST", action="unmute", url=f"{bob.blog.base_url}/")
    assert not Mute.objects.exists()
    make_post(bob, "hello")
    microsub("POST", action="block", url="bob")
    assert not Follow.objects.exists() and not TimelineItem.objects.filter(blog=bob.blog).exists()
    assert Mute.objects.get().blocked
    microsub("POST", action="unblock", url="bob")
    microsub("POST", action="follow", url="bob")
    microsub("POST", action="unfollow", url="bob")
    assert not Follow.objects.exists()


def test_notifications_channel_lists_mentions(microsub, alice, bob, make_post):
    """The notifications channel holds replies to the user from the platform."""
    target = make_post(alice, "alice writes")
    make_post(bob, "a reply", in_reply_to=target.get_absolute_url())
    _, page = microsub("GET", action="timeline", channel="notifications")
    assert page["items"][0]["in-reply-to"] == [target.get_absolute_url()]
