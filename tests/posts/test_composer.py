"""The web composer on the platform host: notes, articles, photos, drafts, edit, delete, undelete."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from posts.models import Photo, Post
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_composer_requires_login(platform_client):
    """Anonymous visitors are sent to the login page."""
    response = platform_client.get("/posts/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_publish_note_redirects_to_permalink(logged_in, alice):
    """Publishing a note saves it and shows it at its permalink."""
    response = logged_in.post("/posts/new/", {"content": "My very first note", "publish": "1"})
    post = Post.objects.get(blog=alice.blog)
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert post.kind == "note" and post.path.endswith("/my-very-first-note/")


def test_publish_article_with_categories(logged_in, alice):
    """A title makes an article; categories are split on commas."""
    logged_in.post("/posts/new/", {"name": "Title here", "content": "Body", "categories": "a, b ,a"})
    post = Post.objects.get(blog=alice.blog)
    assert post.kind == "article" and sorted(c.name for c in post.categories.all()) == ["a", "b"]


def test_save_draft(logged_in, alice):
    """Save draft keeps the post unpublished and off the blog."""
    logged_in.post("/posts/new/", {"content": "Not yet", "save_draft": "1"})
    post = Post.objects.get(blog=alice.blog)
    assert post.is_draft and post.path is None and post.published is None


def test_empty_post_is_refused_and_form_kept(logged_in, alice):
    """An empty submission shows an error and saves nothing."""
    response = logged_in.post("/posts/new/", {"content": "   ", "categories": "kept"})
    assert response.status_code == 200
    assert b"Write something or add a photo." in response.content
    assert b'value="kept"' in response.content
    assert not Post.objects.exists()


def test_photo_with_alt_is_stored_with_variants(logged_in, alice):
    """A photo upload is stored re-encoded with its alt text and smaller variants."""
    logged_in.post(
        "/posts/new/", {"content": "Sunset", "photo_1": upload(jpeg_bytes(2000, 1500)), "alt_1": "Orange sky"}
    )
    photo = Photo.objects.get()
    assert photo.alt == "Orange sky" and (photo.width, photo.height) == (2000, 1500)
    assert set(photo.variants) == {"640", "1280"}
    assert photo.post.kind == "photo"


def test_non_image_is_refused_next_to_field_and_nothing_saved(logged_in, alice):
    """A file that is not an image gets an error on its field; no post, no file is saved."""
    response = logged_in.post(
        "/posts/new/",
        {
            "content": "Keep this text",
            "photo_1": upload(jpeg_bytes(100, 100)),
            "alt_1": "ok",
            "photo_2": upload(b"<svg onload=alert(1)>", "x.svg", "image/svg+xml"),
        },
    )
    assert response.status_code == 200
    assert b"not an image we can read" in response.content and b"Keep this text" in response.content
    assert not Post.objects.exists() and not Photo.objects.exists()


def test_oversize_upload_is_refused(logged_in, settings):
    """Uploads over the byte limit are refused with the limit in the message."""
    settings.MICROHOST_MAX_UPLOAD_BYTES = 1024 * 1024
    response = logged_in.post(
        "/posts/new/", {"content": "x", "photo_1": upload(b"\xff\xd8" + b"0" * 1_100_000)}
    )
    assert b"larger than 1 MB" in response.content and not Post.objects.exists()


def test_exif_location_is_stripped(logged_in, alice, settings):
    """GPS data in EXIF never reaches the stored file."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 0.0), 3: "E", 4: (13.0, 24.0, 0.0)}  # GPSInfo IFD
    exif[0x010F] = "CameraMaker"
    logged_in.post(
        "/posts/new/", {"content": "x", "photo_1": upload(jpeg_bytes(800, 600, exif=exif.tobytes()))}
    )
    stored = Photo.objects.get().file
    with Image.open(stored.path) as image:
        assert not image.getexif()
        assert b"CameraMaker" not in stored.open("rb").read()


def test_edit_keeps_url_and_changes_content(logged_in, alice, make_post):
    """Editing changes the text, sets updated, and keeps the permalink."""
    post = make_post(alice, "Before the edit")
    response = logged_in.post(f"/posts/{post.id}/edit/", {"content": "After the edit", "publish": "1"})
    post.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == post.get_absolute_url()
    assert post.content == "After the edit" and post.updated is not None
    assert post.path.endswith("/before-the-edit/")


