"""Fixtures for tests/posts: the Micropub client as micropub.rocks drives a server."""

from __future__ import annotations

import pytest

from accounts.tokens import mint_token


@pytest.fixture
def client(alice, blog_client):
    """Alice's blog host, every request carrying her full-scope token as micropub.rocks does."""
    raw, _ = mint_token(user=alice, scope="create update delete undelete media")
    client = blog_client(alice)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client
