"""The fast excerpt (posts/excerpts.py) says exactly what plain_text() and Truncator said before."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.text import Truncator

from microhost.sanitize import plain_text
from posts.excerpts import excerpt, sanitized_text, truncate_chars
from posts.rendering import render_content

LONG = "Some words about the day, a link or two and a thought. " * 4
SOURCES = [
    ("", False),
    ("Short note", False),
    (f"Post 1. {LONG}", False),
    (f"# Heading\n\nFirst paragraph. {LONG}\n\n- item one\n- item two", False),
    ('He said "hello" -- and left... AT&T <3 and 3 < 4 > 2', False),
    ("*Emphasis*and**strong**joined, `code <b>` and [a link](https://example.com/?a=1&b=2)", False),
    ("Café crème, naïve façade, 日本語のテキスト、絵文字 🎉 " * 3, False),
    ("e\u0301" * 100, False),  # combining acute accents: Truncator's own path
    ("a" * 79 + "e\u0301" + "b" * 30, False),
    ("x" * 80, False),
    ("x" * 81, False),
    ('<p>One</p><p>Two<br>three</p><img src="https://img.example/a.jpg" alt="a > b">four', True),
    ('<p title="x > y">Tab\tand\nnewline&nbsp;nbsp &amp; &lt;tag&gt; &#169; &eacute;</p>', True),
    ("<div><blockquote>Quoted</blockquote>after<ul><li>a</li><li>b</li></ul></div>tail", True),
    ("<p>Before<script>alert(1)</script> after <style>p{}</style>end</p>", True),
    ("<p>Written <!-- a comment --> by hand</p><PRE>Upper</PRE>", True),
    ("Text with a stray < sign and <b>bold</b> <i>it</i>alic", True),
]


def reference(html: str) -> str:
    """title_or_excerpt as it was: an HTMLParser pass, then Truncator."""
    return Truncator(" ".join(plain_text(html).split())).chars(80)


@pytest.mark.parametrize(("source", "is_html"), SOURCES)
def test_excerpt_of_rendered_content_matches_plain_text_and_truncator(source, is_html):
    """Rendered (sanitised) post HTML gives the same excerpt as before."""
    rendered = render_content(source, is_html=is_html)
    assert sanitized_text(rendered) == plain_text(rendered)
    assert excerpt(rendered) == reference(rendered)


@pytest.mark.parametrize(("source", "is_html"), SOURCES)
def test_excerpt_of_raw_html_matches_too(source, is_html):
    """HTML that did not go through the sanitiser (comments, scripts, stray <) still reads the same."""
    assert excerpt(source) == reference(source)


@pytest.mark.parametrize("length", [1, 2, 5, 80])
def test_truncate_chars_is_truncator_chars(length):
    """Cut by index exactly where Truncator counts, ellipsis included."""
    for text in ("abcdefghij" * 10, "ab", "e\u0301" * 90, "Zoë " * 40):
        assert truncate_chars(text, length) == Truncator(text).chars(length)


def test_truncate_chars_follows_the_active_language():
    """The truncation text is Truncator's translatable one."""
    with translation.override("fr"):
        assert truncate_chars("word " * 30) == Truncator("word " * 30).chars(80)
