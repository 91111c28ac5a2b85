"""Formatting a copy: grapheme counts, URL weight, word-boundary cuts, articles, facets, escaping."""

from __future__ import annotations

import pytest

from syndication.connectors import text
from syndication.connectors.bluesky import facets
from syndication.connectors.linkedin import little

FAMILY = "👨‍👩‍👧‍👦"  # one grapheme, seven code points, 25 UTF-8 bytes


def test_graphemes_not_code_points() -> None:
    """A ZWJ family emoji and a flag count as one each, as Mastodon and Bluesky count them."""
    assert text.graphemes(FAMILY + "🇫🇷é") == 3
    assert len(FAMILY) == 7


def test_urls_weigh_23_on_mastodon() -> None:
    """Each URL counts 23 whatever its length (status_length_validator.rb)."""
    long_url = "https://example.com/" + "a" * 200
    assert text.count(f"see {long_url} now", 23) == len("see ") + 23 + len(" now")
    assert text.count("see https://x.co now", 23) == 4 + 23 + 4


@pytest.mark.parametrize("limit", [20, 50, 300])
def test_shorten_cuts_at_a_word_boundary_with_ellipsis_and_link(limit) -> None:
    """Cut text ends "… <link>", fits the limit, and never splits a word."""
    body = " ".join(f"word{n}" for n in range(200))
    link = "https://alice.example/2026/11/21/x/"
    cut = text.shorten(body, link, limit + 23, lambda t: text.count(t, 23))
    kept = cut.removesuffix(f"… {link}")
    assert cut.endswith(f"… {link}") and text.count(cut, 23) <= limit + 23
    assert body.startswith(kept) and body[len(kept)] == " "


def test_text_that_fits_is_kept_whole_without_a_link() -> None:
    """Notes that fit go whole: no link home (Bridgy's omit-link-if-not-shortened)."""
    assert text.shorten("Short.", "https://a.example/", 500, text.graphemes) == "Short."


def test_emoji_are_never_split() -> None:
    """Cutting inside a run of emoji keeps whole grapheme clusters."""
    cut = text.shorten(FAMILY * 50, "", 10, text.graphemes)
    assert cut.endswith("…") and cut[:-1] == FAMILY * 9


def test_article_copy_is_title_summary_and_permalink(alice, make_post, connect) -> None:
    """An article on Mastodon: title, summary (it fits) and permalink; on Bluesky title + link when tight."""
    from syndication.connectors import connector_for

    post = make_post(alice, "Long body " * 300, name="My article", summary="What it is about.")
    masto = connector_for(connect(alice, "mastodon"))
    assert masto.preview(post).text == f"My article\n\nWhat it is about.\n\n{post.get_absolute_url()}"


def test_bluesky_facets_use_utf8_byte_offsets() -> None:
    """A link after multi-byte text gets byte offsets that slice exactly the URL."""
    copy = f"{FAMILY} café https://example.com/é"
    [facet] = facets(copy)
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert copy.encode()[start:end].decode() == "https://example.com/é"
    assert start == len(f"{FAMILY} café ".encode())


def test_linkedin_little_text_is_escaped() -> None:
    """Reserved characters are backslash-escaped so LinkedIn does not cut the commentary there."""
    assert little("a (b) #c @d_e*") == r"a \(b\) \#c \@d\_e\*"
