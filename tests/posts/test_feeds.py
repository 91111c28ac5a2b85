"""Feed contents: RSS and Atom parsed with feedparser (from bytes), JSON Feed 1.1 checked by structure."""

from __future__ import annotations

import datetime
import json
import re
from types import SimpleNamespace

import feedparser
import pytest

from posts.images import process_image
from posts.services import NewPhoto, delete_post, update_post
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db

FORMATS = ["/feed.xml", "/feed.atom", "/feed.json"]
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def photo(alt: str, color: str = "teal") -> NewPhoto:
    return NewPhoto(image=process_image(jpeg_bytes(200, 150, color)), alt=alt)


@pytest.fixture
def seeded(alice, bob, make_post):
    """A Paris blog with an article, a photo note, an edited note and every kind of hidden post."""
    alice.blog.timezone = "Europe/Paris"
    alice.blog.save()
    posts = SimpleNamespace(
        article=make_post(
            alice,
            "Fish & *chips* by the sea.",
            name="Fish & Chips",
            summary="A day out",
            category=["Food", "Travel"],
            published="2024-03-01T10:00:00+01:00",
        ),
        note=make_post(
            alice,
            "Lunch, look.",
            category=["Food"],
            photos=[photo("A teal plate"), photo("A red cup", "red")],
            published="2024-03-02T12:30:00+01:00",
        ),
        edited=make_post(alice, "First thought.", published="2024-03-03T08:00:00+01:00"),
    )
    posts.edited = update_post(post=posts.edited, properties={"content": ["Second thought."]})
    make_post(alice, "Draft words", post_status="draft")
    make_post(alice, "Unlisted words", visibility="unlisted", published="2024-03-04T08:00:00+01:00")
    make_post(alice, "Private words", visibility="private", published="2024-03-04T09:00:00+01:00")
    delete_post(post=make_post(alice, "Deleted words", published="2024-03-04T10:00:00+01:00"))
    make_post(bob, "Bob's words", published="2024-03-05T10:00:00+00:00")
    return posts


def fetch(blog_client, user, path: str):
    response = blog_client(user).get(path)
    assert response.status_code == 200, response.content[:300]
    return response


def parsed(blog_client, user, path: str) -> feedparser.FeedParserDict:
    result = feedparser.parse(fetch(blog_client, user, path).content)
    assert not result.bozo, result.get("bozo_exception")
    return result


def json_feed(blog_client, user, path: str = "/feed.json") -> dict:
    return json.loads(fetch(blog_client, user, path).content)


def item_urls(blog_client, user, path: str) -> list[str]:
    if path.endswith(".json"):
        return [item["url"] for item in json_feed(blog_client, user, path)["items"]]
    return [entry.link for entry in parsed(blog_client, user, path).entries]


def test_rss_lists_listed_posts_newest_first_with_permalink_guids(alice, seeded, blog_client):
    """RSS items are the listed posts, newest first, each linked and guid'd by its permalink."""
    entries = parsed(blog_client, alice, "/feed.xml").entries
    expected = [seeded.edited, seeded.note, seeded.article]
    assert [entry.link for entry in entries] == [post.get_absolute_url() for post in expected]
    assert [entry.id for entry in entries] == [post.get_absolute_url() for post in expected]
    assert fetch(blog_client, alice, "/feed.xml").content.count(b'<guid isPermaLink="true">') == 3
    assert entries[2].published_parsed[:5] == (2024, 3, 1, 9, 0)  # 10:00 in Paris is 09:00 UTC


def test_rss_notes_have_no_title_articles_do(alice, seeded, blog_client):
    """RSS 2.0 needs title OR description: a note's item has no <title>, an article's has its name."""
    entries = parsed(blog_client, alice, "/feed.xml").entries
    assert [entry.get("title") for entry in entries] == [None, None, "Fish & Chips"]
    assert all(entry.description for entry in entries)


