"""Micropub delete and undelete: micropub.rocks 500-series; the permalink answers 410 while deleted."""

from __future__ import annotations

import json

import pytest

from posts.models import Post

pytestmark = pytest.mark.django_db


def create(client) -> str:
    response = client.post("/micropub", {"h": "entry", "content": "Here today"})
    assert response.status_code == 201
    return response["Location"]


def status_of(client, location: str) -> int:
    return client.get(location.removeprefix("http://alice.microhost.test")).status_code


def act_form(client, action: str, url: str):
    return client.post(
        "/micropub", f"action={action}&url={url}", content_type="application/x-www-form-urlencoded"
    )


def act_json(client, action: str, url: str):
    return client.post(
        "/micropub", json.dumps({"action": action, "url": url}), content_type="application/json"
    )


def test_500_delete_form(client):
    """action=delete (form): 204, the permalink answers 410 Gone and the post leaves the home page."""
    location = create(client)
    assert act_form(client, "delete", location).status_code == 204
    assert status_of(client, location) == 410
    assert b"Here today" not in client.get("/").content


def test_501_delete_json(client):
    """{"action": "delete"} (JSON): 204 and 410."""
    location = create(client)
    assert act_json(client, "delete", location).status_code == 204
    assert status_of(client, location) == 410


def test_502_undelete_form(client):
    """Delete then action=undelete (form): each 204; the permalink answers 200 again at the same URL."""
    location = create(client)
    assert act_form(client, "delete", location).status_code == 204
    assert act_form(client, "undelete", location).status_code == 204
    assert status_of(client, location) == 200 and b"Here today" in client.get("/").content


def test_503_undelete_json(client):
    """The same with JSON bodies."""
    location = create(client)
    assert act_json(client, "delete", location).status_code == 204
    assert act_json(client, "undelete", location).status_code == 204
    assert status_of(client, location) == 200


def test_deleted_post_not_in_source_list(client):
    """q=source without url lists only live posts; q=source by url still finds a deleted one."""
    location = create(client)
    act_json(client, "delete", location)
    assert client.get("/micropub", {"q": "source"}).json() == {"items": []}
    assert client.get("/micropub", {"q": "source", "url": location}).status_code == 200


def test_delete_another_blogs_post_is_refused(client, bob):
    """A url on Bob's blog is invalid_request at Alice's endpoint, and Bob's post stays."""
    bobs = Post.objects.create(blog=bob.blog, content="Bob's", path="/2024/01/01/bobs/")
    response = act_json(client, "delete", bobs.get_absolute_url())
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    bobs.refresh_from_db()
    assert not bobs.is_deleted


def test_delete_without_url_is_invalid_request(client):
    """delete needs a url."""
    response = client.post("/micropub", {"action": "delete"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
