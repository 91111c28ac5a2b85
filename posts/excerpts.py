"""The short plain-text excerpt that titles an untitled post (Atom <title>, the permalink's <title>).

What `Truncator(plain_text(html)).chars(80)` returns, for a tenth of its CPU (issue 7: a fifth of an
uncached Atom feed): post HTML is the sanitiser's own output (no comments, scripts or stray `<`), so
a regular expression finds its tags where plain_text() runs an HTMLParser, and ASCII-like text is cut
by index where Truncator counts character by character. Anything else takes the slow path.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata

from django.utils import translation
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length
from django.utils.translation import pgettext

from microhost.sanitize import _DROP_WITH_CONTENT, _TextCollector, plain_text

EXCERPT_CHARS = 80
# A start or end tag as the sanitiser writes it; attribute values may hold ">" (it escapes only & and ").
_TAG = re.compile(r"""<(/?)([a-zA-Z][^\s/>]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
_BLOCKS = _TextCollector._BLOCKS


class _Unusual(Exception):
    """HTML the fast path does not read like plain_text() would."""


def _tag_text(match: re.Match) -> str:
    name = match.group(2).lower()
    if name in _DROP_WITH_CONTENT:
        raise _Unusual(name)
    return " " if name in _BLOCKS else ""


def sanitized_text(fragment: str) -> str:
    """plain_text(fragment) for sanitised HTML; HTML the sanitiser would not write goes to plain_text."""
    if "<!" in fragment or "<?" in fragment:
        return plain_text(fragment)
    try:
        text = _TAG.sub(_tag_text, fragment)
    except _Unusual:
        return plain_text(fragment)
    return " ".join(html.unescape(text).split())


@functools.lru_cache(maxsize=32)
def _truncation_text(language: str | None) -> str:
    """Truncator's translatable "%(truncated_text)s…" in `language`: a gettext per call otherwise (two
    per excerpt, a tenth of an Atom feed)."""
    return pgettext("String to return when truncating text", "%(truncated_text)s…")


def truncate_chars(text: str, length: int = EXCERPT_CHARS) -> str:
    """Truncator(text).chars(length), by index when the first length + 1 characters don't combine."""
    text = unicodedata.normalize("NFC", text)
    if len(text) <= length:
        return text  # what Truncator returns when nothing is cut
    head = text[: length + 1]
    if not head.isascii() and any(map(unicodedata.combining, head)):
        return Truncator(text).chars(length)
    # Every character counts as one: Truncator keeps as many as the translated "…" leaves room for.
    truncation = _truncation_text(translation.get_language())
    return add_truncation_text(text[: calculate_truncate_chars_length(length, truncation)], truncation)


def excerpt(fragment: str) -> str:
    """The first words of a post's HTML as plain text, cut at EXCERPT_CHARS with an ellipsis."""
    return truncate_chars(sanitized_text(fragment))