def test_rss_carries_full_content_categories_photos_and_author(alice, seeded, blog_client):
    """An RSS item has the rendered HTML, every photo as <img alt>, categories, author, enclosure."""
    note, article = parsed(blog_client, alice, "/feed.xml").entries[1:]
    assert "<em>chips</em>" in article.description and "by the sea" in article.description
    assert [tag.term for tag in article.tags] == ["Food", "Travel"]
    assert 'alt="A teal plate"' in note.description and 'alt="A red cup"' in note.description
    photos = list(seeded.note.photos.all())
    assert [e.href for e in note.enclosures] == [photos[0].url]
    assert note.enclosures[0].type == "image/jpeg"
    assert article.author == "alice"


def test_rss_channel_points_at_blog_and_itself(alice, seeded, blog_client):
    """The channel links the blog home and names the feed's own URL with atom:link rel=self."""
    feed = parsed(blog_client, alice, "/feed.xml").feed
    assert feed.link == "http://alice.microhost.test/"
    assert {link.rel: link.href for link in feed.links}["self"] == "http://alice.microhost.test/feed.xml"
    assert feed.title == "alice"


def test_atom_entries_have_titles_content_dates_and_categories(alice, seeded, blog_client):
    """Atom needs a title: notes get a plain-text excerpt; content is full HTML; updated always set."""
    edited, note, article = parsed(blog_client, alice, "/feed.atom").entries
    assert [article.title, note.title, edited.title] == ["Fish & Chips", "Lunch, look.", "Second thought."]
    assert article.content[0].type == "text/html" and "<em>chips</em>" in article.content[0].value
    assert article.summary == "A day out"
    assert 'alt="A red cup"' in note.content[0].value
    assert [tag.term for tag in article.tags] == ["Food", "Travel"]
    assert article.updated_parsed == article.published_parsed
    assert edited.updated_parsed > edited.published_parsed
    assert len(note.enclosures) == 2 and article.id == seeded.article.get_absolute_url()
    assert note.author_detail.name == "alice" and note.author_detail.href == "http://alice.microhost.test/"


def test_atom_feed_has_self_and_alternate_links(alice, seeded, blog_client):
    """The Atom feed links its own URL (rel=self) and the blog home (rel=alternate)."""
    feed = parsed(blog_client, alice, "/feed.atom").feed
    rels = {link.rel: link.href for link in feed.links}
    assert rels == {
        "self": "http://alice.microhost.test/feed.atom",
        "alternate": "http://alice.microhost.test/",
    }


def test_json_feed_top_level(alice, seeded, blog_client):
    """JSON Feed 1.1 top level: version URL, title, home and feed URLs, authors, language, items."""
    alice.avatar = "avatars/1/me.jpg"
    alice.save()
    feed = json_feed(blog_client, alice)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "alice" and feed["language"] == "en"
    assert feed["home_page_url"] == "http://alice.microhost.test/"
    assert feed["feed_url"] == "http://alice.microhost.test/feed.json"
    assert feed["authors"] == [
        {
            "name": "alice",
            "url": "http://alice.microhost.test/",
            "avatar": "http://alice.microhost.test/media/avatars/1/me.jpg",
        }
    ]
    assert all(set(item) >= {"id", "url", "content_html", "date_published"} for item in feed["items"])


def test_json_feed_items(alice, seeded, blog_client):
    """Items: newest first, title for articles only, tags, photos as image and <img>, RFC 3339 dates."""
    edited, note, article = json_feed(blog_client, alice)["items"]
    assert [edited["id"], note["id"], article["id"]] == [
        p.get_absolute_url() for p in (seeded.edited, seeded.note, seeded.article)
    ]
    assert article["title"] == "Fish & Chips" and "title" not in note and "title" not in edited
    assert article["tags"] == ["Food", "Travel"] and note["tags"] == ["Food"] and "tags" not in edited
    assert article["summary"] == "A day out" and "<em>chips</em>" in article["content_html"]
    assert note["image"] == next(iter(seeded.note.photos.all())).display_url
    assert 'alt="A teal plate"' in note["content_html"] and 'alt="A red cup"' in note["content_html"]
    assert article["date_published"].startswith("2024-03-01T10:00:00+01:00")
    for item in (edited, note, article):
        assert RFC3339.match(item["date_published"]), item["date_published"]
    assert "date_modified" not in article and RFC3339.match(edited["date_modified"])


