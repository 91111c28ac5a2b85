"""Blog pages: microformats2 parsed with mf2py, pagination, categories, archives, 404/410."""

from __future__ import annotations

import datetime

import mf2py
import pytest
from django.utils import dateformat, translation

from posts import selectors
from posts.dates import date_text
from posts.images import process_image
from posts.mf2 import display_context
from posts.models import Post
from posts.services import NewPhoto, delete_post, undelete_post
from tests.conftest import jpeg_bytes
from webmention.models import Received

pytestmark = pytest.mark.django_db


def parse(response) -> dict:
    assert response.status_code == 200, response.content[:300]
    return mf2py.parse(doc=response.content.decode(), url="http://alice.microhost.test/")


def entries(parsed: dict) -> list[dict]:
    feeds = [item for item in parsed["items"] if "h-feed" in item["type"]]
    assert feeds, "no h-feed on the page"
    return [child for child in feeds[0].get("children", []) if "h-entry" in child["type"]]


def test_home_is_an_h_feed_of_h_entries(alice, make_post, blog_client):
    """The home page is an h-feed, newest first, with an author h-card."""
    make_post(alice, "First note")
    make_post(alice, "Second note")
    parsed = parse(blog_client(alice).get("/"))
    found = entries(parsed)
    assert [e["properties"]["content"][0]["value"] for e in found] == ["Second note", "First note"]
    feed = next(item for item in parsed["items"] if "h-feed" in item["type"])
    assert feed["properties"]["author"][0]["properties"]["name"] == ["alice"]


def test_note_has_no_name_and_article_has_one(alice, make_post, blog_client):
    """p-name appears for articles only; notes are parsed without a name."""
    note = make_post(alice, "Just a thought")
    article = make_post(alice, "Long body text", name="A Title")
    note_entry = parse(blog_client(alice).get(note.path))["items"][0]
    article_entry = parse(blog_client(alice).get(article.path))["items"][0]
    assert "name" not in note_entry["properties"]
    assert article_entry["properties"]["name"] == ["A Title"]
    assert note.kind == "note" and article.kind == "article"


def test_permalink_entry_properties(alice, make_post, blog_client):
    """A permalink carries content, published, url, uid, categories and the author card."""
    post = make_post(alice, "Hello *world*", category=["Life", "Cats"])
    entry = parse(blog_client(alice).get(post.path))["items"][0]
    props = entry["properties"]
    assert props["content"][0]["html"] == "<p>Hello <em>world</em></p>"
    assert props["url"] == [post.get_absolute_url()] and props["uid"] == [post.get_absolute_url()]
    assert props["published"][0].startswith(post.published.strftime("%Y-%m-%d"))
    assert sorted(props["category"]) == ["Cats", "Life"]
    assert props["author"][0]["properties"]["url"] == ["http://alice.microhost.test/"]
    assert "updated" not in props and "syndication" not in props


def test_edited_post_shows_updated_and_keeps_url(alice, make_post, blog_client):
    """Editing sets dt-updated and never changes the permalink."""
    from posts.services import update_post

    post = make_post(alice, "Original words here", name="Stable")
    path = post.path
    post = update_post(post=post, properties={"name": ["Renamed entirely"], "content": ["New"]})
    assert post.path == path
    props = parse(blog_client(alice).get(path))["items"][0]["properties"]
    assert props["name"] == ["Renamed entirely"] and "updated" in props


@pytest.mark.parametrize(
    ("prop", "kind", "mf2_name"),
    [
        ("in-reply-to", "reply", "in-reply-to"),
        ("like-of", "like", "like-of"),
        ("repost-of", "repost", "repost-of"),
        ("bookmark-of", "bookmark", "bookmark-of"),
    ],
)
def test_response_properties_are_marked_up(alice, make_post, blog_client, prop, kind, mf2_name):
    """Replies, likes, reposts and bookmarks carry their u-* link and their discovered type."""
    post = make_post(alice, "Nice", **{prop.replace("-", "_"): "https://example.com/a/post"})
    assert post.kind == kind
    props = parse(blog_client(alice).get(post.path))["items"][0]["properties"]
    assert props[mf2_name] == ["https://example.com/a/post"]


