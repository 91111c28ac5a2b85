"""Micropub discovery and queries: harness 001-002, micropub.rocks 600-603, extras 604-605 and lists."""

from __future__ import annotations

import json

import mf2py
import pytest

pytestmark = pytest.mark.django_db


def create(client, **properties) -> str:
    body = json.dumps({"type": ["h-entry"], "properties": properties})
    response = client.post("/micropub", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response["Location"]


def query(client, **params) -> dict:
    response = client.get("/micropub", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_001_discovery(alice, blog_client):
    """The blog home advertises rel=micropub (Link header or <link>), an absolute URL on the blog."""
    response = blog_client(alice).get("/")
    parsed = mf2py.parse(doc=response.content.decode(), url="http://alice.microhost.test/")
    assert parsed["rels"]["micropub"] == ["http://alice.microhost.test/micropub"]


def test_002_discovery_header_and_link_both(alice, make_post, blog_client):
    """Both the Link header and the <link> element name the endpoint, on the home page and a permalink."""
    post = make_post(alice, "Hi")
    for path in ("/", post.path):
        response = blog_client(alice).get(path)
        assert '<http://alice.microhost.test/micropub>; rel="micropub"' in response["Link"]
        assert b'<link rel="micropub" href="http://alice.microhost.test/micropub">' in response.content


def test_600_configuration(client):
    """q=config is a JSON object with an absolute media-endpoint, syndicate-to, post-types, q, categories."""
    config = query(client, q="config")
    assert config["media-endpoint"] == "http://alice.microhost.test/micropub/media"
    assert config["syndicate-to"] == [] and config["q"] == ["config", "source", "syndicate-to", "category"]
    assert {"type": "note", "name": "Note"} in config["post-types"] and config["categories"] == []


def test_601_syndication_targets(client):
    """q=syndicate-to answers an object with a syndicate-to array (empty until issue 6)."""
    assert query(client, **{"q": "syndicate-to"}) == {"syndicate-to": []}


def test_602_source_all_properties(client):
    """q=source&url gives type and all properties; content as sent, both categories."""
    location = create(client, content=["Source test"], category=["micropub", "test"])
    found = query(client, q="source", url=location)
    assert found["type"] == ["h-entry"]
    assert found["properties"]["content"][0] == "Source test"
    assert {"micropub", "test"} <= set(found["properties"]["category"])


def test_603_source_some_properties(client):
    """properties[]=content&properties[]=category returns just those, without type."""
    location = create(client, content=["Source test"], category=["micropub", "test"], name=["A name"])
    found = client.get(
        f"/micropub?q=source&properties%5B%5D=content&properties%5B%5D=category&url={location}"
    )
    assert found.json() == {"properties": {"content": ["Source test"], "category": ["micropub", "test"]}}


def test_604_source_bare_properties_html_content(client):
    """properties=content (no brackets) returns only content, HTML-authored as [{"html": …}]."""
    location = create(client, content=[{"html": "<p>Hi <b>there</b></p>"}], category=["x"])
    assert query(client, q="source", properties="content", url=location) == {
        "properties": {"content": [{"html": "<p>Hi <b>there</b></p>"}]}
    }


def test_605_source_unknown_url(client):
    """q=source of a URL with no post is 400 invalid_request."""
    response = client.get("/micropub", {"q": "source", "url": "http://alice.microhost.test/2020/01/01/nope/"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_source_list_with_limit_and_offset(client):
    """q=source without url lists recent posts newest first as {"items": [...]}, paged by limit/offset."""
    for n in range(5):
        create(client, content=[f"Post {n}"])
    first = query(client, q="source", limit="2")["items"]
    second = query(client, q="source", limit="2", offset="2", **{"properties[]": "content"})["items"]
    assert [item["properties"]["content"][0] for item in first] == ["Post 4", "Post 3"]
    assert second == [{"properties": {"content": ["Post 2"]}}, {"properties": {"content": ["Post 1"]}}]
    assert client.get("/micropub", {"q": "source", "limit": "lots"}).status_code == 400


def test_category_query_with_filter(client):
    """q=category lists the blog's categories; filter= narrows them."""
    create(client, content=["x"], category=["indieweb", "micropub", "cats"])
    assert query(client, q="category") == {"categories": ["cats", "indieweb", "micropub"]}
    assert query(client, q="category", filter="web") == {"categories": ["indieweb"]}
    assert query(client, q="config")["categories"] == ["cats", "indieweb", "micropub"]


def test_unknown_or_missing_q_is_invalid_request(client):
    """An unsupported q, or none, is 400 invalid_request."""
    assert client.get("/micropub", {"q": "weather"}).status_code == 400
    assert client.get("/micropub").json()["error"] == "invalid_request"


def test_queries_need_a_token(alice, blog_client):
    """Queries are authenticated like posts: no token is 401."""
    response = blog_client(alice).get("/micropub", {"q": "config"})
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"


def test_source_query_count_is_bounded(client, django_assert_max_num_queries):
    """q=source of a post with photos and categories runs a fixed, small number of queries."""
    location = create(
        client,
        content=["x"],
        category=["a", "b", "c"],
        photo=["https://e.example/1.jpg", "https://e.example/2.jpg"],
    )
    with django_assert_max_num_queries(5):
        query(client, q="source", url=location)


def test_cors_preflight_and_headers(alice, blog_client):
    """Browser clients get CORS: OPTIONS answers 204 and every answer exposes Location."""
    preflight = blog_client(alice).options("/micropub")
    assert preflight.status_code == 204 and "Authorization" in preflight["Access-Control-Allow-Headers"]
    response = blog_client(alice).get("/micropub", {"q": "config"})
    assert (
        response["Access-Control-Allow-Origin"] == "*"
        and "Location" in response["Access-Control-Expose-Headers"]
    )
