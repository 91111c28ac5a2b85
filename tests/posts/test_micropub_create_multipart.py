"""Micropub create, multipart: micropub.rocks 300-series, alt text, validation, video and audio files."""

from __future__ import annotations

import mf2py
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tokens import mint_token
from posts.models import Photo, Post
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db
# The smallest MP4 header our sniffing recognises: a box size, "ftyp", a brand.
MP4_BYTES = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64


def jpg(name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def created(response) -> str:
    assert response.status_code == 201, response.content
    return response["Location"]


def entry(client, location: str) -> dict:
    page = client.get(location.removeprefix("http://alice.microhost.test"))
    parsed = mf2py.parse(doc=page.content.decode(), url=location)
    return next(item for item in parsed["items"] if "h-entry" in item["type"])["properties"]


def media_files(alice, settings) -> list:
    return sorted((settings.MEDIA_ROOT / "photos" / str(alice.blog.pk)).glob("*"))


def test_300_multipart_photo(client, alice, settings):
    """A file part named photo is validated, stored on the blog host, served as image/jpeg and shown."""
    location = created(
        client.post("/micropub", {"h": "entry", "content": "Nice sunset tonight", "photo": jpg()})
    )
    photos = entry(client, location)["photo"]
    assert len(photos) == 1 and photos[0]["value"].startswith(
        f"http://alice.microhost.test/media/photos/{alice.blog.pk}/"
    )
    served = client.get(photos[0]["value"].removeprefix("http://alice.microhost.test"))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert Post.objects.get().kind == "photo"


def test_301_multipart_two_photos(client):
    """Two file parts named photo[] are both stored and shown, in order."""
    files = [jpg("a.jpg", color="red"), jpg("b.jpg", color="blue")]
    location = created(client.post("/micropub", {"h": "entry", "content": "Two", "photo[]": files}))
    assert len(entry(client, location)["photo"]) == 2
    assert list(Post.objects.get().photos.values_list("position", flat=True)) == [0, 1]


def test_multipart_mp_photo_alt(client):
    """mp-photo-alt gives each uploaded photo its alt text, in order."""
    location = created(
        client.post(
            "/micropub",
            {"h": "entry", "photo[]": [jpg("a.jpg"), jpg("b.jpg")], "mp-photo-alt[]": ["First", "Second"]},
        )
    )
    assert [photo["alt"] for photo in entry(client, location)["photo"]] == ["First", "Second"]
    assert not Post.objects.get().extra_properties


def test_multipart_bad_image_is_400_and_nothing_saved(client, alice, settings):
    """A file that is not an image is invalid_request with the readable reason; no post, no files."""
    fake = SimpleUploadedFile("x.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = client.post("/micropub", {"h": "entry", "content": "Bad", "photo[]": [jpg(), fake]})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert "not an image" in response.json()["error_description"]
    assert not Post.objects.exists() and not Photo.objects.exists() and media_files(alice, settings) == []


def test_multipart_oversized_photo_is_refused(client, settings):
    """An upload over MICROHOST_MAX_UPLOAD_BYTES is refused before processing."""
    settings.MICROHOST_MAX_UPLOAD_BYTES = 1000
    response = client.post("/micropub", {"h": "entry", "photo": jpg()})
    assert response.status_code == 413 and response.json()["error"] == "invalid_request"
    assert not Post.objects.exists()


def test_multipart_video_file(client, alice):
    """A video part is recognised by its bytes, stored, served as video/mp4 and shown as u-video."""
    video = SimpleUploadedFile("clip.bin", MP4_BYTES, content_type="application/octet-stream")
    location = created(client.post("/micropub", {"h": "entry", "content": "Clip", "video": video}))
    url = entry(client, location)["video"][0]
    assert url.startswith(f"http://alice.microhost.test/media/photos/{alice.blog.pk}/") and url.endswith(
        ".mp4"
    )
    served = client.get(url.removeprefix("http://alice.microhost.test"))
    assert served.status_code == 200 and served["Content-Type"] == "video/mp4"
    assert Post.objects.get().kind == "video"


def test_multipart_video_that_is_not_video_is_refused(client, alice, settings):
    """A video part holding HTML is refused and nothing is stored."""
    html = SimpleUploadedFile("clip.mp4", b"<!doctype html><script>x</script>", content_type="video/mp4")
    response = client.post("/micropub", {"h": "entry", "video": html, "photo": jpg()})
    assert response.status_code == 400 and not Post.objects.exists() and media_files(alice, settings) == []


def test_multipart_token_in_body(client, alice):
    """A multipart create may carry access_token as a part instead of the header."""
    raw, _ = mint_token(user=alice, scope="create")
    del client.defaults["HTTP_AUTHORIZATION"]
    created(
        client.post("/micropub", {"h": "entry", "content": "Body token", "access_token": raw, "photo": jpg()})
    )
