"""Micropub create, form-encoded: micropub.rocks 100-series plus harness extras 108-111, 900, 901."""

from __future__ import annotations

from urllib.parse import quote

import mf2py
import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tokens import mint_token
from posts.models import Category, Post
from timeline.models import TimelineItem, TimelineState

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"
PHOTO_URL = "https://photos.example.com/sunset.jpg"


def form(client, body: str):
    """POST a raw form body, with literal `[]` in names as the suite sends them."""
    return client.post("/micropub", body, content_type=FORM)


def created(response) -> str:
    """Created means 201 with an absolute Location on the blog."""
    assert response.status_code == 201, response.content
    assert response["Location"].startswith("http://alice.microhost.test/")
    return response["Location"]


def entry(client, location: str) -> dict:
    """The h-entry properties of the page at Location, parsed with mf2py."""
    page = client.get(location.removeprefix("http://alice.microhost.test"))
    assert page.status_code == 200
    parsed = mf2py.parse(doc=page.content.decode(), url=location)
    return next(item for item in parsed["items"] if "h-entry" in item["type"])["properties"]


def source(client, location: str) -> dict:
    response = client.get("/micropub", {"q": "source", "url": location})
    assert response.status_code == 200
    return response.json()["properties"]


def test_100_form_h_entry(client):
    """h=entry&content=… creates a post: 201 and an absolute Location showing the content."""
    location = created(form(client, "h=entry&content=Hello+World"))
    assert entry(client, location)["content"][0]["value"] == "Hello World"


def test_101_form_multiple_categories(client):
    """category[]=test1&category[]=test2 gives the post both categories."""
    location = created(form(client, "h=entry&content=Two+tags&category[]=test1&category[]=test2"))
    assert sorted(entry(client, location)["category"]) == ["test1", "test2"]


def test_104_form_photo_by_url(client):
    """photo=<URL> shows the photo, hotlinked at that URL (never fetched)."""
    location = created(form(client, f"h=entry&content=Look&photo={quote(PHOTO_URL, safe='')}"))
    assert [photo["value"] for photo in entry(client, location)["photo"]] == [PHOTO_URL]
    assert Post.objects.get().photos.get().remote_url == PHOTO_URL


def test_107_form_single_category(client):
    """category=test1 without brackets is a one-value category."""
    location = created(form(client, "h=entry&content=One+tag&category=test1"))
    assert entry(client, location)["category"] == ["test1"]


def test_108_form_without_h_defaults_to_entry(client):
    """A create without h is an h-entry (Micropub §3.3 SHOULD)."""
    location = created(form(client, "content=No+h+given"))
    assert entry(client, location)["content"][0]["value"] == "No h given"


def test_110_utf8_round_trip(client):
    """Non-ASCII text (accents, CJK, emoji, RTL) comes back unchanged from the page and q=source."""
    text = "Grüße, 東京 🌸 שלום"
    location = created(form(client, f"h=entry&content={quote(text)}&category[]={quote('café')}"))
    assert entry(client, location)["content"][0]["value"] == text
    stored = source(client, location)
    assert stored["content"] == [text] and stored["category"] == ["café"]


def test_111_unknown_property_kept_not_rendered(client):
    """An unknown property does not stop the create; it is kept for q=source, not shown on the page."""
    location = created(form(client, "h=entry&content=Odd&x-mood=happy&x-mood=calm"))
    props = entry(client, location)
    assert props["content"][0]["value"] == "Odd" and "x-mood" not in props
    assert b"happy" not in client.get(location.removeprefix("http://alice.microhost.test")).content
    assert source(client, location)["x-mood"] == ["happy", "calm"]


def test_900_mp_slug_in_url_and_no_mp_stored(client):
    """mp-slug becomes the URL's slug; no mp-* property is stored or returned."""
    location = created(form(client, "h=entry&content=Slugged&mp-slug=my-chosen-slug&mp-extra=1"))
    assert location.endswith("/my-chosen-slug/")
    assert not [name for name in source(client, location) if name.startswith("mp-")]
    assert not [name for name in Post.objects.get().extra_properties if name.startswith("mp-")]


