"""Moderation and the owner's pages: mentions (notifications), delete, block, approval of first-time
senders, trusted sources, settings, and the resend button."""

from __future__ import annotations

import pytest

from tests.webmention.conftest import Page, reply_page
from webmention.models import BlockedDomain, Outgoing, Preferences, Received
from webmention.moderation import is_trusted_source
from webmention.receive import accept_webmention
from webmention.verify import verify_received

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(alice, make_post):
    return make_post(alice, "Moderate me")


def receive(site, target: str, blog, path: str = "/r") -> Received:
    site.pages[path] = Page(reply_page(target))
    row = accept_webmention(blog=blog, source=site.url(path), target=target)
    return verify_received(row.pk)


def hold_first_timers(blog) -> None:
    Preferences.objects.update_or_create(blog=blog, defaults={"hold_first_time_senders": True})


def test_by_default_verified_mentions_show_at_once(site, post, alice):
    """Approval is off by default: a first-time sender's verified reply is accepted."""
    assert receive(site, post.get_absolute_url(), alice.blog).state == "accepted"


def test_first_time_senders_are_held_then_approved(site, post, alice, logged_in, blog_client):
    """With the option on, a new sender is held (not shown, status pending) until the owner approves."""
    hold_first_timers(alice.blog)
    row = receive(site, post.get_absolute_url(), alice.blog)
    assert row.state == "held"
    assert "Great post!" not in blog_client(alice).get(post.path).content.decode()
    status = blog_client(alice).get(row.status_path).json()
    assert status["status"] == "pending" and "approval" in status["moderation"]
    page = logged_in.get("/mentions/").content.decode()
    assert "waiting for approval" in page and "Approve" in page
    assert logged_in.post(f"/mentions/{row.pk}/approve/").status_code == 302
    assert "Great post!" in blog_client(alice).get(post.path).content.decode()
    assert receive(site, post.get_absolute_url(), alice.blog, "/second").state == "accepted"  # known now


def test_sources_the_owner_replied_to_are_trusted(site, post, alice, make_post):
    """Hosts the owner has replied to skip the approval queue."""
    hold_first_timers(alice.blog)
    make_post(alice, "replying", in_reply_to=site.url("/their-post"))
    assert is_trusted_source(alice.blog, site.url("/anything"))
    assert not is_trusted_source(alice.blog, "https://stranger.example/x")
    assert receive(site, post.get_absolute_url(), alice.blog).state == "accepted"


def test_owner_deletes_a_mention(site, post, alice, logged_in, blog_client):
    """Delete removes the mention from the page and the list."""
    row = receive(site, post.get_absolute_url(), alice.blog)
    assert logged_in.post(f"/mentions/{row.pk}/delete/").status_code == 302
    assert not Received.objects.exists()
    assert "Great post!" not in blog_client(alice).get(post.path).content.decode()


def test_owner_blocks_a_domain_from_a_mention(site, post, alice, logged_in):
    """Block removes the domain's mentions and quietly refuses later ones (202, nothing stored)."""
    row = receive(site, post.get_absolute_url(), alice.blog)
    assert logged_in.post(f"/mentions/{row.pk}/block/").status_code == 302
    assert list(BlockedDomain.objects.values_list("domain", flat=True)) == ["127.0.0.1"]
    assert not Received.objects.exists()
    assert (
        accept_webmention(blog=alice.blog, source=site.url("/again"), target=post.get_absolute_url()) is None
    )
    assert not Received.objects.exists()


def test_others_cannot_moderate_my_mentions(site, post, alice, bob, platform_client):
    """Bob gets 404 for Alice's mentions; nothing changes."""
    row = receive(site, post.get_absolute_url(), alice.blog)
    platform_client.force_login(bob)
    for action in ("approve", "delete", "block"):
        assert platform_client.post(f"/mentions/{row.pk}/{action}/").status_code == 404
    assert Received.objects.get().state == "accepted"


def test_mentions_page_lists_home_mentions_as_notifications(
    site, alice, logged_in, django_assert_max_num_queries
):
    """A mention of the blog home goes to the owner's mentions page, marked new once, then seen."""
    row = receive(site, alice.blog.absolute("/"), alice.blog)
    assert row.state == "accepted" and row.post is None
    with django_assert_max_num_queries(8):
        page = logged_in.get("/mentions/").content.decode()
    assert "Carol" in page and "your blog" in page and "wm-new" in page
    assert "wm-new" not in logged_in.get("/mentions/").content.decode()


def test_settings_page_toggles_approval_and_blocks_domains(alice, logged_in):
    """Settings → Webmentions saves the option, blocks and unblocks domains; bad domains are 400."""
    page = logged_in.get("/settings/webmentions/").content.decode()
    assert (
        'href="/settings/webmentions/" class="active"' in page and alice.blog.absolute("/webmention") in page
    )
    logged_in.post("/settings/webmentions/", {"hold_first_time_senders": "on"})
    assert Preferences.objects.get(blog=alice.blog).hold_first_time_senders is True
    assert (
        logged_in.post("/settings/webmentions/block/", {"domain": "https://Spam.Example/x"}).status_code
        == 302
    )
    blocked = BlockedDomain.objects.get()
    assert blocked.domain == "spam.example"
    assert logged_in.post("/settings/webmentions/block/", {"domain": "not a domain!"}).status_code == 400
    logged_in.post(f"/settings/webmentions/unblock/{blocked.pk}/")
    assert not BlockedDomain.objects.exists()


def test_mentions_and_settings_need_login(platform_client):
    """Anonymous visitors are sent to the login page."""
    for path in ("/mentions/", "/settings/webmentions/"):
        assert platform_client.get(path).status_code == 302


def test_edit_page_shows_outgoing_status_and_resend_queues_after_commit(
    alice, make_post, logged_in, django_capture_on_commit_callbacks
):
    """The composer's edit page lists each target's result; Resend (own posts only) queues one job."""
    post = make_post(alice, "linking")
    Outgoing.objects.create(
        post=post, target="https://x.example/", state="failed", status_code=400, error="nope"
    )
    page = logged_in.get(f"/posts/{post.pk}/edit/").content.decode()
    assert (
        "https://x.example/" in page and "(400)" in page and "nope" in page and "Resend webmentions" in page
    )
    with django_capture_on_commit_callbacks() as callbacks:
        assert logged_in.post(f"/posts/{post.pk}/webmentions/resend/").status_code == 302
    assert len(callbacks) == 1


def test_resend_of_someone_elses_post_is_404(alice, bob, make_post, platform_client):
    """Bob cannot trigger webmentions for Alice's post."""
    post = make_post(alice, "mine")
    platform_client.force_login(bob)
    assert platform_client.post(f"/posts/{post.pk}/webmentions/resend/").status_code == 404


def test_sites_the_owner_follows_are_trusted(alice, bob):
    """A followed feed's site, and a followed platform blog, are trusted senders."""
    from timeline.models import Feed, Follow

    feed = Feed.objects.create(url="https://friend.example/feed.xml", site_url="https://friend.example/")
    assert not is_trusted_source(alice.blog, "https://friend.example/notes/1")
    Follow.objects.create(user=alice, feed=feed)
    Follow.objects.create(user=alice, blog=bob.blog)
    assert is_trusted_source(alice.blog, "https://friend.example/notes/1")
    assert is_trusted_source(alice.blog, f"{bob.blog.base_url}/2026/01/01/hi/")
    assert not is_trusted_source(alice.blog, "https://stranger.example/x")