@pytest.mark.parametrize("suffix", ["feed.xml", "feed.atom", "feed.json"])
def test_category_feed_has_only_that_category(alice, seeded, blog_client, suffix):
    """/category/food/feed.* lists only the posts in Food (the untagged edited note is absent)."""
    urls = item_urls(blog_client, alice, f"/category/food/{suffix}")
    assert urls == [seeded.note.get_absolute_url(), seeded.article.get_absolute_url()]
    assert item_urls(blog_client, alice, f"/category/travel/{suffix}") == [seeded.article.get_absolute_url()]


def test_category_feed_names_the_category_and_its_urls(alice, seeded, blog_client):
    """A category feed's title, home page and self link are the category's."""
    feed = json_feed(blog_client, alice, "/category/food/feed.json")
    assert feed["title"] == "Food · alice"
    assert feed["home_page_url"] == "http://alice.microhost.test/category/food/"
    assert feed["feed_url"] == "http://alice.microhost.test/category/food/feed.json"


@pytest.mark.parametrize("suffix", ["feed.xml", "feed.atom", "feed.json"])
def test_unknown_category_feed_is_404(alice, blog_client, suffix):
    """A feed for a category the blog does not have is a 404, not an empty feed."""
    assert blog_client(alice).get(f"/category/nope/{suffix}").status_code == 404


@pytest.mark.parametrize("path", FORMATS)
def test_hidden_posts_never_appear(alice, seeded, blog_client, path):
    """Drafts, unlisted, private and deleted posts, and other blogs' posts, are in no feed."""
    body = fetch(blog_client, alice, path).content.decode()
    for words in ("Draft words", "Unlisted words", "Private words", "Deleted words", "Bob's words"):
        assert words not in body
    assert len(item_urls(blog_client, alice, path)) == 3


@pytest.mark.parametrize("path", FORMATS)
def test_feeds_hold_the_newest_page_of_posts(alice, make_post, blog_client, settings, path):
    """A feed carries MICROHOST_PAGE_SIZE posts, the newest ones."""
    settings.MICROHOST_PAGE_SIZE = 3
    posts = [make_post(alice, f"Post {n}", published=f"2024-01-{n + 1:02d}T10:00:00+00:00") for n in range(5)]
    assert item_urls(blog_client, alice, path) == [p.get_absolute_url() for p in reversed(posts[2:])]


def test_empty_blog_has_valid_feeds(alice, blog_client):
    """A blog with no posts still serves well-formed feeds with no items."""
    assert parsed(blog_client, alice, "/feed.xml").entries == []
    assert parsed(blog_client, alice, "/feed.atom").entries == []
    assert json_feed(blog_client, alice)["items"] == []


def test_response_context_is_linked_in_content(alice, make_post, blog_client):
    """A like has no text of its own: the liked URL is in the content so readers show something."""
    make_post(alice, "", like_of="https://example.com/great-post")
    (item,) = json_feed(blog_client, alice)["items"]
    assert '<a href="https://example.com/great-post">' in item["content_html"]
    (entry,) = parsed(blog_client, alice, "/feed.atom").entries
    assert entry.title


def test_custom_domain_blog_feeds_use_that_domain(alice, make_post, settings):
    """On a verified custom domain every feed URL is on that domain."""
    from django.test import Client

    alice.blog.custom_domain = "blog.example.com"
    alice.blog.save()
    post = make_post(alice, "Hello there")
    feed = json.loads(Client(HTTP_HOST="blog.example.com").get("/feed.json").content)
    assert feed["feed_url"] == "http://blog.example.com/feed.json"
    assert feed["items"][0]["url"] == post.get_absolute_url()
    assert post.get_absolute_url().startswith("http://blog.example.com/")


def test_dates_keep_the_blog_time_zone(alice, seeded, blog_client):
    """Dates are written with the blog's own offset (Paris is +01:00 in March)."""
    published = json_feed(blog_client, alice)["items"][2]["date_published"]
    when = datetime.datetime.fromisoformat(published)
    assert when.utcoffset() == datetime.timedelta(hours=1)
