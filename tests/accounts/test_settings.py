"""Settings: profile (name, bio, avatar) and blog (title, description, time zone)."""

from __future__ import annotations

import mf2py
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def test_settings_require_login(platform_client):
    """Settings pages send anonymous visitors to log in."""
    for path in ("/settings/", "/settings/blog/"):
        assert "/accounts/login/" in platform_client.get(path)["Location"]


def test_profile_shows_in_blog_h_card(logged_in, alice, blog_client):
    """Name, bio and avatar saved in settings appear in the blog's author h-card."""
    avatar = SimpleUploadedFile("me.jpg", jpeg_bytes(900, 900), content_type="image/jpeg")
    response = logged_in.post(
        "/settings/",
        {"display_name": "Alice Liddell", "bio": "Down the rabbit hole.", "avatar_upload": avatar},
    )
    assert response.status_code == 302
    page = blog_client(alice).get("/")
    parsed = mf2py.parse(doc=page.content.decode(), url=alice.blog.base_url + "/")
    cards = [i for i in parsed["items"] if "h-card" in i["type"]]
    card = cards[0]["properties"]
    assert card["name"] == ["Alice Liddell"] and card["note"] == ["Down the rabbit hole."]
    photo = card["photo"][0]
    url = photo["value"] if isinstance(photo, dict) else photo
    assert url.startswith(f"http://alice.microhost.test/media/avatars/{alice.pk}/")
    assert blog_client(alice).get(url.removeprefix("http://alice.microhost.test")).status_code == 200


def test_bad_avatar_is_refused_with_message(logged_in, alice):
    """A non-image avatar is refused next to the field and nothing else changes."""
    bad = SimpleUploadedFile("me.jpg", b"nope", content_type="image/jpeg")
    response = logged_in.post("/settings/", {"display_name": "Changed", "avatar_upload": bad})
    assert response.status_code == 200 and b"not an image" in response.content
    alice.refresh_from_db()
    assert alice.display_name == "" and not alice.avatar


def test_blog_settings_change_title_and_time_zone(logged_in, alice, make_post, blog_client):
    """Blog title and description show on the blog; dates render in the blog's time zone."""
    make_post(alice, "Late night", published="2024-03-05T23:30:00+00:00")
    response = logged_in.post(
        "/settings/blog/", {"title": "Wonderland", "description": "Notes", "timezone": "Asia/Tokyo"}
    )
    assert response.status_code == 302
    body = blog_client(alice).get("/").content.decode()
    assert "<title>Wonderland</title>" in body and "Notes" in body
    assert "Mar 6, 2024 · 08:30" in body
    assert 'datetime="2024-03-06T08:30:00+09:00"' in body


def test_unknown_time_zone_is_refused(logged_in, alice):
    """A time zone that does not exist is a form error."""
    response = logged_in.post("/settings/blog/", {"title": "x", "timezone": "Mars/Olympus"})
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    alice.blog.refresh_from_db()
    assert alice.blog.timezone == "UTC"


def test_settings_change_moves_etag(logged_in, alice, blog_client):
    """Changing the blog title invalidates cached pages (new ETag)."""
    client = blog_client(alice)
    etag = client.get("/")["ETag"]
    logged_in.post("/settings/blog/", {"title": "New", "timezone": "UTC"})
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200
