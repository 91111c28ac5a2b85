"""posts/xml_writer.py writes exactly what Django's SimplerXMLGenerator writes, call for call, and the
RSS and Atom feeds written with it are byte for byte the documents Django's own write() makes."""

from __future__ import annotations

import io

import pytest
from django.test import RequestFactory
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.xmlutils import SimplerXMLGenerator, UnserializableContentError

from posts.feeds import BlogAtomFeed, BlogRssFeed, FeedSource
from posts.images import process_image
from posts.services import NewPhoto
from posts.xml_writer import XmlWriter
from tests.conftest import jpeg_bytes

# (method, args) sequences: nesting, empty elements, attributes needing every kind of quoting.
CALLS = [
    ("startDocument", ()),
    ("processingInstruction", ("xml-stylesheet", 'href="/s.xsl" type="text/xsl"')),
    ("startElement", ("rss", {"version": "2.0", "xmlns:atom": "http://www.w3.org/2005/Atom"})),
    ("startElement", ("channel", {})),
    ("addQuickElement", ("title", "Fish & Chips <3 > all")),
    ("addQuickElement", ("link", None, {"href": "https://a.example/?a=1&b=2", "rel": "self"})),
    ("addQuickElement", ("empty", "")),
    ("addQuickElement", ("none",)),
    ("addQuickElement", ("q", "x", {"both": 'say "hi" it\'s', "double": 'a "b"', "single": "it's"})),
    ("addQuickElement", ("ws", "tabs\tand\nlines", {"v": "line\none\ttab\rcr"})),
    ("addQuickElement", ("uni", "café — 日本 😀", {"alt": "ünï & <b>"})),
    ("startElement", ("item", {})),
    ("addQuickElement", ("description", '<p>Hello &amp; <a href="x">bye</a></p>')),
    ("endElement", ("item",)),
    ("startElement", ("open", {"b": "2", "a": "1"})),
    ("endElement", ("open",)),
    ("endElement", ("channel",)),
    ("endElement", ("rss",)),
]


def django_writes(calls) -> str:
    out = io.StringIO()
    handler = SimplerXMLGenerator(out, "utf-8", short_empty_elements=True)
    for method, args in calls:
        getattr(handler, method)(*args)
    return out.getvalue()


def test_every_call_writes_what_django_writes():
    writer = XmlWriter("utf-8")
    for method, args in CALLS:
        getattr(writer, method)(*args)
    assert writer.text() == django_writes(CALLS)


@pytest.mark.parametrize("content", ["bell \x07", "nul \x00", "escape \x1b"])
def test_control_characters_are_refused_as_django_refuses_them(content):
    with pytest.raises(UnserializableContentError):
        django_writes([("addQuickElement", ("t", content))])
    with pytest.raises(UnserializableContentError):
        XmlWriter("utf-8").addQuickElement("t", content)


@pytest.mark.django_db
@pytest.mark.parametrize(("feed", "stock"), [(BlogRssFeed, Rss201rev2Feed), (BlogAtomFeed, Atom1Feed)])
def test_a_blogs_feed_is_the_document_djangos_write_makes(feed, stock, alice, make_post):
    alice.blog.title = 'Alice\'s "Fish" & <Chips>'
    alice.blog.timezone = "Europe/Paris"
    alice.blog.save()
    make_post(
        alice,
        "Fish & *chips* by the sea, 日本.",
        name='An "article"',
        summary="A day out & about",
        category=["Food", "Travel & Fun"],
        published="2024-03-01T10:00:00+01:00",
    )
    make_post(
        alice,
        "Lunch, look.",
        photos=[NewPhoto(image=process_image(jpeg_bytes(200, 150, "teal")), alt='A "teal" plate & cup')],
        published="2024-03-02T12:30:00+01:00",
    )
    make_post(
        alice, "Quite right.", in_reply_to="https://b.example/p?x=1&y=2", published="2024-03-03T08:00:00Z"
    )
    request = RequestFactory().get("/feed.xml", HTTP_HOST=alice.blog.host)
    request.blog = alice.blog
    generator = feed().get_feed(FeedSource(alice.blog), request)

    ours = io.BytesIO()
    generator.write(ours, "utf-8")
    theirs = io.StringIO()
    stock.write(generator, theirs, "utf-8")  # the same generator, written by Django's own write()

    assert len(generator.items) == 3
    assert ours.getvalue() == theirs.getvalue().encode("utf-8", "xmlcharrefreplace")
