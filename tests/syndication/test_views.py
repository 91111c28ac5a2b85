"""Settings → Connections and the connect flows, end to end against the fake silos (OAuth redirects
followed for real), the composer's targets and previews, the copy status, Micropub q=syndicate-to."""

from __future__ import annotations

import json
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from microhost.fetch import fetch
from syndication.models import Connection, MastodonApp, Syndication


def _follow_silo_authorize(response) -> str:
    """Visit the silo's authorize URL (the fake approves at once) and return our callback path+query."""
    assert response.status_code == 302
    approved = fetch(response["Location"], follow_redirects=False)
    assert approved.status_code == 302
    callback = urlsplit(approved.headers["Location"])
    return f"{callback.path}?{callback.query}"


def test_connections_page_needs_login(platform_client, db) -> None:
    """Anonymous visitors are sent to log in."""
    response = platform_client.get("/settings/connections/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_connections_page_lists_connections(logged_in, alice, connect, django_assert_max_num_queries) -> None:
    """200 for a logged-in user, with each connection, its note and the Connections tab."""
    connect(alice, "mastodon")
    connect(alice, "medium")
    with django_assert_max_num_queries(8):
        page = logged_in.get("/settings/connections/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "@alice@127.0.0.1" in html and "Medium only lets us create copies" in html
    assert 'href="/settings/connections/" class="active"' in html


def test_mastodon_connect_flow_with_pkce(logged_in, alice, fakes) -> None:
    """POST instance → app registered once → authorize (PKCE S256) → callback → connection saved."""
    fake = fakes["mastodon"]
    start = logged_in.post("/settings/connections/mastodon/", {"instance": fake.url})
    assert "code_challenge_method=S256" in start["Location"]
    done = logged_in.get(_follow_silo_authorize(start))
    assert done.status_code == 302 and done["Location"] == "/settings/connections/"
    connection = Connection.objects.get(user=alice, silo="mastodon")
    assert connection.account_url == f"{fake.url}/@alice"
    assert connection.options["max_characters"] == 500
    assert connection.credentials == {"access_token": "masto-token"}
    logged_in.post("/settings/connections/mastodon/", {"instance": fake.url})
    assert MastodonApp.objects.count() == 1 and len(fake.calls("POST", "/api/v1/apps")) == 1


def test_callback_with_a_forged_state_is_refused(logged_in, alice, fakes) -> None:
    """A callback whose state does not match the session saves nothing."""
    logged_in.post("/settings/connections/mastodon/", {"instance": fakes["mastodon"].url})
    logged_in.get("/settings/connections/mastodon/callback/?code=x&state=forged")
    assert not Connection.objects.exists()


@pytest.mark.parametrize("silo", ["tumblr", "linkedin"])
def test_oauth_connect_flows(logged_in, alice, fakes, silo) -> None:
    """Tumblr and LinkedIn: redirect to the silo, approve, callback, token stored with its expiry."""
    start = logged_in.post(f"/settings/connections/{silo}/")
    logged_in.get(_follow_silo_authorize(start))
    connection = Connection.objects.get(user=alice, silo=silo)
    assert connection.expires_at is not None and connection.credentials["access_token"]
    if silo == "tumblr":
        assert connection.options["blog"] == "alicewrites" and connection.credentials["refresh_token"]


def test_tumblr_blog_choice(logged_in, alice, connect) -> None:
    """The owner picks which Tumblr blog receives copies."""
    connection = connect(alice, "tumblr")
    connection.options = {"blogs": [{"name": "alicewrites"}, {"name": "alicephotos"}], "blog": "alicewrites"}
    connection.save()
    logged_in.post(f"/settings/connections/{connection.pk}/blog/", {"blog": "alicephotos"})
    connection.refresh_from_db()
    assert connection.options["blog"] == "alicephotos"


def test_medium_token_and_bluesky_app_password(logged_in, alice, fakes) -> None:
    """Medium: a pasted token checked with /v1/me; Bluesky: handle + app password, password not kept."""
    logged_in.post("/settings/connections/medium/", {"token": "medium-token"})
    logged_in.post(
        "/settings/connections/bluesky/",
        {"handle": "alice.bsky.social", "app_password": fakes["bluesky"].password},
    )
    assert set(Connection.objects.values_list("silo", flat=True)) == {"medium", "bluesky"}
    sky = Connection.objects.get(silo="bluesky")
    assert fakes["bluesky"].password not in json.dumps(sky.credentials)
    bad = logged_in.post("/settings/connections/medium/", {"token": "wrong"}, follow=True)
    assert "Could not connect Medium" in bad.content.decode()


def test_disconnect_revokes_and_deletes(logged_in, alice, connect, fakes) -> None:
    """Disconnecting revokes the Mastodon token and deletes the credentials."""
    connection = connect(alice, "mastodon")
    MastodonApp.objects.create(
        server=fakes["mastodon"].url, client_id="c", secret="", scopes="", redirect_uri="https://x/"
    )
    logged_in.post(f"/settings/connections/{connection.pk}/disconnect/")
    assert not Connection.objects.exists()
    assert fakes["mastodon"].calls("POST", "/oauth/revoke")
    assert "access revoked" in logged_in.get("/settings/connections/").content.decode()


def test_toggle_on_by_default(logged_in, alice, connect) -> None:
    """The owner turns a connection off (and on) by default."""
    connection = connect(alice, "mastodon")
    logged_in.post(f"/settings/connections/{connection.pk}/default/", {"on_by_default": "0"})
    connection.refresh_from_db()
    assert connection.on_by_default is False


def test_other_users_connections_are_404(logged_in, bob, connect) -> None:
    """Bob's connection cannot be toggled or disconnected by alice."""
    connection = connect(bob, "mastodon")
    assert logged_in.post(f"/settings/connections/{connection.pk}/disconnect/").status_code == 404
    assert Connection.objects.filter(pk=connection.pk).exists()


def test_composer_shows_targets_with_preview_counts(logged_in, alice, connect) -> None:
    """The composer lists each connection; "Preview copies" shows the exact copy and its count."""
    connect(alice, "mastodon")
    connect(alice, "bluesky")
    page = logged_in.get("/posts/new/").content.decode()
    assert 'name="syndicate_to"' in page and "Preview copies" in page
    long_text = "A long note with a link https://example.com/" + "x" * 400 + " and more words " * 30
    preview = logged_in.post(
        "/posts/new/", {"content": long_text, "preview_copies": "1", "syndication_form": "1"}
    )
    html = preview.content.decode()
    assert preview.status_code == 200 and "/ 500" in html and "/ 300" in html
    from syndication.models import Syndication as Row

    assert not Row.objects.exists()


def test_composer_choice_and_own_text_are_stored(
    logged_in, alice, connect, django_capture_on_commit_callbacks
) -> None:
    """Ticked boxes become Post.syndicate_to; the per-copy text lands on the copy's row."""
    masto = connect(alice, "mastodon")
    medium = connect(alice, "medium")
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(
            "/posts/new/",
            {
                "content": "Hello",
                "syndication_form": "1",
                "syndicate_to": [masto.uid],
                f"copy_text_{masto.pk}": "Hi toots",
            },
        )
    row = Syndication.objects.get()
    assert row.connection == masto and row.text == "Hi toots" and row.post.syndicate_to == [masto.uid]
    assert medium.pk != masto.pk


def test_edit_page_shows_copy_status_and_retry(logged_in, alice, connect, make_post) -> None:
    """The owner sees each copy's state, link and error, with a retry button that requeues it."""
    connection = connect(alice, "mastodon")
    post = make_post(alice, "Status")
    row = Syndication.objects.create(
        post=post, connection=connection, user=alice, state="failed", last_error="Mastodon: boom"
    )
    html = logged_in.get(f"/posts/{post.pk}/edit/").content.decode()
    assert "Mastodon: boom" in html and f"/syndication/{row.pk}/retry/" in html
    logged_in.post(f"/syndication/{row.pk}/retry/")
    row.refresh_from_db()
    assert row.state == "pending" and row.attempts == 0


def test_micropub_syndicate_to_lists_connections(alice, connect, blog_client) -> None:
    """q=syndicate-to returns uid, name, service and user for each connection."""
    connection = connect(alice, "mastodon")
    out = StringIO()
    call_command("mint_token", "alice", "--scope", "create", stdout=out)
    response = blog_client(alice).get(
        "/micropub?q=syndicate-to", HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}"
    )
    target = response.json()["syndicate-to"][0]
    assert target["uid"] == connection.uid
    assert target["service"]["name"] == "Mastodon" and target["user"]["url"].endswith("/@alice")


def test_editing_a_published_post_keeps_its_choice_and_edits_copy_text(
    logged_in, alice, connect, make_post
) -> None:
    """On a published post the boxes show its copies (disabled); a changed copy text becomes an edit."""
    connection = connect(alice, "mastodon")
    post = make_post(alice, "Published", mp_syndicate_to=connection.uid)
    row = Syndication.objects.create(
        post=post, connection=connection, user=alice, state="done", remote_id="1"
    )
    html = logged_in.get(f"/posts/{post.pk}/edit/").content.decode()
    assert 'name="syndication_form"' not in html and "checked disabled" in html
    logged_in.post(
        f"/posts/{post.pk}/edit/", {"content": "Published", f"copy_text_{connection.pk}": "Own words"}
    )
    row.refresh_from_db()
    post.refresh_from_db()
    assert row.text == "Own words" and row.state == "updating"
    assert post.syndicate_to == [connection.uid]


def test_plain_http_instances_become_https_in_production(settings) -> None:
    """Tokens never go over plain HTTP: http:// instances are upgraded unless loopback is allowed."""
    from syndication.connectors.mastodon import server_url

    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = False
    assert server_url("http://Mastodon.Example/@me") == "https://mastodon.example"
    assert server_url("mastodon.social") == "https://mastodon.social"


def test_connections_page_with_every_silo(logged_in, alice, connect, django_assert_max_num_queries) -> None:
    """All five connected: LinkedIn near expiry asks to reconnect, Tumblr offers its blogs; queries pinned."""
    from datetime import timedelta

    from django.utils import timezone

    for silo in ("mastodon", "tumblr", "medium", "bluesky"):
        connect(alice, silo)
    connect(alice, "linkedin", expires_at=timezone.now() + timedelta(days=3))
    tumblr = Connection.objects.get(silo="tumblr")
    tumblr.options = {"blogs": [{"name": "alicewrites"}, {"name": "alicephotos"}], "blog": "alicewrites"}
    tumblr.save()
    with django_assert_max_num_queries(8):
        html = logged_in.get("/settings/connections/").content.decode()
    assert "reconnect now" in html and 'action="/settings/connections/linkedin/"' in html
    assert '<option value="alicephotos">' in html
    assert html.count('<li class="connection') == 5