def test_edit_alt_text_and_remove_photo(logged_in, alice):
    """Existing photos can get new alt text or be removed in the edit form."""
    logged_in.post(
        "/posts/new/",
        {
            "content": "Two",
            "photo_1": upload(jpeg_bytes(300, 300)),
            "photo_2": upload(jpeg_bytes(300, 300, "red")),
        },
    )
    post = Post.objects.get()
    first, second = post.photos.all()
    logged_in.post(
        f"/posts/{post.id}/edit/",
        {"content": "Two", f"alt_existing_{first.id}": "New alt", f"remove_existing_{second.id}": "on"},
    )
    assert list(post.photos.values_list("alt", flat=True)) == ["New alt"]


def test_another_users_edit_url_is_404(logged_in, bob, make_post):
    """Alice cannot see, edit, delete or undelete Bob's post: all 404."""
    post = make_post(bob, "Bob's words")
    assert logged_in.get(f"/posts/{post.id}/edit/").status_code == 404
    assert logged_in.post(f"/posts/{post.id}/edit/", {"content": "hacked"}).status_code == 404
    assert logged_in.post(f"/posts/{post.id}/delete/").status_code == 404
    assert logged_in.post(f"/posts/{post.id}/undelete/").status_code == 404
    post.refresh_from_db()
    assert post.content == "Bob's words" and post.deleted_at is None


def test_delete_and_undelete_from_dashboard(logged_in, alice, make_post, blog_client):
    """Delete makes the permalink 410; undelete brings it back."""
    post = make_post(alice, "Short lived")
    logged_in.post(f"/posts/{post.id}/delete/")
    assert blog_client(alice).get(post.path).status_code == 410
    assert b"Undelete" in logged_in.get("/posts/").content
    logged_in.post(f"/posts/{post.id}/undelete/")
    assert blog_client(alice).get(post.path).status_code == 200


def test_delete_requires_post(logged_in, alice, make_post):
    """A GET never deletes."""
    post = make_post(alice, "Stay")
    assert logged_in.get(f"/posts/{post.id}/delete/").status_code == 405


def test_invalid_reply_url_is_shown_on_field(logged_in):
    """A reply URL that is not a URL is explained next to the field."""
    response = logged_in.post("/posts/new/", {"content": "hi", "in_reply_to": "not a url at all"})
    assert response.status_code == 200 and b"Enter a valid URL" in response.content
    assert not Post.objects.exists()


def test_slug_collisions_get_suffixes(logged_in, alice):
    """Two posts with the same words on the same day get distinct, stable URLs."""
    logged_in.post("/posts/new/", {"content": "Same words"})
    logged_in.post("/posts/new/", {"content": "Same words"})
    first, second = Post.objects.order_by("id").values_list("path", flat=True)
    assert first.endswith("/same-words/") and second.endswith("/same-words-2/")


def test_dashboard_lists_drafts_and_deleted(logged_in, alice, make_post):
    """The dashboard shows every post with its state."""
    make_post(alice, "Drafty", post_status="draft")
    response = logged_in.get("/posts/")
    assert b"Drafty" in response.content and b"draft" in response.content


def test_images_in_gif_png_webp_are_accepted(logged_in):
    """PNG, GIF and WebP are accepted as well as JPEG."""
    for fmt, ext in (("PNG", "png"), ("GIF", "gif"), ("WEBP", "webp")):
        out = io.BytesIO()
        Image.new("RGB", (50, 50), "blue").save(out, fmt)
        logged_in.post(
            "/posts/new/", {"content": fmt, "photo_1": upload(out.getvalue(), f"a.{ext}", f"image/{ext}")}
        )
    assert sorted(Photo.objects.values_list("content_type", flat=True)) == [
        "image/gif",
        "image/png",
        "image/webp",
    ]


def test_composer_prefills_reply_from_query(logged_in):
    """A reply action elsewhere opens the composer with in-reply-to filled in."""
    response = logged_in.get("/posts/new/", {"in_reply_to": "https://example.com/a/post"})
    assert b'value="https://example.com/a/post"' in response.content
    assert b'<details class="responses" open>' in response.content


def test_links_are_left_out_of_slugs(logged_in):
    """A note that starts with or contains a URL gets a slug of its words only."""
    logged_in.post("/posts/new/", {"content": "Reading https://example.com/some/article today"})
    assert Post.objects.get().path.endswith("/reading-today/")
