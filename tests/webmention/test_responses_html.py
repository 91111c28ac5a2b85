"""The responses under a permalink (webmention/responses_html.py, Jinja2): the exact HTML the Django
templates printed before (captured in golden/), escaping as Django does, threading, 'latest of'."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone

from webmention.models import Received
from webmention.responses_html import responses_html

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = """Ann <&> "q" 'x'"""
START = datetime.datetime(2026, 3, 14, 23, 30, tzinfo=datetime.UTC)


def response(post, n: int, kind: str, **fields) -> Received:
    """A shown response published n minutes after START, with an author photo unless told otherwise."""
    values = {
        "source": f"https://site{n}.example/r/{n}?a=1&b=2", "source_host": f"site{n}.example",
        "kind": kind, "author_name": f"Person {n}", "author_url": f"https://site{n}.example/",
        "author_photo": f"https://site{n}.example/p.jpg?s=40&t=1",
        "content_html": f"<p>Text {n} &amp; more</p>",
        "state": "accepted", "approved": True, "url": f"https://site{n}.example/r/{n}",
        "published": START + datetime.timedelta(minutes=n),
    }  # fmt: skip
    values.update(fields)
    return Received.objects.create(blog=post.blog, post=post, target=post.get_absolute_url(), **values)


@pytest.fixture
def every_kind(alice, make_post):
    """Replies threaded four deep (past MAX_DEPTH, the fourth is listed at the top), an RSVP, a quotation
    without a date (listed by when it came), hostile names, a sender without a name or photo, and every
    facepile and mention variant."""
    post = make_post(alice, "Responses welcome")
    first = response(post, 1, "reply", author_name=HOSTILE, author_url="")
    second = response(post, 2, "reply", reply_to=[first.url], author_name="", author_photo="")
    third = response(post, 3, "reply", reply_to=[second.url], title="Re: <two>")
    response(post, 4, "reply", reply_to=[third.url])
    response(post, 5, "rsvp", rsvp="yes<")
    response(post, 6, "quotation", published=None, content_html="")
    response(post, 7, "like")
    response(post, 8, "like", author_photo="", author_name=HOSTILE)
    response(post, 9, "repost")
    response(post, 10, "bookmark", author_photo="")
    response(post, 11, "mention", title="A related <article>")
    response(post, 12, "mention", published=None, author_url="", url="")
    return post


def printed(post) -> str:
    """What a permalink under a UTC+05:30 blog prints, with each response's id replaced by its order."""
    with timezone.override("Asia/Kolkata"):
        html = responses_html(post)
    ids = {pk: n for n, pk in enumerate(Received.objects.order_by("id").values_list("id", flat=True))}
    return re.sub(r'id="response-(\d+)"', lambda m: f'id="response-#{ids[int(m[1])]}"', str(html))


def golden(name: str) -> str:
    """HTML that webmention/_post_responses.html and its includes (Django templates) printed for the same
    responses, captured before they were replaced."""
    return (GOLDEN / name).read_text()


def test_every_kind_is_printed_exactly_as_before(every_kind, django_assert_num_queries):
    """One query: nothing the template prints is a field left unloaded (SHOWN_FIELDS)."""
    with django_assert_num_queries(1):
        responses_html(every_kind)
    html = printed(every_kind)
    assert html == golden("responses_every_kind.html")


def test_the_latest_of_each_kind_and_the_more_counts(every_kind, monkeypatch):
    """One shown per kind: 'The latest 3 of 6 replies' and 'and N more' under facepiles and mentions."""
    monkeypatch.setattr("webmention.selectors.SHOWN_PER_KIND", 1)
    response(every_kind, 13, "like")
    response(every_kind, 14, "repost")
    response(every_kind, 15, "bookmark")
    html = printed(every_kind)
    assert "The latest 3 of 6 replies" in html
    # likes; reposts, bookmarks and mentions
    assert html.count("and 2 more") == 1 and html.count("and 1 more") == 3
    assert html == golden("responses_latest.html")


def test_one_of_each_count_is_singular(alice, make_post):
    post = make_post(alice, "One of each")
    for n, kind in enumerate(("reply", "like", "repost", "bookmark", "mention")):
        response(post, n, kind)
    html = printed(post)
    for text in ("1 reply<", "1 like<", "1 repost<", "1 bookmark<", "1 mention<"):
        assert text in html


def test_a_post_without_responses_prints_no_section(alice, make_post):
    html = printed(make_post(alice, "Quiet"))
    assert html.strip() == "" and html == golden("responses_none.html")