def test_photo_is_u_photo_with_alt(alice, make_post, blog_client):
    """Photos are u-photo with their alt text and an absolute URL on the blog host."""
    photo = NewPhoto(image=process_image(jpeg_bytes()), alt="A teal square")
    post = make_post(alice, "Look", photos=[photo])
    assert post.kind == "photo"
    props = parse(blog_client(alice).get(post.path))["items"][0]["properties"]
    assert props["photo"][0]["alt"] == "A teal square"
    assert props["photo"][0]["value"].startswith(f"http://alice.microhost.test/media/photos/{alice.blog.pk}/")


def test_photo_file_is_served_on_owners_host_only(alice, bob, make_post, blog_client):
    """A blog host serves its own media, and 404s another blog's files."""
    post = make_post(alice, "Look", photos=[NewPhoto(image=process_image(jpeg_bytes()), alt="x")])
    path = post.photos.get().file.url
    response = blog_client(alice).get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert blog_client(bob).get(path).status_code == 404


def test_unknown_path_is_blog_404(alice, blog_client):
    """A missing post is 404 on the blog's own page."""
    response = blog_client(alice).get("/2020/01/01/nope/")
    assert response.status_code == 404
    assert b"Nothing lives at this address" in response.content


def test_deleted_post_is_410_then_undeleted_200(alice, make_post, blog_client):
    """Deleting makes the permalink 410 Gone; undeleting restores it at the same URL."""
    post = make_post(alice, "Here today")
    delete_post(post=post)
    gone = blog_client(alice).get(post.path)
    assert gone.status_code == 410
    assert b"Here today" not in parse(blog_client(alice).get("/"))["items"].__repr__().encode()
    undelete_post(post=post)
    assert blog_client(alice).get(post.path).status_code == 200


def test_drafts_are_not_public(alice, make_post, blog_client):
    """A draft has no permalink and is absent from lists."""
    draft = make_post(alice, "Secret draft", post_status="draft")
    assert draft.path is None
    assert b"Secret draft" not in blog_client(alice).get("/").content


def test_unlisted_post_has_permalink_but_is_not_listed(alice, make_post, blog_client):
    """Unlisted posts answer at their URL and stay out of the home page."""
    post = make_post(alice, "Quiet one", visibility="unlisted")
    assert blog_client(alice).get(post.path).status_code == 200
    assert b"Quiet one" not in blog_client(alice).get("/").content


def test_pagination(alice, make_post, blog_client, settings):
    """Home pages page by MICROHOST_PAGE_SIZE with rel=next/prev; past the end is 404."""
    settings.MICROHOST_PAGE_SIZE = 3
    for n in range(7):
        make_post(alice, f"Post number {n}")
    client = blog_client(alice)
    assert len(entries(parse(client.get("/")))) == 3
    assert b'rel="next"' in client.get("/").content
    third = client.get("/?page=3")
    assert len(entries(parse(third))) == 1 and b'rel="next"' not in third.content
    assert client.get("/?page=4").status_code == 404


def test_category_page_lists_only_that_category(alice, make_post, blog_client):
    """A category page is an h-feed of the posts in it."""
    make_post(alice, "About cats", category=["Cats"])
    make_post(alice, "About dogs", category=["Dogs"])
    found = entries(parse(blog_client(alice).get("/category/cats/")))
    assert [e["properties"]["content"][0]["value"] for e in found] == ["About cats"]
    assert blog_client(alice).get("/category/birds/").status_code == 404


