"""Responses on the permalink: threaded replies with author cards, facepiles, counts, bounded queries."""

from __future__ import annotations

import datetime

import mf2py
import pytest
from django.utils import timezone

from webmention.models import Received

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(alice, make_post):
    return make_post(alice, "Responses welcome")


def mention(post, n: int, kind: str = "reply", **fields) -> Received:
    """A verified, shown response stored directly (verification has its own tests)."""
    values = {
        "source": f"https://site{n}.example/r/{n}", "source_host": f"site{n}.example", "kind": kind,
        "author_name": f"Person {n}", "author_url": f"https://site{n}.example/",
        "author_photo": f"https://site{n}.example/p.jpg", "content_html": f"<p>Text {n}</p>",
        "state": "accepted", "approved": True, "url": f"https://site{n}.example/r/{n}",
        "published": timezone.now() + datetime.timedelta(minutes=n),
    }  # fmt: skip
    values.update(fields)
    return Received.objects.create(blog=post.blog, post=post, target=post.get_absolute_url(), **values)


def page(blog_client, alice, post) -> str:
    response = blog_client(alice).get(post.path)
    assert response.status_code == 200
    return response.content.decode()


def test_replies_likes_reposts_and_mentions_are_shown_with_counts(post, alice, blog_client):
    """Each response shows who sent it: reply author and text, like/repost faces with names, mention links."""
    mention(post, 1, "reply")
    mention(post, 2, "like")
    mention(post, 3, "like", author_photo="")
    mention(post, 4, "repost")
    mention(post, 5, "mention", title="A related article")
    mention(post, 6, "bookmark")
    html = page(blog_client, alice, post)
    assert "1 reply" in html and "2 likes" in html and "1 repost" in html and "1 mention" in html
    assert "Person 1" in html and "<p>Text 1</p>" in html
    assert 'alt="Person 2"' in html and "Person 3" in html and 'title="Person 4"' in html
    assert "A related article" in html and "https://site5.example/r/5" in html
    assert "Bookmarked by" in html


def test_markup_follows_mf2_comment_conventions(post, alice, blog_client):
    """Responses are properties of the post's h-entry: comment, like and repost h-cites with authors."""
    mention(post, 1, "reply")
    mention(post, 2, "like")
    mention(post, 3, "repost")
    parsed = mf2py.parse(doc=page(blog_client, alice, post), url=post.get_absolute_url())
    entry = next(item for item in parsed["items"] if "h-entry" in item["type"])["properties"]
    author = lambda cite: cite["properties"]["author"][0]["properties"]["name"][0]  # noqa: E731
    assert [author(c) for c in entry["comment"]] == ["Person 1"]
    assert [author(c) for c in entry["like"]] == ["Person 2"]
    assert [author(c) for c in entry["repost"]] == ["Person 3"]
    reply = entry["comment"][0]
    assert reply["properties"]["url"][0] == "https://site1.example/r/1"
    assert reply["properties"]["published"]


def test_replies_to_replies_are_threaded(post, alice, blog_client):
    """A reply whose in-reply-to names another shown reply is nested under it."""
    first = mention(post, 1)
    mention(post, 2, reply_to=[first.url, post.get_absolute_url()], content_html="<p>Answer to one</p>")
    html = page(blog_client, alice, post)
    start = html.index(f'id="response-{first.pk}"')
    nested = html[start : html.index("</li>", html.index("Answer to one"))]
    assert '<ol class="wm-replies">' in nested and "Answer to one" in nested


def test_held_rejected_and_deleted_are_not_shown(post, alice, blog_client):
    """Only accepted responses appear on the page."""
    mention(post, 1, state="held", approved=False)
    mention(post, 2, state="rejected", approved=False)
    mention(post, 3, state="deleted", approved=False)
    mention(post, 4, state="pending", approved=False)
    html = page(blog_client, alice, post)
    assert "Person" not in html and "wm-responses" not in html


def test_resent_mention_stays_visible_while_reverified(post, alice, blog_client):
    """An approved mention being re-verified after a re-send (pending) keeps showing meanwhile."""
    mention(post, 1, state="pending", approved=True)
    assert "Person 1" in page(blog_client, alice, post)


def test_page_queries_stay_bounded_with_many_responses(
    post, alice, blog_client, django_assert_max_num_queries
):
    """Thirty responses of every kind render in the same handful of queries as none (one for responses)."""
    for n in range(30):
        mention(post, n, ("reply", "like", "repost", "mention", "bookmark")[n % 5])
    with django_assert_max_num_queries(5):
        html = page(blog_client, alice, post)
    assert "6 replies" in html


