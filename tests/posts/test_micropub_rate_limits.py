"""Per-token budgets on Micropub and the media endpoint answer 429 with Retry-After (R38)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tokens import mint_token
from posts.models import Post
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def bearer(user, scope="create media") -> dict:
    raw, _ = mint_token(user=user, scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_micropub_budget_per_token(alice, blog_client, settings):
    """Past its budget a token gets 429 with Retry-After and nothing is created; another token is fine."""
    settings.MICROHOST_RATE_MICROPUB = "2/300"
    client, first = blog_client(alice), bearer(alice)
    for n in range(2):
        assert client.post("/micropub", {"h": "entry", "content": f"n{n}"}, **first).status_code == 201
    refused = client.post("/micropub", {"h": "entry", "content": "third"}, **first)
    assert refused.status_code == 429 and refused.json()["error"] == "too_many_requests"
    assert 1 <= int(refused["Retry-After"]) <= 300
    assert Post.objects.count() == 2
    assert client.post("/micropub", {"h": "entry", "content": "other"}, **bearer(alice)).status_code == 201


def test_media_budget_per_token(alice, blog_client, settings):
    """Uploads have their own, smaller budget."""
    settings.MICROHOST_RATE_MEDIA = "1/1800"
    client, auth = blog_client(alice), bearer(alice)

    def upload():
        file = SimpleUploadedFile("a.jpg", jpeg_bytes(64, 64), content_type="image/jpeg")
        return client.post("/micropub/media", {"file": file}, **auth)

    assert upload().status_code == 201
    refused = upload()
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