def test_archive_by_month(alice, make_post, blog_client):
    """The archive lists months with counts; a month page lists that month's posts."""
    make_post(alice, "Old post", published="2024-03-05T10:00:00+00:00")
    make_post(alice, "Newer post", published="2024-05-01T10:00:00+00:00")
    archive = blog_client(alice).get("/archive/")
    assert b"March 2024" in archive.content and b"May 2024" in archive.content
    found = entries(parse(blog_client(alice).get("/2024/03/")))
    assert [e["properties"]["content"][0]["value"] for e in found] == ["Old post"]


def test_archive_months_are_newest_first_with_counts_in_the_blogs_time_zone(alice, make_post):
    """Months come newest first across years; a post late on Dec 31 UTC counts in January in Tokyo."""
    alice.blog.timezone = "Asia/Tokyo"
    alice.blog.save()
    for published in ("2023-11-02T10:00", "2024-03-05T10:00", "2024-03-06T10:00", "2023-12-31T20:00"):
        make_post(alice, "Post", published=f"{published}:00+00:00")
    assert selectors.months_with_posts(alice.blog) == [
        (datetime.date(2024, 3, 1), 2),
        (datetime.date(2024, 1, 1), 1),
        (datetime.date(2023, 11, 1), 1),
    ]


def test_posts_of_other_blogs_never_show(alice, bob, make_post, blog_client):
    """Bob's blog shows Bob's posts only, and his host does not answer Alice's permalinks."""
    post = make_post(alice, "Alice only")
    assert b"Alice only" not in blog_client(bob).get("/").content
    assert blog_client(bob).get(post.path).status_code == 404


def test_discovery_links_in_head_and_header(alice, blog_client):
    """Every blog page advertises its feeds as <link> elements and in the Link header."""
    response = blog_client(alice).get("/")
    parsed = parse(response)
    alternates = {r["type"] for r in parsed["rel-urls"].values() if "alternate" in r["rels"]}
    assert alternates == {"application/rss+xml", "application/atom+xml", "application/feed+json"}
    assert 'rel="alternate"; type="application/feed+json"' in response["Link"]


