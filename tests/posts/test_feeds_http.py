"""Feeds over HTTP: content types, caching, conditional GET, bounded queries, autodiscovery."""

from __future__ import annotations

import json

import feedparser
import mf2py
import pytest

from posts.images import process_image
from posts.services import NewPhoto, delete_post
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db

CONTENT_TYPES = {
    "feed.xml": "application/rss+xml",
    "feed.atom": "application/atom+xml",
    "feed.json": "application/feed+json",
}
PATHS = [f"/{name}" for name in CONTENT_TYPES] + [f"/category/cats/{name}" for name in CONTENT_TYPES]
# The first time: host lookup (blog + user), the posts' stored items, the stale posts whole, their
# categories and photos, storing the items (in a savepoint here: the test's transaction); a category
# feed adds the category lookup. Measured, and the same for 1 post or 25. Then: host and stored items.
BLOG_FEED_QUERIES = 8
CATEGORY_FEED_QUERIES = 9
STORED_BLOG_FEED_QUERIES = 2
STORED_CATEGORY_FEED_QUERIES = 3


def media_type(response) -> str:
    return response["Content-Type"].split(";")[0].strip()


def item_contents(response) -> list[str]:
    """Each item's HTML content, whichever the format."""
    if media_type(response) == CONTENT_TYPES["feed.json"]:
        return [item["content_html"] for item in json.loads(response.content)["items"]]
    entries = feedparser.parse(response.content).entries
    return [entry.content[0].value if "content" in entry else entry.description for entry in entries]


@pytest.mark.parametrize("path", PATHS)
def test_feeds_answer_with_their_type_and_cache_headers(alice, make_post, blog_client, path):
    """Each feed answers 200 with its media type, an ETag, Last-Modified and a short public max-age."""
    make_post(alice, "Purr", category=["Cats"])
    response = blog_client(alice).get(path)
    assert response.status_code == 200
    assert media_type(response) == CONTENT_TYPES[path.rsplit("/", 1)[1]]
    assert response["ETag"] and response["Last-Modified"]
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"public", "max-age=60"}


@pytest.mark.parametrize("path", PATHS)
def test_matching_etag_is_304_without_rendering(
    alice, make_post, blog_client, django_assert_max_num_queries, path
):
    """If-None-Match with the current ETag is a 304 costing only the host lookup."""
    make_post(alice, "Purr", category=["Cats"])
    client = blog_client(alice)
    etag = client.get(path)["ETag"]
    with django_assert_max_num_queries(1):
        response = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response.content == b""
    assert "max-age=60" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/feed.xml", "/feed.atom", "/feed.json"])
def test_if_modified_since_is_304(alice, make_post, blog_client, path):
    """If-Modified-Since with the Last-Modified we sent is a 304."""
    make_post(alice, "Purr")
    client = blog_client(alice)
    last_modified = client.get(path)["Last-Modified"]
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304


def test_last_modified_is_the_blogs_change_time(alice, make_post, blog_client):
    """Last-Modified is the blog's changed_at (not the newest item), so deletions move it too."""
    from django.utils.http import http_date

    make_post(alice, "Purr", published="2020-01-01T00:00:00+00:00")
    alice.blog.refresh_from_db()
    response = blog_client(alice).get("/feed.xml")
    assert response["Last-Modified"] == http_date(alice.blog.changed_at.timestamp())


@pytest.mark.parametrize("path", ["/feed.xml", "/feed.atom", "/feed.json"])
def test_new_post_changes_etag(alice, make_post, blog_client, path):
    """After a new post the old ETag no longer matches: the reader gets the new feed."""
    make_post(alice, "First")
    client = blog_client(alice)
    etag = client.get(path)["ETag"]
    make_post(alice, "Second and newest")
    response = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag and b"Second and newest" in response.content


def test_deleted_post_changes_etag_and_leaves_feed(alice, make_post, blog_client):
    """Deleting a post invalidates the cached feed and drops the post from it."""
    post = make_post(alice, "Soon gone")
    client = blog_client(alice)
    etag = client.get("/feed.json")["ETag"]
    delete_post(post=post)
    response = client.get("/feed.json", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and b"Soon gone" not in response.content


def test_each_feed_has_its_own_etag(alice, make_post, blog_client):
    """RSS, Atom and JSON of the same blog state carry different ETags (they are different bodies)."""
    make_post(alice, "Purr", category=["Cats"])
    client = blog_client(alice)
    assert len({client.get(path)["ETag"] for path in PATHS}) == len(PATHS)


@pytest.mark.parametrize("path", PATHS)
def test_feed_queries_are_bounded(  # noqa: PLR0913 - fixtures and the parameter
    alice, make_post, blog_client, django_assert_max_num_queries, path, settings
):
    """25 posts with categories and two photos each render in the same few queries as one post; once
    their items are stored, the host lookup and one read of the items (and the category)."""
    image = process_image(jpeg_bytes(200, 200))
    photos = [NewPhoto(image, "a"), NewPhoto(image, "b")]
    for n in range(25):
        make_post(
            alice,
            f"Post {n}",
            category=["Cats", f"c{n}"],
            photos=photos,
            published=f"2024-03-{n + 1:02d}T10:00",
        )
    category = "/category/" in path
    settings.MICROHOST_PAGE_CACHE = False  # (on with Redis) it would answer the second request itself
    client = blog_client(alice)
    with django_assert_max_num_queries(CATEGORY_FEED_QUERIES if category else BLOG_FEED_QUERIES):
        response = client.get(path)
    assert response.status_code == 200
    contents = item_contents(response)
    assert len(contents) == 20 and all('alt="a"' in html and 'alt="b"' in html for html in contents)
    with django_assert_max_num_queries(
        STORED_CATEGORY_FEED_QUERIES if category else STORED_BLOG_FEED_QUERIES
    ):
        again = client.get(path)
    assert again.content == response.content


def test_home_page_feeds_are_discoverable_and_answer(alice, make_post, blog_client):
    """The home page's rel=alternate links name all three feeds; each answers 200 with that type."""
    make_post(alice, "Purr")
    client = blog_client(alice)
    home = client.get("/")
    rels = mf2py.parse(doc=home.content.decode(), url="http://alice.microhost.test/")["rel-urls"]
    advertised = {url: info["type"] for url, info in rels.items() if "alternate" in info["rels"]}
    assert set(advertised.values()) == set(CONTENT_TYPES.values())
    for url, mime in advertised.items():
        response = client.get(url.removeprefix("http://alice.microhost.test"))
        assert response.status_code == 200 and media_type(response) == mime, url


def test_category_page_feeds_are_discoverable_and_answer(alice, make_post, blog_client):
    """A category page advertises its own three feeds, and they answer with the right types."""
    make_post(alice, "Purr", category=["Cats"])
    client = blog_client(alice)
    page = client.get("/category/cats/")
    rels = mf2py.parse(doc=page.content.decode(), url="http://alice.microhost.test/")["rel-urls"]
    advertised = {url: info["type"] for url, info in rels.items() if "/category/cats/feed." in url}
    assert len(advertised) == 3
    for url, mime in advertised.items():
        response = client.get(url.removeprefix("http://alice.microhost.test"))
        assert response.status_code == 200 and media_type(response) == mime, url