def test_901_form_published_kept(client):
    """A form-supplied published date is kept: the same instant comes back from q=source."""
    location = created(form(client, "h=entry&content=Backdated&published=2017-05-31T12%3A03%3A36-07%3A00"))
    assert source(client, location)["published"] == ["2017-05-31T19:03:36+00:00"]
    assert "/2017/05/31/" in location


def test_form_mp_syndicate_to_stored_as_command(client):
    """mp-syndicate-to values are kept on the post for the syndication jobs, not as a property."""
    location = created(
        form(client, "h=entry&content=Share&mp-syndicate-to[]=mastodon&mp-syndicate-to[]=bsky")
    )
    post = Post.objects.get()
    assert post.syndicate_to == ["mastodon", "bsky"]
    assert "mp-syndicate-to" not in post.extra_properties and "mp-syndicate-to" not in source(
        client, location
    )


def test_form_draft_and_visibility(client):
    """post-status=draft stays off the blog; visibility=unlisted is kept and reported."""
    draft = created(form(client, "h=entry&content=Later&post-status=draft"))
    assert "/drafts/" in draft and client.get("/").content.count(b"Later") == 0
    unlisted = created(form(client, "h=entry&content=Quiet&visibility=unlisted"))
    assert source(client, unlisted)["visibility"] == ["unlisted"]
    assert source(client, draft)["post-status"] == ["draft"]


def test_form_response_types_render(client):
    """Likes, replies, reposts and bookmarks show what they point at, with their mf2 link."""
    like = created(form(client, "h=entry&like-of=https%3A%2F%2Fexample.com%2Fliked"))
    reply = created(form(client, "h=entry&content=Agreed&in-reply-to=https%3A%2F%2Fexample.com%2Fthread"))
    bookmark = created(form(client, "h=entry&name=Good+read&bookmark-of=https%3A%2F%2Fexample.com%2Fread"))
    assert entry(client, like)["like-of"] == ["https://example.com/liked"]
    assert entry(client, reply)["in-reply-to"] == ["https://example.com/thread"]
    page = client.get(bookmark.removeprefix("http://alice.microhost.test")).content.decode()
    assert ">Good read</a>" in page and "https://example.com/read" in page
    assert [p.kind for p in Post.objects.order_by("id")] == ["like", "reply", "bookmark"]


def test_form_invalid_property_is_400_and_nothing_saved(client):
    """A bad value (like-of that is not a URL) is invalid_request with a readable description."""
    response = form(client, "h=entry&content=x&like-of=javascript%3Aalert(1)")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert "like-of" in response.json()["error_description"] and not Post.objects.exists()


def test_form_unsupported_h_and_empty_create(client):
    """h=event is refused (only h-entry is supported); a create with nothing in it is refused."""
    assert form(client, "h=event&name=Party").json()["error"] == "invalid_request"
    assert form(client, "h=entry&mp-slug=x").status_code == 400
    assert not Post.objects.exists()


def test_form_create_query_count_is_bounded(client, django_assert_max_num_queries):
    """A form create with new categories and a photo URL: at most 13 queries (2 of them the savepoint),
    however many tags: host, token (+ its throttled last-used write), path, post, its archive month,
    links tried, categories created, links made, photo, blog."""
    for tags in (["a", "b"], ["c", "d", "e", "f", "g", "h"]):
        body = "&".join(f"category[]={tag}" for tag in tags)
        with django_assert_max_num_queries(13):
            created(form(client, f"h=entry&content=Count&{body}&photo={quote(PHOTO_URL)}"))


def test_form_create_with_known_categories_costs_nine_queries(client, django_assert_max_num_queries):
    """The common create (tags used before): host, token, path, post, its archive month, links (one
    INSERT … SELECT), blog, and the savepoint's two."""
    body = "h=entry&content=Again&category[]=daily&category[]=notes"
    created(form(client, body))
    with django_assert_max_num_queries(9):
        created(form(client, body))


