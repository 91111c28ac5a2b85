"""Received webmentions appear in the combined Mentions list and in the Conversation view."""

from __future__ import annotations

import pytest

from tests.webmention.test_display import mention

pytestmark = pytest.mark.django_db


def test_received_webmentions_join_the_mentions_page(alice, make_post, logged_in):
    """One Mentions list holds platform replies and received webmentions."""
    post = make_post(alice, "Talk to me")
    mention(post, 1, "reply", content_html="<p>From another site</p>")
    mention(post, 2, "reply", state="held", approved=False, author_name="Held Person")
    body = logged_in.get("/timeline/mentions/").content.decode()
    assert "Person 1" in body and "From another site" in body
    assert "Held Person" not in body


def test_received_replies_join_the_conversation(alice, make_post, logged_in):
    """The conversation view shows replies from other sites after the post."""
    post = make_post(alice, "Start of a thread")
    mention(post, 1, "reply", content_html="<p>Reply from elsewhere</p>")
    mention(post, 2, "like")
    body = logged_in.get(f"/conversation/{post.pk}/").content.decode()
    assert body.index("Start of a thread") < body.index("Reply from elsewhere")
    assert "Person 2" not in body
