"""The discovery links of a blog page: the <link> elements and Link header carry the same set."""

from __future__ import annotations

import pytest
from django.utils.html import format_html, format_html_join

from posts.discovery import DISCOVERY_PROVIDERS, discovery_links, link_elements

pytestmark = pytest.mark.django_db


def test_link_elements_print_what_format_html_printed():
    """Each value escaped as Django escapes it; a type only where there is one."""
    links = [("micropub", 'https://a.example/m?x=1&y="2"', ""), ("alternate", "https://a.example/<f>", "a'b")]
    expected = format_html_join(
        "\n",
        '<link rel="{}" href="{}"{}>',
        ((rel, url, format_html(' type="{}"', mime) if mime else "") for rel, url, mime in links),
    )
    assert link_elements(links) == expected


def test_links_are_worked_out_once_per_blog_object_and_again_after_a_move(alice, monkeypatch):
    calls = []
    counting = lambda blog: calls.append(blog.base_url) or [("me", blog.absolute("/"), "")]  # noqa: E731
    monkeypatch.setattr("posts.discovery.DISCOVERY_PROVIDERS", [*DISCOVERY_PROVIDERS, counting])
    blog = alice.blog
    first = discovery_links(blog)
    assert discovery_links(blog) is first and len(calls) == 1
    blog.custom_domain = "alice.example"
    assert blog.base_url != calls[0]
    assert ("me", blog.base_url + "/", "") in discovery_links(blog) and len(calls) == 2


def test_page_and_header_list_the_same_links(alice, blog_client):
    response = blog_client(alice).get("/")
    html = response.content.decode()
    for rel, url, _mime in discovery_links(alice.blog):
        assert f'<link rel="{rel}" href="{url}"' in html
        assert f'<{url}>; rel="{rel}"' in response["Link"]