def test_a_post_with_many_responses_lists_the_latest_of_each_kind_and_counts_all(
    post, alice, blog_client, monkeypatch, django_assert_max_num_queries
):
    """Past SHOWN_PER_KIND of a kind, the latest are listed (oldest first) with the whole count, so a post
    that went viral keeps a small permalink; still one query for the responses."""
    monkeypatch.setattr("webmention.selectors.SHOWN_PER_KIND", 3)
    for n in range(14):
        mention(post, n, ("reply", "like")[n % 2] if n < 10 else "mention")
    with django_assert_max_num_queries(5):
        html = page(blog_client, alice, post)
    assert "5 replies" in html and "5 likes" in html and "4 mentions" in html
    assert "The latest 3 of 5 replies" in html
    shown = [f"<p>Text {n}</p>" for n in (4, 6, 8)]
    assert all(text in html for text in shown) and html.index(shown[0]) < html.index(shown[2])
    assert "<p>Text 0</p>" not in html and "<p>Text 2</p>" not in html
    assert 'alt="Person 9"' in html and 'alt="Person 1"' not in html and "and 2 more" in html
    assert "site13.example" in html and "site10.example" not in html and "and 1 more" in html
    items = mf2py.parse(doc=html)["items"][0]["properties"]
    assert len(items["comment"]) == 3 and len(items["like"]) == 3 and len(items["mention"]) == 3


def test_new_responses_change_the_page_etag(post, alice, blog_client, site):
    """A verified mention moves the blog's responses_changed_at, so the permalink's cached copies
    (ETag/304) are refreshed."""
    from tests.webmention.conftest import Page, reply_page
    from webmention.receive import accept_webmention
    from webmention.verify import verify_received

    etag = blog_client(alice).get(post.path)["ETag"]
    site.pages["/r"] = Page(reply_page(post.get_absolute_url()))
    row = accept_webmention(blog=post.blog, source=site.url("/r"), target=post.get_absolute_url())
    verify_received(row.pk)
    assert blog_client(alice).get(post.path, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_new_response_leaves_the_pages_without_responses_cached(
    post, alice, blog_client, site, settings, django_assert_num_queries
):
    """A like or reply changes the permalink only: the home page, the archive and the feeds keep their
    cached copies and validators (a burst of likes no longer re-renders a whole blog)."""
    from django.core.cache import cache

    from tests.webmention.conftest import Page, reply_page
    from webmention.receive import accept_webmention
    from webmention.verify import verify_received

    settings.MICROHOST_PAGE_CACHE = True
    cache.clear()
    client = blog_client(alice)
    others = {path: client.get(path) for path in ("/", "/archive/", "/feed.xml", "/feed.json")}
    before = client.get(post.path)
    site.pages["/r"] = Page(reply_page(post.get_absolute_url(), text="A reply from Carol"))
    row = accept_webmention(blog=post.blog, source=site.url("/r"), target=post.get_absolute_url())
    verify_received(row.pk)

    after = client.get(post.path, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and b"A reply from Carol" in after.content
    assert after["ETag"] != before["ETag"] and after["Last-Modified"] >= before["Last-Modified"]
    for path, first in others.items():
        with django_assert_num_queries(0):  # from the page cache: nothing read, nothing rendered
            again = client.get(path)
            not_modified = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.content == first.content and again["ETag"] == first["ETag"]
        assert not_modified.status_code == 304
    with django_assert_num_queries(0):
        assert client.get(post.path).content == after.content  # the new permalink is cached in turn


def test_a_cached_permalink_runs_behind_its_responses_for_the_grace_period(
    post, alice, blog_client, settings, django_assert_num_queries
):
    """While likes keep coming, the cached permalink is served for up to MICROHOST_RESPONSES_GRACE
    seconds behind them; past it (here: a grace period shorter than the time between the two), the
    page is rendered again with every response."""
    from django.core.cache import cache

    settings.MICROHOST_PAGE_CACHE, settings.MICROHOST_RESPONSES_GRACE = True, 60.0
    cache.clear()
    client = blog_client(alice)
    mention(post, 1)
    post.blog.touch_responses()
    first = client.get(post.path)
    assert b"Person 1" in first.content
    mention(post, 2, "like")
    post.blog.touch_responses()
    with django_assert_num_queries(0):
        behind = client.get(post.path)
    assert behind.content == first.content and behind["ETag"] == first["ETag"]
    settings.MICROHOST_RESPONSES_GRACE = 1e-6
    renewed = client.get(post.path)
    assert b"Person 2" in renewed.content and renewed["ETag"] != first["ETag"]


def test_no_template_syntax_reaches_the_page(post, alice, make_post, blog_client):
    """The responses' template comment was two lines of {# #}, which Django prints: every permalink
    showed it as text, with or without responses."""
    client = blog_client(alice)
    mention(post, 1)
    with_responses = client.get(post.path).content.decode()
    without = client.get(make_post(alice, "No responses yet").path).content.decode()
    assert "Text 1" in with_responses and "Responses" not in without
    for html in (without, with_responses):
        assert "{#" not in html and "#}" not in html and "{%" not in html and "{{" not in html
