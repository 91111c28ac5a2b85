"""The blog's HTML pages (posts/jinja2/, rendered by posts/blog_pages.py): the exact bytes the Django
templates printed before (captured in golden/), for every page of a blog with hostile text in every
field its owner or a visitor controls."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from posts.models import Category, Post
from posts.services import delete_post
from tests.conftest import jpeg_bytes
from webmention.models import Received

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
HOSTILE = """<b>"Tom" & 'Jerry'</b>"""


@pytest.fixture
def lived_in(alice, make_post, settings):
    """A blog in UTC+05:30 with a described title, an avatar and bio, five posts two a page (one named,
    one tagged, one answered), a deleted one and a second month."""
    settings.MICROHOST_PAGE_SIZE = 2
    alice.display_name, alice.bio = HOSTILE, f"Bio {HOSTILE}"
    alice.avatar.save("me.jpg", ContentFile(jpeg_bytes(64, 64)), save=False)
    alice.save()
    blog = alice.blog
    blog.title, blog.description, blog.timezone = f"Title {HOSTILE}", f"About {HOSTILE}", "Asia/Kolkata"
    blog.save()
    posts = [
        make_post(alice, f"Note {n} & more", published=f"2026-03-{10 + n:02d}T20:30:00+00:00")
        for n in range(4)
    ]
    posts.append(make_post(alice, "Named", name=HOSTILE, category=["a&b"], published="2026-02-01T10:00:00Z"))
    Received.objects.create(
        blog=blog, post=posts[3], target=posts[3].get_absolute_url(), source="https://s.example/1",
        source_host="s.example", kind="reply", author_name="Ann <&>", content_html="<p>Nice</p>",
        state="accepted", approved=True, url="https://s.example/1",
    )  # fmt: skip
    gone = make_post(alice, "Regretted", published="2026-03-01T10:00:00Z")
    delete_post(post=gone)
    return {"posts": posts, "gone": gone, "category": Category.objects.get(blog=blog)}


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.content.decode()


def normalised(html: str, alice) -> str:
    """The avatar's random file name and the responses' ids, which differ from run to run."""
    html = html.replace(alice.avatar_url, "AVATAR")
    ids = {pk: n for n, pk in enumerate(Received.objects.order_by("id").values_list("id", flat=True))}
    return re.sub(r'id="response-(\d+)"', lambda m: f'id="response-#{ids[int(m[1])]}"', html)


def golden(name: str) -> str:
    """What the Django templates (templates/blog/base.html, posts/templates/posts/*.html) printed for
    the same page, captured before they were replaced."""
    return (GOLDEN / name).read_text()


def pages(lived_in, alice) -> dict[str, tuple[str, int]]:
    posts, category = lived_in["posts"], lived_in["category"]
    return {
        "home": ("/", 200),
        "home_2": ("/?page=2", 200),
        "home_3": ("/?page=3", 200),
        "permalink_responses": (posts[3].path, 200),
        "permalink_named": (posts[4].path, 200),
        "archive": ("/archive/", 200),
        "month": ("/2026/03/", 200),
        "month_empty": ("/2025/01/", 200),
        "category": (category.get_absolute_url().removeprefix(alice.blog.base_url), 200),
        "gone": (lived_in["gone"].path, 410),
        "not_found": ("/no/such/page/", 404),
    }


@pytest.mark.parametrize(
    "name",
    ["home", "home_2", "home_3", "permalink_responses", "permalink_named", "archive", "month",
     "month_empty", "category", "gone", "not_found"],
)  # fmt: skip
def test_every_page_is_printed_exactly_as_before(lived_in, alice, blog_client, name):
    path, status = pages(lived_in, alice)[name]
    html = normalised(page(blog_client(alice), path, status), alice)
    assert html == golden(f"page_{name}.html")


def test_an_empty_blog(alice, blog_client):
    for path, name in (("/", "empty_home"), ("/archive/", "empty_archive")):
        html = page(blog_client(alice), path)
        assert html == golden(f"page_{name}.html")


def test_posts_are_in_the_blog_time_zone(lived_in, alice, blog_client):
    html = page(blog_client(alice), "/")
    assert 'datetime="2026-03-14T02:00:00+05:30"' in html  # 20:30 UTC on the 13th
    assert Post.objects.filter(blog=alice.blog).count() == 6
