"""Stored entries (posts/stored_renderings.py): a listing page joins each post's stored h-entry, and any
change to what an entry shows (the post, its photos and categories, the blog's URL, zone and author,
the language) makes the next page render it again."""

from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone, translation

from posts import selectors, stored_renderings
from posts.entry_html import entry
from posts.images import process_image
from posts.models import Post
from posts.services import NewPhoto, update_post
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def every_page_rendered(settings):
    """The page cache (on with Redis) would answer a page again before it reads any stored entry."""
    settings.MICROHOST_PAGE_CACHE = False


def stored(post: Post) -> tuple[str, str]:
    return tuple(Post.objects.filter(pk=post.pk).values_list("entry_html", "rendered_key").get())


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_shown_entry_is_stored_as_rendered_and_served_from_the_store(alice, make_post, blog_client):
    """The first page stores what it rendered under the blog's presentation key; the next page serves
    those bytes (same page), and they are the entry as rendered from the post."""
    post = make_post(alice, "Stored *once*", category=["Cats"])
    assert stored(post)[1].startswith("~")  # a fresh save: a token, stale
    client = blog_client(alice)
    first = home(client)
    html, key = stored(post)
    assert key.startswith(stored_renderings.presentation_key(alice.blog) + ":")
    assert html in first and "<em>once</em>" in html and "Cats" in html
    assert home(client) == first
    fresh = selectors.posts_by_id(alice.blog, [post.pk])[0]
    with timezone.override(alice.blog.timezone):
        assert str(entry(fresh)) == html


def test_an_edit_is_shown_at_once(alice, make_post, blog_client):
    post = make_post(alice, "Before the edit")
    client = blog_client(alice)
    assert "Before the edit" in home(client)
    update_post(post=post, properties={"content": ["After the edit"]})
    page = home(client)
    assert "After the edit" in page and "Before the edit" not in page
    assert "After the edit" in stored(post)[0]


def test_photo_and_category_changes_are_shown(alice, make_post, blog_client):
    """Photos and categories live in their own tables; every change to them saves the post too."""
    image = process_image(jpeg_bytes(200, 200))
    post = make_post(alice, "Pictured", category=["Old"], photos=[NewPhoto(image=image, alt="first alt")])
    client = blog_client(alice)
    assert 'alt="first alt"' in home(client)
    photo = post.photos.get()
    update_post(post=post, properties={"category": ["New"]}, photo_alts={photo.pk: "second alt"})
    page = home(client)
    assert 'alt="second alt"' in page and 'alt="first alt"' not in page
    assert ">New</a>" in page and ">Old</a>" not in page
    update_post(post=post, properties={}, remove_photo_ids=[photo.pk])
    assert "u-photo" not in home(client)


