"""The endpoint's synchronous part: discovery, 400s with nothing stored, 202 + status URL, repeats, quota."""

from __future__ import annotations

import json

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client

from webmention.models import Received

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(alice, make_post):
    return make_post(alice, "A post worth replying to")


@pytest.fixture
def client(alice) -> Client:
    return Client(HTTP_HOST=alice.blog.host)


def send(client: Client, **data):
    return client.post("/webmention", data)


def test_every_blog_page_advertises_the_endpoint(client, alice, post):
    """Home and permalink pages carry rel=webmention both as a Link header and a <link>."""
    endpoint = alice.blog.absolute("/webmention")
    for path in ("/", post.path):
        response = client.get(path)
        assert f'<{endpoint}>; rel="webmention"' in response["Link"]
        assert f'<link rel="webmention" href="{endpoint}"' in response.content.decode()


def test_get_explains_the_endpoint(client):
    """A GET of the endpoint answers a short plain-text explanation, not an error page."""
    response = client.get("/webmention")
    assert response.status_code == 200 and "Webmention endpoint" in response.content.decode()


BAD_REQUESTS = {
    "no source": {"target": "T"},
    "no target": {"source": "https://carol.example/reply"},
    "nothing": {},
    "random source": {"source": "not a url at all", "target": "T"},
    "random target": {"source": "https://carol.example/reply", "target": "just words"},
    "both random": {"source": "foo", "target": "bar"},
    "mailto source": {"source": "mailto:carol@example.com", "target": "T"},
    "ftp source": {"source": "ftp://carol.example/reply", "target": "T"},
    "javascript source": {"source": "javascript:alert(1)", "target": "T"},
    "same url": {"source": "T", "target": "T"},
    "same url but fragment": {"source": "T#x", "target": "T"},
    "target on another site": {"source": "https://carol.example/reply", "target": "https://else.example/"},
    "target on another blog": {"source": "https://carol.example/reply", "target": "BOB"},
    "target not a post": {"source": "https://carol.example/reply", "target": "MISSING"},
    "overlong source": {"source": "https://carol.example/" + "a" * 2100, "target": "T"},
}


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_bad_requests_get_400_and_store_nothing(case, client, alice, bob, post):
    """Each malformed or misdirected request is answered 400 with a plain reason; no row is stored."""
    values = {
        "T": post.get_absolute_url(),
        "BOB": bob.blog.absolute("/"),
        "MISSING": alice.blog.absolute("/2020/01/01/nope/"),
    }
    data = {
        key: values.get(value, value).replace("T#x", post.get_absolute_url() + "#x")
        for key, value in BAD_REQUESTS[case].items()
    }
    if data.get("source") == "T#x":
        data["source"] = post.get_absolute_url() + "#x"
    response = send(client, **data)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("text/plain") and response.content.strip()
    assert Received.objects.count() == 0


def test_draft_deleted_and_private_posts_are_not_targets(client, alice, make_post):
    """Only live, published, non-private posts accept webmentions (400 otherwise, nothing stored)."""
    from posts.services import delete_post

    private = make_post(alice, "secret", visibility="private")
    gone = delete_post(post=make_post(alice, "soon gone"))
    for target in (private, gone):
        response = send(client, source="https://carol.example/r", target=target.get_absolute_url())
        assert response.status_code == 400
    assert Received.objects.count() == 0


def test_valid_request_is_stored_and_answered_202_with_a_status_url(
    client, alice, post, django_capture_on_commit_callbacks
):
    """202 Accepted, Location → a status page reporting pending; one verification job queued after commit."""
    with django_capture_on_commit_callbacks() as callbacks:
        response = send(client, source="https://carol.example/reply", target=post.get_absolute_url())
    assert response.status_code == 202
    row = Received.objects.get()
    assert (row.post, row.state, row.source_host) == (post, "pending", "carol.example")
    assert response["Location"] == alice.blog.absolute(row.status_path)
    assert len(callbacks) == 1
    status = client.get(row.status_path)
    assert json.loads(status.content)["status"] == "pending"


def test_target_with_fragment_and_home_page_are_accepted(client, alice, post):
    """A #fragment on the target is ignored when finding the post; the home page is a valid target."""
    assert (
        send(client, source="https://carol.example/a", target=post.get_absolute_url() + "#c").status_code
        == 202
    )
    assert send(client, source="https://carol.example/b", target=alice.blog.absolute("/")).status_code == 202
    rows = {row.source: row.post for row in Received.objects.all()}
    assert rows == {"https://carol.example/a": post, "https://carol.example/b": None}


def test_repeats_of_a_pair_collapse_into_one_pending_job(client, post, django_capture_on_commit_callbacks):
    """The same (source, target) sent three times while pending is one row and one queued job."""
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(3):
            assert (
                send(client, source="https://carol.example/r", target=post.get_absolute_url()).status_code
                == 202
            )
    assert Received.objects.count() == 1
    assert len(callbacks) == 1


def test_status_pages_of_other_blogs_are_404(client, bob, post):
    """A status token is only valid on the blog that received the webmention."""
    send(client, source="https://carol.example/r", target=post.get_absolute_url())
    row = Received.objects.get()
    assert Client(HTTP_HOST=bob.blog.host).get(row.status_path).status_code == 404


def test_source_host_quota_answers_429_and_stores_nothing_more(client, post, settings):
    """Past the per-source-host quota a sender gets 429 with Retry-After; other hosts are unaffected (R39)."""
    settings.WEBMENTION_SOURCE_HOST_QUOTA = 3
    for n in range(3):
        assert (
            send(client, source=f"https://spam.example/{n}", target=post.get_absolute_url()).status_code
            == 202
        )
    refused = send(client, source="https://spam.example/4", target=post.get_absolute_url())
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 3600
    assert send(client, source="https://carol.example/x", target=post.get_absolute_url()).status_code == 202
    assert Received.objects.count() == 4


