"""Micropub authentication: micropub.rocks 800-805, harness extras 806-807 and R33."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tokens import mint_token, revoke
from posts.models import Post

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def token(alice) -> str:
    raw, _ = mint_token(user=alice, scope="create update delete undelete media")
    return raw


def form(client, body: str, token: str | None = None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post("/micropub", body, content_type=FORM, **extra)


def error_of(response, status: int) -> str:
    assert response.status_code == status, response.content
    return response.json()["error"]


def test_800_token_in_header(alice, blog_client, token):
    """A form create with Authorization: Bearer is created."""
    assert form(blog_client(alice), "h=entry&content=Header", token).status_code == 201


def test_801_token_in_body(alice, blog_client, token):
    """A form create with access_token in the body and no header is created."""
    assert form(blog_client(alice), f"h=entry&content=Body&access_token={token}").status_code == 201


def test_802_token_not_stored(alice, blog_client, token):
    """After a body-token create, q=source has the content and no access_token property."""
    location = form(blog_client(alice), f"h=entry&content=Secret+safe&access_token={token}")["Location"]
    found = (
        blog_client(alice)
        .get("/micropub", {"q": "source", "url": location}, HTTP_AUTHORIZATION=f"Bearer {token}")
        .json()["properties"]
    )
    assert found["content"] == ["Secret safe"] and "access_token" not in found
    assert token not in json.dumps(Post.objects.values()[0], default=str)


def test_803_unauthenticated(alice, blog_client):
    """No token anywhere: 401 with error unauthorized and a bare Bearer challenge; nothing created."""
    response = form(blog_client(alice), "h=entry&content=Nope")
    assert error_of(response, 401) == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer") and "error=" not in response["WWW-Authenticate"]
    assert not Post.objects.exists()


def test_804_token_without_create_scope(alice, blog_client):
    """A valid token lacking create: 403 insufficient_scope naming the scope (current Micropub text)."""
    raw, _ = mint_token(user=alice, scope="read")
    response = form(blog_client(alice), "h=entry&content=Nope", raw)
    assert error_of(response, 403) == "insufficient_scope" and response.json()["scope"] == "create"
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"] and not Post.objects.exists()


def test_805_two_auth_methods(alice, blog_client, token):
    """Header and access_token body field together: 400 invalid_request (RFC 6750 §2)."""
    response = form(blog_client(alice), f"h=entry&content=Both&access_token={token}", token)
    assert error_of(response, 400) == "invalid_request" and not Post.objects.exists()


@pytest.mark.parametrize("raw", ["not-a-real-token", ""])
def test_806_invalid_token(alice, blog_client, raw):
    """An unknown (or empty) bearer token: 401 invalid_token."""
    client = blog_client(alice)
    response = client.post(
        "/micropub", "h=entry&content=x", content_type=FORM, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert error_of(response, 401) == "invalid_token" and not Post.objects.exists()


def test_807_read_only_token_cannot_delete(alice, blog_client, make_post):
    """A read-only token cannot delete: 403 insufficient_scope, and the post stays."""
    post = make_post(alice, "Stays")
    raw, _ = mint_token(user=alice, scope="read")
    response = form(blog_client(alice), f"action=delete&url={post.get_absolute_url()}", raw)
    assert error_of(response, 403) == "insufficient_scope"
    assert blog_client(alice).get(post.path).status_code == 200


def test_other_blogs_token_is_forbidden(alice, bob, blog_client):
    """R33: Alice's token at Bob's endpoint is 403 forbidden."""
    raw, _ = mint_token(user=alice, scope="create")
    assert error_of(form(blog_client(bob), "h=entry&content=x", raw), 403) == "forbidden"
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("action", "scope"), [("update", "update"), ("delete", "delete"), ("undelete", "undelete")]
)
def test_create_only_token_cannot_change(alice, blog_client, make_post, action, scope):
    """R33: a create-only token gets 403 insufficient_scope for update, delete and undelete."""
    post = make_post(alice, "Mine")
    raw, _ = mint_token(user=alice, scope="create")
    body = {"action": action, "url": post.get_absolute_url(), "replace": {"content": ["changed"]}}
    response = blog_client(alice).post(
        "/micropub", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert error_of(response, 403) == "insufficient_scope" and response.json()["scope"] == scope
    post.refresh_from_db()
    assert post.content == "Mine" and not post.is_deleted


def test_revoked_token_is_refused_at_once(alice, blog_client):
    """R32: a revoked token is 401 invalid_token on the very next call."""
    raw, row = mint_token(user=alice, scope="create")
    assert form(blog_client(alice), "h=entry&content=first", raw).status_code == 201
    revoke(row)
    assert error_of(form(blog_client(alice), "h=entry&content=second", raw), 401) == "invalid_token"


def test_token_sent_twice_in_body_is_invalid_request(alice, blog_client, token):
    """Two access_token fields are ambiguous: 400 invalid_request."""
    response = form(blog_client(alice), f"h=entry&content=x&access_token={token}&access_token={token}")
    assert error_of(response, 400) == "invalid_request"


def test_tokens_never_logged(alice, blog_client, token, caplog):
    """R33: neither a good nor a bad token appears in any log record of a Micropub call."""
    with caplog.at_level(logging.DEBUG):
        form(blog_client(alice), f"h=entry&content=x&access_token={token}")
        form(blog_client(alice), "h=entry&content=x", "wrong-token-value")
        form(blog_client(alice), "h=entry&content=x&access_token=wrong-token-value", token)
    assert token not in caplog.text and "wrong-token-value" not in caplog.text


def test_token_row_is_read_alone_and_a_deactivated_owner_is_refused(alice, blog_client, token):
    """The blog's owner comes with the blog, so the token query joins no user; a deactivated owner's
    token is still invalid_token (401)."""
    client = blog_client(alice)
    with CaptureQueriesContext(connection) as queries:
        assert form(client, "h=entry&content=Alone", token).status_code == 201
    token_queries = [q["sql"] for q in queries.captured_queries if "accounts_accesstoken" in q["sql"]]
    assert token_queries and not [sql for sql in token_queries if "accounts_user" in sql]
    alice.is_active = False
    alice.save()
    assert error_of(form(client, "h=entry&content=Gone", token), 401) == "invalid_token"
