"""update_post bookkeeping: what counts as an edit, and receivers that fail."""

from __future__ import annotations

import pytest

from posts.models import Post
from posts.services import create_post, update_post
from posts.signals import post_changed

pytestmark = pytest.mark.django_db(transaction=True)


def test_recording_syndication_urls_is_not_an_edit(alice):
    """Adding u-syndication URLs leaves dt-updated unset; a content change sets it."""
    post = create_post(blog=alice.blog, properties={"content": ["Hello"]})
    post = update_post(post=post, properties={"syndication": ["https://mastodon.example/@a/1"]})
    assert post.updated is None and post.syndication == ["https://mastodon.example/@a/1"]
    post = update_post(post=post, properties={"content": ["Hello again"]})
    assert post.updated is not None


def test_a_failing_receiver_does_not_fail_the_save(alice, caplog):
    """A receiver raising after commit is logged; the post is saved and the caller gets it."""

    def explode(**kwargs):
        raise RuntimeError("receiver blew up")

    post_changed.connect(explode, dispatch_uid="test-explode")
    try:
        post = create_post(blog=alice.blog, properties={"content": ["Still saved"]})
    finally:
        post_changed.disconnect(dispatch_uid="test-explode")
    assert Post.objects.get(pk=post.pk).content == "Still saved"
    assert "receiver blew up" in caplog.text
