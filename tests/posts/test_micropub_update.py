"""Micropub update: micropub.rocks 400-series, photos, drafts and malformed updates."""

from __future__ import annotations

import json

import mf2py
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from posts.models import Photo, Post
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db
JPG1, JPG2 = "https://photos.example.com/one.jpg", "https://photos.example.com/two.jpg"


def post_json(client, body: dict):
    return client.post("/micropub", json.dumps(body), content_type="application/json")


def create(client, **properties) -> str:
    response = post_json(client, {"type": ["h-entry"], "properties": properties})
    assert response.status_code == 201, response.content
    return response["Location"]


def update(client, url: str, **operations):
    return post_json(client, {"action": "update", "url": url, **operations})


def updated(response) -> None:
    """URL unchanged: 204 with no body."""
    assert response.status_code == 204, response.content
    assert response.content == b""


def entry(client, location: str) -> dict:
    page = client.get(location.removeprefix("http://alice.microhost.test"))
    assert page.status_code == 200
    parsed = mf2py.parse(doc=page.content.decode(), url=location)
    return next(item for item in parsed["items"] if "h-entry" in item["type"])["properties"]


def source(client, location: str) -> dict:
    return client.get("/micropub", {"q": "source", "url": location}).json()["properties"]


def test_400_replace_property(client):
    """replace content: 204, the post shows the new text, updated is set, the URL stays."""
    location = create(client, content=["Original text"])
    updated(update(client, location, replace={"content": ["Replaced text"]}))
    props = entry(client, location)
    assert props["content"][0]["value"] == "Replaced text" and "updated" in props
    assert Post.objects.get().get_absolute_url() == location


def test_401_add_value_to_existing_property(client):
    """add category test2 to [test1] gives both."""
    location = create(client, content=["Tags"], category=["test1"])
    updated(update(client, location, add={"category": ["test2"]}))
    assert sorted(entry(client, location)["category"]) == ["test1", "test2"]


def test_402_add_value_to_missing_property(client):
    """add category to a post without one creates it."""
    location = create(client, content=["No tags yet"])
    updated(update(client, location, add={"category": ["test1"]}))
    assert entry(client, location)["category"] == ["test1"]


def test_403_remove_a_value(client):
    """delete {category: [test2]} leaves only test1."""
    location = create(client, content=["Tags"], category=["test1", "test2"])
    updated(update(client, location, delete={"category": ["test2"]}))
    assert entry(client, location)["category"] == ["test1"]


def test_404_remove_a_property(client):
    """delete ["category"] removes every category."""
    location = create(client, content=["Tags"], category=["test1", "test2"])
    updated(update(client, location, delete=["category"]))
    assert "category" not in entry(client, location)


def test_405_reject_non_array_operation(client):
    """replace with a string instead of an object of arrays is 400 invalid_request; nothing changes."""
    location = create(client, content=["Keep me"])
    response = update(client, location, replace="This is not a valid update request.")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert entry(client, location)["content"][0]["value"] == "Keep me"


@pytest.mark.parametrize(
    "operations",
    [
        {"replace": {"content": "not an array"}},
        {"add": {"category": "x"}},
        {"delete": "category"},
        {"delete": {"category": "x"}},
        {},
    ],
)
def test_update_malformed_operations_are_400(client, operations):
    """Every non-array value, a non-list/object delete and an empty update are invalid_request."""
    location = create(client, content=["Keep me"])
    assert update(client, location, **operations).status_code == 400


def test_delete_last_value_removes_property_and_unknown_properties_update(client):
    """Deleting the only value removes the property; unknown properties can be added and removed."""
    location = create(client, content=["x"], category=["only"], **{"x-mood": ["calm"]})
    updated(update(client, location, delete={"category": ["only"]}, add={"x-mood": ["happy"]}))
    stored = source(client, location)
    assert "category" not in stored and stored["x-mood"] == ["calm", "happy"]
    updated(update(client, location, delete=["x-mood"]))
    assert "x-mood" not in source(client, location)