def test_form_create_with_known_and_new_categories_links_each_once(client):
    """A create naming a known tag, a new one and the known one again links each category once."""
    created(form(client, "h=entry&content=First&category[]=known"))
    location = created(
        form(client, "h=entry&content=Both&category[]=known&category[]=fresh&category[]=Known")
    )
    post = Post.objects.get(path=location.removeprefix("http://alice.microhost.test"))
    assert sorted(post.categories.values_list("slug", flat=True)) == ["fresh", "known"]
    assert Category.objects.filter(blog=post.blog).count() == 2


def test_form_create_receivers_stay_cheap(client, django_capture_on_commit_callbacks):
    """What the commit sets off for an owner without connections: one syndication query, no lane kick,
    no imported-entry lookup; the path is found by exact match (no LIKE scan over the blog's posts)."""
    created(form(client, "h=entry&content=Warm"))
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        created(form(client, "h=entry&content=Receivers&category[]=x"))
    sql = [query["sql"] for query in queries.captured_queries]
    assert len([q for q in sql if "syndication_" in q]) == 1
    assert not [q for q in sql if "timeline_importedentry" in q or "syndication_lane" in q]
    assert not [q for q in sql if "posts_post" in q and " LIKE " in q]


def test_form_create_timeline_costs_one_statement(alice, client, django_capture_on_commit_callbacks):
    """A new post of an active author: the author's timeline row is one INSERT … SELECT (no UPDATE of
    rows a new post cannot have, no transaction); a draft touches the timeline not at all."""
    TimelineState.objects.create(user=alice, last_seen_at=timezone.now(), built_at=timezone.now())
    for body, expected in (("h=entry&content=Timeline", 1), ("h=entry&content=Draft&post-status=draft", 0)):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            created(form(client, body))
        sql = [query["sql"] for query in queries.captured_queries]
        assert len([q for q in sql if "timeline_" in q]) == expected
    post = Post.objects.get(content="Timeline")
    assert TimelineItem.objects.filter(user=alice, post=post, published=post.published).exists()


def test_form_create_many_same_slugs_get_numbered_paths(client):
    """Twelve posts with one mp-slug on one day: slug, slug-2 … slug-12 (past the exact-match
    candidates the prefix search takes over)."""
    paths = [created(form(client, "h=entry&content=Same&mp-slug=same")) for _ in range(12)]
    slugs = [path.rstrip("/").rsplit("/", 1)[-1] for path in paths]
    assert slugs == ["same", *(f"same-{n}" for n in range(2, 13))]


def test_form_content_html_and_photo_alt(client):
    """content[html] (sent by several clients) is HTML content; mp-photo-alt gives a photo URL its alt."""
    html = quote("<p>Form <b>HTML</b></p>")
    location = created(
        form(client, f"h=entry&content[html]={html}&photo={quote(PHOTO_URL)}&mp-photo-alt=Dusk")
    )
    stored = source(client, location)
    assert stored["content"] == [{"html": "<p>Form <b>HTML</b></p>"}]
    assert stored["photo"] == [{"value": PHOTO_URL, "alt": "Dusk"}] and "mp-photo-alt" not in stored


def test_form_create_receivers_run_once_the_answer_is_out(alice, rf, django_capture_on_commit_callbacks):
    """The 201 is built before the post_changed receivers run; they run when the server closes the
    response (WSGI close(), after the body is sent), here seen through the author's timeline row."""
    from posts.micropub.views import micropub

    TimelineState.objects.create(user=alice, last_seen_at=timezone.now(), built_at=timezone.now())
    raw, _ = mint_token(user=alice, scope="create")
    request = rf.post(
        "/micropub", "h=entry&content=Later", content_type=FORM, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    request.blog = alice.blog
    with django_capture_on_commit_callbacks(execute=True):  # the commit, as in a real request
        response = micropub(request)
    assert response.status_code == 201
    assert not TimelineItem.objects.filter(user=alice).exists()
    request_finished.disconnect(close_old_connections)  # as the test client: keep the test's transaction
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert TimelineItem.objects.filter(user=alice, post__content="Later").exists()
