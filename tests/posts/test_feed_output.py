"""The feeds' exact output (posts/feed_formats.py): the bytes Django's syndication framework wrote for
RSS and Atom before it was replaced (captured in golden/), and the same JSON Feed document, for
blogs and categories with hostile and non-ASCII text in every field an owner controls."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from accounts.models import User
from posts.images import process_image
from posts.models import Photo
from posts.services import NewPhoto, update_post
from tests.conftest import jpeg_bytes
from tests.posts.test_feeds_http import BLOG_FEED_QUERIES, CATEGORY_FEED_QUERIES

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = """<b>"Tom" & 'Jerry'</b>"""


@pytest.fixture
def lived_in(alice, bob, make_user, make_post):
    """Alice: a described blog in UTC+05:30 with an avatar and a post of every kind a feed shows
    differently. Bob: no description, no avatar, one note. Carol: no posts."""
    make_user("carol")
    alice.display_name = f"Alice {HOSTILE} ☕"
    alice.avatar.save("me.jpg", ContentFile(jpeg_bytes(64, 64)), save=False)
    alice.save()
    blog = alice.blog
    blog.title, blog.description, blog.timezone = f"Title {HOSTILE}", f"About {HOSTILE} é", "Asia/Kolkata"
    blog.save()
    photo = NewPhoto(image=process_image(jpeg_bytes(40, 30)), alt=f"A photo {HOSTILE}")
    make_post(alice, f"Plain note {HOSTILE}", published="2026-03-01T20:30:00+00:00")
    make_post(
        alice, "Fish & *chips*", name=f"Article {HOSTILE}", summary=f"Summary {HOSTILE}",
        category=["a&b", "Café <x>"], published="2026-03-02T10:00:00Z",
    )  # fmt: skip
    make_post(alice, "Two photos", photos=[photo, photo], published="2026-03-03T10:00:00Z")
    make_post(alice, "Remote photo", photo=["https://img.example/a.png"], published="2026-03-04T10:00:00Z")
    make_post(
        alice, "Right!", in_reply_to="https://other.example/post?a=1&b=2", published="2026-03-05T10:00:00Z"
    )
    make_post(alice, "", like_of="https://other.example/liked", published="2026-03-06T10:00:00Z")
    make_post(alice, "Look", repost_of="https://other.example/shared", published="2026-03-07T10:00:00Z")
    make_post(alice, "Read later", bookmark_of="https://other.example/b", published="2026-03-08T10:00:00Z")
    make_post(alice, "Crème brûlée 🍮", mp_slug="crème", category=["Café <x>"], published="2026-03-09T10:00Z")
    edited = make_post(alice, "First thought.", published="2026-03-10T10:00:00Z")
    update_post(post=edited, properties={"content": ["Second thought."]})
    make_post(bob, "Bob's only note", published="2026-03-11T10:00:00Z")
    return blog


def normalised(text: str, alice) -> str:
    """The avatar's and uploaded photos' random file names, and the edit's time (now)."""
    text = text.replace(alice.avatar_url, "AVATAR")
    for n, photo in enumerate(Photo.objects.exclude(file="").order_by("id")):
        text = text.replace(photo.url, f"PHOTO{n}").replace(photo.display_url, f"PHOTO{n}")
    text = re.sub(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)", _unless_seeded, text)
    return re.sub(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}", _unless_seeded, text)


def _unless_seeded(match: re.Match) -> str:
    """A date the fixture chose (March 2026), or NOW for one that is the time of the test."""
    return match[0] if "2026-03" in match[0] or "Mar 2026" in match[0] else "NOW"


FEEDS = {
    "alice.xml": ("alice", "/feed.xml"),
    "alice.atom": ("alice", "/feed.atom"),
    "alice.json": ("alice", "/feed.json"),
    "alice_category.xml": ("alice", "/category/café-x/feed.xml"),
    "alice_category.atom": ("alice", "/category/café-x/feed.atom"),
    "alice_category.json": ("alice", "/category/café-x/feed.json"),
    "bob.xml": ("bob", "/feed.xml"),
    "bob.atom": ("bob", "/feed.atom"),
    "bob.json": ("bob", "/feed.json"),
    "carol.xml": ("carol", "/feed.xml"),
    "carol.atom": ("carol", "/feed.atom"),
    "carol.json": ("carol", "/feed.json"),
}


@pytest.mark.parametrize("name", list(FEEDS))
def test_every_feed_is_written_as_before(  # noqa: PLR0913 - fixtures and the parameter
    lived_in, alice, blog_client, django_assert_max_num_queries, name, settings
):
    settings.MICROHOST_PAGE_CACHE = False  # (on with Redis) it would answer the second request itself
    username, path = FEEDS[name]
    user = User.objects.get(username=username)
    client = blog_client(user)
    with django_assert_max_num_queries(CATEGORY_FEED_QUERIES if "/category/" in path else BLOG_FEED_QUERIES):
        response = client.get(path)  # no column a feed shows is left unloaded (one query per post)
    assert response.status_code == 200, response.content[:300]
    text = normalised(response.content.decode(), alice)
    assert normalised(client.get(path).content.decode(), alice) == text  # the items as stored
    if os.environ.get("CAPTURE_GOLDEN"):
        (GOLDEN / f"feed_{name}").write_text(text)
    expected = (GOLDEN / f"feed_{name}").read_text()
    if name.endswith(".json"):
        assert json.loads(text) == json.loads(expected)
    else:
        assert text == expected