def test_blog_pages_answer_conditional_get(alice, make_post, blog_client):
    """ETag/Last-Modified give 304s until the blog changes."""
    make_post(alice, "One")
    client = blog_client(alice)
    first = client.get("/")
    assert client.get("/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get("/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    make_post(alice, "Two")
    assert client.get("/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_blog_pages_send_csp_without_script(alice, blog_client):
    """Blog pages forbid all script and set nosniff (R9)."""
    response = blog_client(alice).get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'none'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"


def test_owner_raw_html_in_markdown_is_sanitised(alice, make_post, blog_client):
    """Markdown may contain HTML, but the owner's script never reaches the page."""
    post = make_post(
        alice, 'Hi <script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3))'
    )
    body = blog_client(alice).get(post.path).content.decode()
    assert "<script" not in body.lower() and "onerror=" not in body and 'href="javascript:' not in body


@pytest.mark.parametrize(
    ("path", "queries", "stored"),
    # The first time: host, stored entries, the stale posts whole, photos, categories, storing the
    # entries (in a savepoint here: the test's transaction); then host and stored entries. The category
    # page reads the category too; the archive is one read of its months.
    [("/", 8, 2), ("/category/cats/", 9, 3), ("/archive/", 2, 2), ("/2024/03/", 8, 2)],
)
def test_list_pages_use_bounded_queries(
    alice,
    make_post,
    blog_client,
    django_assert_max_num_queries,
    path,
    queries,
    stored,
    settings,
):
    """List pages cost the same few queries whether they show 1 post or 20; once their entries are
    stored, the host lookup, one read of the posts' entries (and the category)."""
    photo = NewPhoto(image=process_image(jpeg_bytes(200, 200)), alt="x")
    for n in range(25):
        make_post(
            alice,
            f"Post {n}",
            category=["Cats", f"c{n}"],
            photos=[photo],
            published=f"2024-03-{n + 1:02d}T10:00:00+00:00",
        )
    settings.MICROHOST_PAGE_CACHE = False  # (on with Redis) it would answer the second request itself
    client = blog_client(alice)
    with django_assert_max_num_queries(queries):
        first = client.get(path)
    with django_assert_max_num_queries(stored):  # one fewer with the host lookup in Redis
        again = client.get(path)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content


def test_posts_without_photos_or_categories_cost_no_relation_queries(
    alice, make_post, blog_client, django_assert_max_num_queries
):
    """A page of plain notes rendered for the first time is the host lookup (unless Redis has it), the
    posts' stored entries, the posts whole and storing their entries (in a savepoint: the test's
    transaction): empty relations are not read."""
    for n in range(25):
        make_post(alice, f"Note {n}")
    with django_assert_max_num_queries(6):
        body = blog_client(alice).get("/").content.decode()
    assert body.count('class="h-entry') == 20


def test_page_shows_each_posts_own_photos_and_categories(alice, make_post, blog_client):
    """Relations read for a whole page land on the right posts, categories in name order."""
    image = process_image(jpeg_bytes(200, 200))
    make_post(alice, "Plain")
    make_post(alice, "Tagged", category=["zebra", "Apple"])
    make_post(
        alice, "Pictured", photos=[NewPhoto(image=image, alt="first"), NewPhoto(image=image, alt="second")]
    )
    found = {
        e["properties"]["content"][0]["value"]: e["properties"]
        for e in entries(parse(blog_client(alice).get("/")))
    }
    assert "category" not in found["Plain"] and "photo" not in found["Plain"]
    assert found["Tagged"]["category"] == ["Apple", "zebra"] and "photo" not in found["Tagged"]
    assert [p["alt"] for p in found["Pictured"]["photo"]] == ["first", "second"]


@pytest.mark.parametrize(("state", "approved", "shown"), [("held", False, False), ("accepted", True, True)])
def test_permalink_reads_responses_only_when_some_would_show(
    alice, make_post, blog_client, django_assert_num_queries, state, approved, shown
):
    """A held response neither shows nor costs a query; an accepted one shows (one query for them)."""
    post = make_post(alice, "Respond")
    Received.objects.create(
        post=post, blog=alice.blog, source="https://site.example/r", source_host="site.example", kind="reply",
        author_name="Person", content_html="<p>Hi</p>", state=state, approved=approved,
    )  # fmt: skip
    with django_assert_num_queries(3 if shown else 2):  # host, post (+ its responses)
        body = blog_client(alice).get(post.path).content.decode()
    assert ('id="responses"' in body) is shown


def test_permalink_uses_bounded_queries(alice, make_post, blog_client, django_assert_max_num_queries):
    """A permalink is a fixed handful of queries."""
    post = make_post(alice, "One", category=["a", "b", "c"])
    with django_assert_max_num_queries(3):  # host, post (and whether it has responses), categories
        assert blog_client(alice).get(post.path).status_code == 200


@pytest.mark.parametrize("language", ["en", "de", "fr"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2026, 1, 5, 7, 3, 9, 120, tzinfo=datetime.UTC),
        datetime.datetime(999, 12, 31, 23, 59, tzinfo=datetime.UTC),
        datetime.datetime(2024, 5, 17, 0, 0, tzinfo=datetime.UTC),
    ],
)
def test_entry_dates_print_as_the_date_filter_would(moment, language):
    """date_text() is a faster spelling of |date:"M j, Y · H:i" and |date:"M j, Y", in any language."""
    with translation.override(language):
        assert date_text(moment, with_time=True) == dateformat.format(moment, "M j, Y · H:i")
        assert date_text(moment, with_time=False) == dateformat.format(moment, "M j, Y")


def test_display_context_without_extra_properties_is_the_parsed_one():
    """The shortcut for posts without extra properties says what parsing an unrelated property says."""
    assert display_context(Post(extra_properties={})) == display_context(Post(extra_properties={"x": ["y"]}))
