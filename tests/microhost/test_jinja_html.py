"""The Jinja2 environment of the blog pages: compiled once in production, re-read when edited in DEBUG."""

from __future__ import annotations

import os

import pytest

from microhost import jinja_html


@pytest.fixture
def scratch_template(tmp_path):
    """A template file in a folder the environment searches first, for this test only."""
    searchpath = jinja_html.environment().loader.searchpath
    searchpath.insert(0, str(tmp_path))
    path = tmp_path / "scratch_test_page.html"
    try:
        yield path
    finally:
        searchpath.remove(str(tmp_path))
        jinja_html._compiled.cache_clear()
        jinja_html.environment().cache.clear()  # Jinja2's own, which checks the old file's time


def edit(path, text: str, mtime: int) -> None:
    path.write_text(text)
    os.utime(path, (mtime, mtime))  # a new modification time even within the same second


def test_debug_reads_an_edited_template_again(scratch_template, settings):
    settings.DEBUG = True
    edit(scratch_template, "first {{ x }}", 1_000_000)
    assert jinja_html.render("scratch_test_page.html", {"x": "<a>"}) == "first &lt;a&gt;"
    edit(scratch_template, "second {{ x }}", 1_000_100)
    assert jinja_html.render("scratch_test_page.html", {"x": 1}) == "second 1"


def test_production_compiles_a_template_once(scratch_template, settings):
    settings.DEBUG = False
    edit(scratch_template, "first", 1_000_000)
    assert jinja_html.render("scratch_test_page.html", {}) == "first"
    edit(scratch_template, "second", 1_000_100)
    assert jinja_html.render("scratch_test_page.html", {}) == "first"


def test_every_template_compiles():
    names = jinja_html.template_names()
    assert {"blog/base.html", "posts/home.html", "posts/_entry.html", "webmention/responses.html"} <= set(
        names
    )
    for name in names:
        jinja_html.template(name)