def test_replace_html_content_and_name(client):
    """content can be replaced with {"html"}; name turns the note into an article."""
    location = create(client, content=["Plain"])
    updated(
        update(client, location, replace={"content": [{"html": "<p><b>Bold</b></p>"}], "name": ["Title"]})
    )
    assert source(client, location)["content"] == [{"html": "<p><b>Bold</b></p>"}]
    assert Post.objects.get().kind == "article"


def test_replace_and_delete_photos(client):
    """replace photo sets the photo list; delete by URL removes one photo and keeps the others' alt."""
    location = create(client, content=["Pics"], photo=[{"value": JPG1, "alt": "One"}])
    updated(update(client, location, add={"photo": [JPG2]}))
    assert source(client, location)["photo"] == [{"value": JPG1, "alt": "One"}, JPG2]
    updated(update(client, location, delete={"photo": [JPG2]}))
    assert source(client, location)["photo"] == [{"value": JPG1, "alt": "One"}]
    updated(update(client, location, replace={"photo": [JPG2]}))
    assert source(client, location)["photo"] == [JPG2] and Photo.objects.count() == 1


def test_uploaded_photo_kept_when_replacing_others(client):
    """An uploaded photo (not a URL) survives a photo replace that still lists its URL."""
    upload = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post("/micropub", {"h": "entry", "content": "Upload", "photo": upload})
    location = response["Location"]
    own = source(client, location)["photo"][0]
    updated(update(client, location, replace={"photo": [own, JPG1]}))
    photos = list(Post.objects.get().photos.all())
    assert [bool(p.file) for p in photos] == [True, False] and photos[0].url == own


def test_publishing_a_draft_answers_201_with_new_location(client):
    """A draft published by update gets its permalink: 201 + Location (the URL changed)."""
    draft = create(client, content=["Draft words"], **{"post-status": ["draft"]})
    response = update(client, draft, replace={"post-status": ["published"]})
    assert response.status_code == 201 and "/drafts/" not in response["Location"]
    assert entry(client, response["Location"])["content"][0]["value"] == "Draft words"


def test_update_mp_syndicate_to(client):
    """mp-syndicate-to can be changed by an update, still as a command and not a property."""
    location = create(client, content=["x"])
    updated(update(client, location, replace={"mp-syndicate-to": ["mastodon"]}))
    assert Post.objects.get().syndicate_to == ["mastodon"] and "mp-syndicate-to" not in source(
        client, location
    )


def test_update_url_cannot_be_changed(client):
    """url is not a property an update can replace."""
    location = create(client, content=["x"])
    updated(update(client, location, replace={"url": ["https://elsewhere.example/"], "content": ["y"]}))
    assert Post.objects.get().get_absolute_url() == location


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("", "url"),
        ("http://bob.microhost.test/2020/01/01/x/", "not a post of this blog"),
        ("http://alice.microhost.test/2020/01/01/missing/", "no post"),
        ("javascript:alert(1)", "not a post"),
    ],
)
def test_update_bad_url_is_invalid_request(client, bob, url, why):
    """A missing url, another blog's url or one of no post is 400 invalid_request."""
    response = update(client, url, replace={"content": ["x"]})
    assert response.status_code == 400 and why in response.json()["error_description"]


def test_update_as_form_is_refused(client):
    """Updates are JSON only (§3.4): a form-encoded action=update is invalid_request."""
    location = create(client, content=["x"])
    response = client.post("/micropub", {"action": "update", "url": location, "content": "y"})
    assert response.status_code == 400 and "JSON" in response.json()["error_description"]


def test_update_of_deleted_post_is_refused(client):
    """A deleted post must be undeleted before it can be updated."""
    location = create(client, content=["x"])
    assert post_json(client, {"action": "delete", "url": location}).status_code == 204
    assert update(client, location, replace={"content": ["y"]}).status_code == 400
