"""The JSON API: tokens and scopes, timeline, mentions, discover, conversation, follows, profiles."""

from __future__ import annotations

import pytest

from accounts.tokens import mint_token
from timeline.models import Follow, Mute

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(platform_client, alice):
    """api(verb, path, scope=…, **kwargs) → (status, json) with a bearer token of alice's."""
    tokens: dict[str, str] = {}

    def call(verb: str, path: str, scope: str = "read follow mute", data=None):
        if scope not in tokens:
            tokens[scope] = mint_token(user=alice, scope=scope)[0]
        send = getattr(platform_client, verb.lower())
        kwargs = {"content_type": "application/json"} if verb in ("POST", "PATCH") else {}
        response = send(path, data, HTTP_AUTHORIZATION=f"Bearer {tokens[scope]}", **kwargs)
        return response.status_code, (response.json() if response.content else None)

    return call


def test_token_required(platform_client):
    """No token → 401 with a Bearer challenge; a bad token → 401."""
    response = platform_client.get("/api/v1/timeline/")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    bad = platform_client.get("/api/v1/timeline/", HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401


def test_scopes_enforced(api):
    """A token without `follow` cannot follow; one without `read` cannot read."""
    assert api("POST", "/api/v1/follows/", scope="read", data={"target": "bob"})[0] == 403
    assert api("GET", "/api/v1/timeline/", scope="create")[0] == 403


def test_follow_timeline_and_cursor(api, alice, bob, make_post):
    """Follow bob, read the timeline with cursor pagination: no repeats across pages."""
    status, follow = api("POST", "/api/v1/follows/", data={"target": "bob"})
    assert status == 201 and follow["kind"] == "user" and follow["name"] == "bob"
    api("GET", "/api/v1/timeline/")
    for i in range(25):
        make_post(bob, f"n{i:02d}")
    _, first = api("GET", "/api/v1/timeline/")
    _, second = api("GET", first["next"].split("microhost.test")[-1])
    texts = [i["post"]["content_html"] for i in first["results"] + second["results"]]
    assert len(texts) == len(set(texts)) == 25 and first["results"][0]["type"] == "post"
    assert first["results"][0]["post"]["author"]["username"] == "bob"


def test_follows_list_mute_unfollow(api, alice, bob):
    """List follows, mute through PATCH, unfollow through DELETE."""
    _, follow = api("POST", "/api/v1/follows/", data={"target": f"{bob.blog.base_url}/"})
    _, listing = api("GET", "/api/v1/follows/")
    assert [f["id"] for f in listing["results"]] == [follow["id"]] and listing["results"][0]["muted"] is False
    status, muted = api("PATCH", f"/api/v1/follows/{follow['id']}/", data={"muted": True})
    assert (
        status == 200 and muted["muted"] is True and Mute.objects.filter(user=alice, blog=bob.blog).exists()
    )
    assert api("PATCH", f"/api/v1/follows/{follow['id']}/", scope="read", data={"muted": False})[0] == 403
    assert api("DELETE", f"/api/v1/follows/{follow['id']}/")[0] == 204 and not Follow.objects.exists()


def test_follow_bad_target_is_400(api, feed_site):
    """A target with no feed is a 400 with the reason, not a server error."""
    url = feed_site.serve("/plain", b"<!doctype html><p>hi</p>", content_type="text/html")
    status, body = api("POST", "/api/v1/follows/", data={"target": url})
    assert status == 400 and "no RSS" in body["target"][0]


def test_mentions_conversation_discover_profile(api, platform_client, alice, bob, make_post):
    """Mentions, a conversation in thread order with depths, Discover and a profile with posts."""
    root = make_post(alice, "root")
    reply = make_post(bob, "reply", in_reply_to=root.get_absolute_url())
    _, mentions = api("GET", "/api/v1/mentions/")
    assert [p["id"] for p in mentions["results"]] == [reply.pk]
    _, thread = api("GET", f"/api/v1/conversation/{root.pk}/")
    assert [(p["id"], p["depth"]) for p in thread] == [(root.pk, 0), (reply.pk, 1)]
    discover = platform_client.get("/api/v1/discover/").json()
    assert {p["id"] for p in discover["results"]} == {root.pk, reply.pk}
    profile = platform_client.get("/api/v1/users/bob/").json()
    assert profile["username"] == "bob" and profile["url"] == f"{bob.blog.base_url}/"
    posts = platform_client.get("/api/v1/users/bob/posts/").json()
    assert [p["id"] for p in posts["results"]] == [reply.pk]


def test_openapi_schema(platform_client):
    """drf-spectacular serves an OpenAPI 3 schema with the bearer scheme and every endpoint."""
    schema = platform_client.get("/api/v1/schema/?format=json").json()
    assert schema["openapi"].startswith("3.") and "bearerAuth" in schema["components"]["securitySchemes"]
    assert {"/api/v1/timeline/", "/api/v1/follows/", "/api/v1/users/{username}/posts/"} <= set(
        schema["paths"]
    )


def test_huge_ids_are_404(platform_client, logged_in):
    """An id past 64 bits is a 404 (no integer overflow 500 in the database)."""
    huge = "9" * 30
    assert platform_client.get(f"/api/v1/follows/{huge}/").status_code == 404
    assert platform_client.get(f"/api/v1/conversation/{huge}/").status_code == 404
    assert logged_in.post(f"/timeline/following/{huge}/unfollow/").status_code == 404
