"""Turns the author's Markdown (or HTML) into the safe HTML pages and feeds show."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt

from microhost.sanitize import clean_owner_html


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # CommonMark plus tables, strikethrough and bare-URL links; raw HTML allowed, then sanitised.
    return MarkdownIt("commonmark", {"html": True, "linkify": True, "typographer": True}).enable(
        ["linkify", "table", "strikethrough"]
    )


def render_markdown(text: str) -> str:
    return clean_owner_html(_markdown().render(text))


def render_content(text: str, *, is_html: bool) -> str:
    """Owner HTML goes through the owner sanitiser too: nothing is trusted as-is."""
    return clean_owner_html(text) if is_html else render_markdown(text)
