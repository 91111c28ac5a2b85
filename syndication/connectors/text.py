"""Counting and cutting text the way silos count it: grapheme clusters (UAX #29, `regex` \\X), URLs
at a fixed weight on Mastodon (status_length_validator.rb: each URL = 23)."""

from __future__ import annotations

import re
from collections.abc import Callable

import regex

from microhost.sanitize import plain_text

GRAPHEME = regex.compile(r"\X")
URL = re.compile(r"https?://[^\s<>\"']+")
ELLIPSIS = "…"
_PARAGRAPH_END = re.compile(r"</p>|<br\s*/?>", re.IGNORECASE)


def graphemes(text: str) -> int:
    return len(GRAPHEME.findall(text))


def count(text: str, url_length: int | None = None) -> int:
    """Graphemes in text; with url_length, every URL counts as that many whatever its length."""
    if url_length is None:
        return graphemes(text)
    total, position = 0, 0
    for match in URL.finditer(text):
        total += graphemes(text[position : match.start()]) + url_length
        position = match.end()
    return total + graphemes(text[position:])


def shorten(text: str, link: str, limit: int, counter: Callable[[str], int]) -> str:
    """The whole text when it fits (no link added); else cut at a word boundary + "… " + link."""
    text = text.strip()
    if counter(text) <= limit:
        return text
    tail = f"{ELLIPSIS} {link}" if link else ELLIPSIS
    words = re.split(r"(\s+)", text)  # words and the whitespace between them, kept
    low, high = 0, len(words)  # binary search for the longest prefix that fits: counter is monotonic
    while low < high:
        middle = (low + high + 1) // 2
        if counter("".join(words[:middle]).rstrip() + tail) <= limit:
            low = middle
        else:
            high = middle - 1
    kept = "".join(words[:low]).rstrip().rstrip(",;:-–—")
    if not kept:  # one enormous word: cut inside it, grapheme by grapheme
        clusters = GRAPHEME.findall(text)
        kept = "".join(clusters[: max(0, limit - counter(tail))])
    return f"{kept}{tail}"


def post_text(post) -> str:
    """The post's text as plain paragraphs: Markdown source as typed, HTML reduced to text."""
    if not post.content_is_html:
        return post.content.strip()
    paragraphs = (plain_text(part) for part in _PARAGRAPH_END.split(post.content_html))
    return "\n\n".join(p for p in paragraphs if p)
