"""The media endpoint: micropub.rocks 700-702, harness extras 703-705, q=last and validation."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.tokens import mint_token
from posts.models import Photo, Post
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db
HOST = "http://alice.microhost.test"


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB" if fmt != "GIF" else "P", (40, 30), "orange").save(out, fmt)
    return out.getvalue()


def media_endpoint(client) -> str:
    """Discovered from q=config as the suite does: an absolute http(s) URL with a path."""
    url = client.get("/micropub", {"q": "config"}).json()["media-endpoint"]
    assert re.fullmatch(r"https?://[^/]+/\S+", url)
    return url.removeprefix(HOST)


def upload(client, data: bytes, name: str = "upload.bin", **extra):
    return client.post(media_endpoint(client), {"file": SimpleUploadedFile(name, data)}, **extra)


def uploaded_and_served(client, fmt: str, mime: str) -> None:
    """A `file` part → 201 + Location; fetching it without auth gives exactly its image type."""
    response = upload(client, image_bytes(fmt))
    assert response.status_code == 201, response.content
    location = response["Location"]
    assert re.fullmatch(rf"{HOST}/media/photos/\d+/[0-9a-f]{{32}}\.\w+", location), "unguessable UUID URL"
    served = Client(HTTP_HOST="alice.microhost.test").get(location.removeprefix(HOST))
    assert served.status_code == 200 and served["Content-Type"] == mime
    assert served["X-Content-Type-Options"] == "nosniff"


def test_700_upload_jpg(client):
    """A JPEG upload answers 201 + Location served as exactly image/jpeg."""
    uploaded_and_served(client, "JPEG", "image/jpeg")


def test_701_upload_png(client):
    """A PNG upload answers 201 + Location served as exactly image/png."""
    uploaded_and_served(client, "PNG", "image/png")


def test_702_upload_gif(client):
    """A GIF upload answers 201 + Location served as exactly image/gif."""
    uploaded_and_served(client, "GIF", "image/gif")


def test_703_create_with_media_endpoint_photo(client):
    """A create naming the uploaded URL attaches that upload to the post instead of hotlinking."""
    location = upload(client, jpeg_bytes())["Location"]
    body = {
        "type": ["h-entry"],
        "properties": {"content": ["From media"], "photo": [{"value": location, "alt": "Mine"}]},
    }
    response = client.post("/micropub", json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    photo = Photo.objects.get()
    assert photo.post == Post.objects.get() and photo.file and not photo.remote_url and photo.alt == "Mine"
    assert photo.variants, "the attached upload keeps its sized copies"


def test_704_upload_without_token(alice, blog_client):
    """No token at all: 401 unauthorized, nothing stored."""
    client = blog_client(alice)
    response = client.post("/micropub/media", {"file": SimpleUploadedFile("a.jpg", jpeg_bytes())})
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert not Photo.objects.exists()


def test_705_upload_with_read_only_token(alice, blog_client):
    """A token without media (or create) scope: 403 insufficient_scope naming media."""
    raw, _ = mint_token(user=alice, scope="read")
    client = blog_client(alice)
    response = client.post(
        "/micropub/media",
        {"file": SimpleUploadedFile("a.jpg", jpeg_bytes())},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope" and response.json()["scope"] == "media"
    assert not Photo.objects.exists()


def test_q_last_returns_latest_upload(client):
    """q=last is {} before any upload, then the newest upload's URL."""
    assert client.get("/micropub/media", {"q": "last"}).json() == {}
    upload(client, image_bytes("PNG"))
    newest = upload(client, jpeg_bytes())["Location"]
    assert client.get("/micropub/media", {"q": "last"}).json() == {"url": newest}


def test_upload_not_an_image_is_400_and_nothing_saved(client, alice, settings):
    """An HTML or SVG file is invalid_request with the readable reason, and no file is stored."""
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    response = upload(client, svg, name="x.svg")
    assert response.status_code == 400 and "not an image" in response.json()["error_description"]
    assert not Photo.objects.exists()
    assert not list((settings.MEDIA_ROOT / "photos").glob("**/*.*"))


def test_upload_needs_exactly_one_file_part(client):
    """No `file` part is invalid_request."""
    response = client.post("/micropub/media", {"photo": SimpleUploadedFile("a.jpg", jpeg_bytes())})
    assert response.status_code == 400 and "file" in response.json()["error_description"]


def test_upload_audio(client):
    """An MP3 is recognised by its bytes and served as audio/mpeg."""
    response = upload(client, b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 100, name="song.txt")
    assert response.status_code == 201 and response["Location"].endswith(".mp3")
    assert client.get(response["Location"].removeprefix(HOST))["Content-Type"] == "audio/mpeg"


def test_upload_with_create_scope_only(alice, blog_client):
    """Clients that ask only for create (Quill, Indigenous) can still upload."""
    raw, _ = mint_token(user=alice, scope="create")
    response = blog_client(alice).post(
        "/micropub/media",
        {"file": SimpleUploadedFile("a.jpg", jpeg_bytes())},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201


def test_other_blog_cannot_attach_alices_upload(client, bob, blog_client):
    """Bob naming Alice's upload URL gets a hotlink, never Alice's Photo row."""
    location = upload(client, jpeg_bytes())["Location"]
    raw, _ = mint_token(user=bob, scope="create")
    response = blog_client(bob).post(
        "/micropub", {"h": "entry", "photo": location}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 201
    bobs = Photo.objects.get(blog=bob.blog)
    assert bobs.remote_url == location and Photo.objects.get(blog__user__username="alice").post is None


def test_same_upload_in_two_posts(client):
    """An upload used by two posts gives each its own row over the same file."""
    location = upload(client, jpeg_bytes())["Location"]
    for _ in range(2):
        assert client.post("/micropub", {"h": "entry", "photo": location}).status_code == 201
    files = set(Photo.objects.values_list("file", flat=True))
    assert Photo.objects.filter(post__isnull=False).count() == 2 and len(files) == 1
