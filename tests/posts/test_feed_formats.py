"""posts/feed_formats.py: XML escaping as xml.sax.saxutils escapes, and what XML cannot carry left out.
(The whole documents are held to golden files in test_feed_output.py.)"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import feedparser
import pytest

from posts.feed_formats import element, escape_text, quote_attribute

TEXTS = [
    "plain",
    "",
    "Fish & Chips <3 > all",
    'say "hi" it\'s',
    'a "b"',
    "it's",
    "tabs\tand\nlines\rcr",
    "café — 日本 😀 ünï & <b>",
    "&amp; already escaped",
]


@pytest.mark.parametrize("text", TEXTS)
def test_text_and_attributes_are_escaped_as_saxutils_escapes_them(text):
    assert escape_text(text) == escape(text)
    assert quote_attribute(text) == quoteattr(text)


def test_an_element_without_text_is_empty():
    assert element("link", None, ' href="x"') == '<link href="x"/>'
    assert element("title", "") == "<title/>"
    assert element("title", "a<b") == "<title>a&lt;b</title>"


@pytest.mark.parametrize("text", ["bell \x07", "nul \x00", "escape \x1b", "not a character \ufffe"])
def test_what_xml_cannot_carry_is_left_out(text):
    assert escape_text(text) == escape(text[:-1])
    assert quote_attribute(text) == quoteattr(text[:-1])


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/feed.xml", "/feed.atom"])
def test_a_stray_control_character_does_not_break_the_feed(alice, make_post, blog_client, path):
    """It used to: Django's XML generator refused it, and the feed answered 500 until the post was edited."""
    make_post(alice, "A bell \x07 rang", name="Title \x1b here", category=["tag\x08"])
    response = blog_client(alice).get(path)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    entry = parsed.entries[0]
    assert entry.title == "Title  here"
    assert "A bell  rang" in (entry.content[0].value if "content" in entry else entry.summary)
    assert [tag.term for tag in entry.tags] == ["tag"]