def test_the_blogs_zone_and_the_authors_name_are_shown(alice, make_post, blog_client, logged_in):
    """Changed in settings: the presentation key moves, every entry is rendered again."""
    make_post(alice, "Late", published="2024-03-31T23:30:00+00:00")
    client = blog_client(alice)
    page = home(client)
    assert "Mar 31, 2024 · 23:30" in page and 'datetime="2024-03-31T23:30:00+00:00"' in page
    response = logged_in.post(
        "/settings/blog/", {"title": "", "description": "", "timezone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    page = home(client)
    assert "Apr 1, 2024 · 01:30" in page and 'datetime="2024-04-01T01:30:00+02:00"' in page
    response = logged_in.post("/settings/", {"display_name": "Alice Renamed", "bio": ""})
    assert response.status_code == 302
    footer = '<span class="p-author h-card"><a class="u-url p-name" href="{}/">{}</a></span>'
    page = home(client)
    assert footer.format(alice.blog.base_url, "Alice Renamed") in page
    assert footer.format(alice.blog.base_url, "alice") not in page


def test_a_custom_domain_moves_every_url(alice, make_post, blog_client):
    post = make_post(alice, "Moving", category=["Cats"])
    client = blog_client(alice)
    old_home = alice.blog.base_url
    assert f'href="{old_home}/category/cats/"' in home(client)
    alice.blog.custom_domain = "alice.example"
    alice.blog.save()
    alice.blog.touch()
    page = home(blog_client(alice))
    assert (
        'href="https://alice.example/category/cats/"' in page
        or 'href="http://alice.example/category/cats/"' in page
    )
    assert f'href="{alice.blog.base_url}{post.path}"' in page and old_home not in page


def test_the_language_is_in_the_key(alice):
    with translation.override("en"):
        english = stored_renderings.presentation_key(alice.blog)
    with translation.override("de"):
        german = stored_renderings.presentation_key(alice.blog)
    assert english != german and len(english) == 32


def test_a_rendering_of_a_row_read_before_a_save_is_not_stored(alice, make_post, blog_client):
    """Compare-and-set on the key read: a page that read the post before it was saved cannot store its
    rendering of the old row, neither over the stale key nor, once another page has stored the new
    row under the same presentation, into a rendering still empty."""
    post = make_post(alice, "Version one")
    client = blog_client(alice)
    before_save = stored(post)[1]
    update_post(post=post, properties={"content": ["Version two"]})
    key = stored_renderings.presentation_key(alice.blog)
    stored_renderings.store(key, "entry_html", [(post.pk, before_save, "<article>Version one</article>")])
    assert stored(post)[0] == ""
    home(client)  # stores the entry of version two
    read_by_a_feed = stored(post)[1]
    assert read_by_a_feed.startswith(f"{key}:")
    update_post(post=post, properties={"content": ["Version three"]})
    home(client)
    stored_renderings.store(key, "atom_entry", [(post.pk, read_by_a_feed, "<entry>Version two</entry>")])
    assert Post.objects.get(pk=post.pk).atom_entry == ""
    assert "Version three" in stored(post)[0]


def test_a_new_presentation_empties_the_other_renderings(alice, make_post, blog_client):
    """A feed item stored under the blog's old name is not served under its new one."""
    post = make_post(alice, "Named")
    client = blog_client(alice)
    home(client)
    client.get("/feed.atom")
    assert "<name>alice</name>" in Post.objects.get(pk=post.pk).atom_entry
    alice.display_name = "Alice Renamed"
    alice.save()
    alice.blog.touch()
    home(client)  # stores the entry under the new presentation
    assert Post.objects.get(pk=post.pk).atom_entry == ""
    body = client.get("/feed.atom").content.decode()
    assert body.count("<name>Alice Renamed</name>") == 2 and "<name>alice</name>" not in body


def test_a_post_deleted_between_the_two_reads_is_left_out(alice, make_post):
    kept, gone = make_post(alice, "Kept"), make_post(alice, "Gone")
    posts, _more = selectors.listed_page(alice.blog, 1, 20)
    Post.objects.filter(pk=gone.pk).delete()
    shown = stored_renderings.with_entries(alice.blog, posts)
    assert [post.pk for post in shown] == [kept.pk]
    assert "Kept" in str(entry(shown[0]))


def test_a_permalink_renders_its_entry_with_responses(alice, make_post, blog_client):
    """The permalink is not a listing: it renders the entry (with responses) from the post."""
    post = make_post(alice, "On its own page")
    client = blog_client(alice)
    home(client)
    Post.objects.filter(pk=post.pk).update(entry_html="<article>not this</article>")
    body = client.get(post.path).content.decode()
    assert "On its own page" in body and "not this" not in body


class SigningStorage(FileSystemStorage):
    """Local files, but flagged as object storage handing out expiring signed URLs."""

    querystring_auth = True


def test_uploads_behind_signed_urls_are_rendered_every_time(alice, make_post, blog_client, settings):
    """A signed URL expires: an entry showing an upload is not stored; one without any still is."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.SigningStorage", "OPTIONS": {"location": settings.MEDIA_ROOT}},
    }
    assert stored_renderings.storage_signs_urls()
    image = process_image(jpeg_bytes(200, 200))
    pictured = make_post(alice, "Pictured", photos=[NewPhoto(image=image, alt="signed")])
    plain = make_post(alice, "Plain")
    page = home(blog_client(alice))
    assert 'alt="signed"' in page and "Plain" in page
    assert stored(pictured)[0] == "" and "Plain" in stored(plain)[0]
