"""OPML import and export of follows; DOCTYPE/ENTITY refused (R11)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.timeline.conftest import sample
from timeline.models import Feed, Follow
from timeline.opml import OPMLError, parse_opml

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else sample(name), "text/x-opml")


def test_import_follows_http_feeds_only(logged_in, alice):
    """Nested outlines are followed; a file: URL is skipped."""
    logged_in.post("/timeline/opml/import/", {"opml": upload("follows.opml")})
    assert sorted(Follow.objects.filter(user=alice).values_list("feed__url", flat=True)) == [
        "https://jane.example/feed/",
        "https://rob.blogspot.example/feeds/posts/default",
    ]


def test_doctype_is_refused(logged_in, alice):
    """An OPML file with a DOCTYPE/ENTITY is refused with a message; nothing is followed or read."""
    with pytest.raises(OPMLError, match="DOCTYPE"):
        parse_opml(sample("doctype.opml"))
    page = logged_in.post(
        "/timeline/opml/import/", {"opml": upload("doctype.opml")}, follow=True
    ).content.decode()
    assert "DOCTYPE or entities are refused" in page and not Follow.objects.exists()


def test_not_opml(logged_in):
    """Other XML is not OPML."""
    with pytest.raises(OPMLError):
        parse_opml(b"<rss/>")
    with pytest.raises(OPMLError):
        parse_opml(b"not xml at all <")


def test_export_round_trip(logged_in, alice, bob):
    """Export lists feeds and local blogs (as their RSS); importing it again follows the same things."""
    feed = Feed.objects.create(url="https://jane.example/feed/", title="Jane")
    Follow.objects.create(user=alice, feed=feed)
    Follow.objects.create(user=alice, blog=bob.blog)
    body = logged_in.get("/timeline/follows.opml").content
    expected = {("https://jane.example/feed/", "Jane"), (bob.blog.absolute("/feed.xml"), "bob")}
    assert set(parse_opml(body)) == expected
    Follow.objects.all().delete()
    logged_in.post("/timeline/opml/import/", {"opml": upload("x.opml", body)})
    assert (
        Follow.objects.filter(user=alice, blog=bob.blog).exists()
        and Follow.objects.filter(feed=feed).exists()
    )