def test_blocked_domains_are_refused_quietly(client, alice, post):
    """A blocked domain (and its subdomains) gets the same 202 but nothing is stored and no status URL."""
    from webmention.moderation import block_domain

    block_domain(blog=alice.blog, domain="spam.example")
    for source in ("https://spam.example/x", "https://www.spam.example/y"):
        response = send(client, source=source, target=post.get_absolute_url())
        assert response.status_code == 202 and "Location" not in response
    assert Received.objects.count() == 0


def test_endpoint_is_csrf_exempt(alice, post):
    """Cross-site anonymous POSTs work even with CSRF checks enforced."""
    client = Client(HTTP_HOST=alice.blog.host, enforce_csrf_checks=True)
    assert send(client, source="https://carol.example/r", target=post.get_absolute_url()).status_code == 202


def receive_in_view(rf, blog, **data):
    """POST to the endpoint's view itself, the blog already found: the receipt without the host lookup
    (cached when served; not in the tests' cache-less settings)."""
    from webmention.views.endpoint import receive

    request = rf.post("/webmention", data)
    request.blog = blog
    return receive(request)


def test_a_new_pair_is_one_statement(rf, alice, post, django_assert_num_queries):
    """A new webmention is one INSERT … SELECT that checks the target and the block list too (issue 7):
    no SELECT first, no savepoint (ON CONFLICT raises nothing)."""
    receive_in_view(rf, alice.blog, source="https://carol.example/first", target=post.get_absolute_url())
    with django_assert_num_queries(1) as captured:
        response = receive_in_view(
            rf, alice.blog, source="https://carol.example/second", target=post.get_absolute_url()
        )
    assert captured.captured_queries[0]["sql"].startswith('INSERT INTO "webmention_received"')
    assert response.status_code == 202 and Received.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_receipt_in_autocommit_is_one_statement(rf, alice, post, django_assert_num_queries):
    """As served (autocommit, no surrounding transaction): one statement for the post or the home page,
    the block list and the row."""
    receive_in_view(rf, alice.blog, source="https://carol.example/first", target=post.get_absolute_url())
    for target in (post.get_absolute_url(), alice.blog.absolute("/")):
        with django_assert_num_queries(1):
            response = receive_in_view(rf, alice.blog, source="https://carol.example/second", target=target)
        assert response.status_code == 202 and response["Location"]
    assert Received.objects.count() == 3


def test_over_quota_is_answered_before_any_query(rf, alice, post, settings, django_assert_num_queries):
    """The source host's quota comes before the database: a 429 costs no query and stores nothing."""
    settings.WEBMENTION_SOURCE_HOST_QUOTA = 1
    target = post.get_absolute_url()
    assert receive_in_view(rf, alice.blog, source="https://spam.example/1", target=target).status_code == 202
    with django_assert_num_queries(0):
        refused = receive_in_view(rf, alice.blog, source="https://spam.example/2", target=target)
    assert refused.status_code == 429 and Received.objects.count() == 1


def test_refused_requests_count_against_the_quota(client, alice, post, settings):
    """A host sending bad targets is limited too: its 400s use up its quota (checked before the query)."""
    settings.WEBMENTION_SOURCE_HOST_QUOTA = 2
    missing = alice.blog.absolute("/2020/01/01/nope/")
    for n in range(2):
        assert send(client, source=f"https://spam.example/{n}", target=missing).status_code == 400
    refused = send(client, source="https://spam.example/ok", target=post.get_absolute_url())
    assert refused.status_code == 429 and Received.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_repeat_in_autocommit_collapses_into_the_pending_row(client, post):
    """Outside a transaction a repeat's failed INSERT leaves the connection usable: same row, still 202."""
    for _ in range(2):
        response = send(client, source="https://carol.example/r", target=post.get_absolute_url())
        assert response.status_code == 202
    assert Received.objects.count() == 1 and Received.objects.get().state == "pending"


def test_a_blocked_domain_on_the_home_page_is_dropped_too(client, alice):
    """The home page as target (no post to fold the block-list check into) still drops blocked senders."""
    from webmention.moderation import block_domain

    block_domain(blog=alice.blog, domain="spam.example")
    response = send(client, source="https://www.spam.example/x", target=alice.blog.base_url + "/")
    assert response.status_code == 202 and "Location" not in response
    assert send(client, source="https://carol.example/x", target=alice.blog.base_url + "/").status_code == 202
    assert Received.objects.count() == 1


def test_an_unparsable_url_is_a_400_not_a_500(client, post):
    """A source whose host part urlsplit cannot read (an unbalanced [) is refused like any bad URL."""
    response = send(client, source="http://[carol.example/r", target=post.get_absolute_url())
    assert response.status_code == 400 and Received.objects.count() == 0


def test_the_verification_is_queued_once_the_answer_is_out(
    alice, post, rf, django_capture_on_commit_callbacks
):
    """The 202 is built with nothing queued; the job is queued when the server closes the response."""
    from webmention.views.endpoint import receive

    request = rf.post("/webmention", {"source": "https://carol.example/r", "target": post.get_absolute_url()})
    request.blog = alice.blog
    with django_capture_on_commit_callbacks() as before_close:
        response = receive(request)
    assert response.status_code == 202 and before_close == []
    assert Received.objects.get().state == "pending"  # stored first: a lost job is the sweep's
    # As Django's test client does: the server's close must not close the test's transaction.
    request_finished.disconnect(close_old_connections)
    try:
        with django_capture_on_commit_callbacks() as at_close:
            response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert len(at_close) == 1
