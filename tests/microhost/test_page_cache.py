"""The whole-page cache of blog pages: served without a query while current, never once stale."""

from __future__ import annotations

import io

import pytest
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.test import Client

from accounts.domains import add_domain, remove_domain, verify_domain
from accounts.models import Blog, Domain
from microhost import page_cache
from posts.services import delete_post, update_post
from tests.accounts.dns_server import txt_records_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    """On, with the test's cache (process-local here; Redis in CI's second pass, where it is on anyway)."""
    settings.MICROHOST_PAGE_CACHE = True
    cache.clear()


def warm(client: Client, path: str):
    first = client.get(path)
    assert first.status_code == 200
    return first


def test_second_request_is_served_without_a_query(alice, make_post, blog_client, django_assert_num_queries):
    make_post(alice, "Cached note")
    client = blog_client(alice)
    for path in ("/", "/feed.xml", "/feed.atom", "/feed.json", "/archive/"):
        first = warm(client, path)
        with django_assert_num_queries(0):
            again = client.get(path)
        assert again.status_code == 200 and again.content == first.content
        assert again["ETag"] == first["ETag"] and again["Content-Type"] == first["Content-Type"]
        assert again["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_permalink_and_discovery_links_come_back_from_the_cache(alice, make_post, blog_client):
    post = make_post(alice, "Permalink note")
    client = blog_client(alice)
    first = warm(client, post.path)
    again = client.get(post.path)
    assert again.content == first.content and again["Link"] == first["Link"] and "micropub" in again["Link"]


def test_conditional_get_is_answered_from_the_cache(alice, make_post, blog_client, django_assert_num_queries):
    make_post(alice, "Note")
    client = blog_client(alice)
    first = warm(client, "/")
    with django_assert_num_queries(0):
        not_modified = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
        by_date = client.get("/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        other_tag = client.get("/", HTTP_IF_NONE_MATCH='"something-else"')
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == first["ETag"]
    assert by_date.status_code == 304
    assert other_tag.status_code == 200 and other_tag.content == first.content


def test_a_new_post_is_on_the_very_next_request(alice, make_post, blog_client):
    make_post(alice, "Older note")
    client = blog_client(alice)
    before = warm(client, "/")
    warm(client, "/feed.json")
    make_post(alice, "Brand new note")
    after = client.get("/")
    assert b"Brand new note" in after.content and after["ETag"] != before["ETag"]
    assert b"Brand new note" in client.get("/feed.json").content
    # A client holding the old ETag gets the new page, not a 304.
    assert client.get("/", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_edits_and_deletions_are_seen_at_once(alice, make_post, blog_client):
    post = make_post(alice, "First words")
    client = blog_client(alice)
    warm(client, post.path)
    warm(client, "/")
    update_post(post=post, properties={"content": ["Second words"]})
    assert b"Second words" in client.get(post.path).content
    assert b"Second words" in client.get("/").content
    delete_post(post=post)
    assert client.get(post.path).status_code == 410
    assert b"Second words" not in client.get("/").content


def test_pages_without_responses_stay_cached_while_a_change_of_responses_commits(
    alice, make_post, blog_client, django_assert_num_queries
):
    """touch_responses() inside a transaction (this test's, never committed): the home page is still
    answered from the cache, the permalink is rendered anew with the new stamp in its ETag."""
    post = make_post(alice, "Note")
    client = blog_client(alice)
    home, permalink = warm(client, "/"), warm(client, post.path)
    Blog.objects.get(pk=alice.blog.pk).touch_responses()
    with django_assert_num_queries(0):
        again = client.get("/")
    assert again.content == home.content and again["ETag"] == home["ETag"]
    assert client.get(post.path)["ETag"] != permalink["ETag"]


def test_a_commit_points_the_hosts_at_the_new_version(alice, make_post, django_capture_on_commit_callbacks):
    """Outside a test's transaction the commit hook runs: the host key then holds the new version."""
    with django_capture_on_commit_callbacks(execute=True):
        make_post(alice, "Committed")
    blog = Blog.objects.get(pk=alice.blog.pk)
    assert cache.get(page_cache.host_key(blog.host)) == page_cache.host_version(blog)


def test_subdomain_pages_stop_once_a_custom_domain_serves(alice, make_post, blog_client, txt_records):
    make_post(alice, "Note")
    client = blog_client(alice)
    warm(client, "/")
    domain = add_domain(blog=alice.blog, name="blog.example.com")
    txt_records[domain.txt_record_name] = [domain.txt_record_value]
    assert verify_domain(domain=domain).last_error == ""
    assert Blog.objects.get(pk=alice.blog.pk).custom_domain == "blog.example.com"
    moved = client.get("/")
    assert moved.status_code == 301 and moved["Location"] == "http://blog.example.com/"
    on_domain = Client(HTTP_HOST="blog.example.com")
    warm(on_domain, "/")
    remove_domain(domain=Domain.objects.get(pk=domain.pk))
    assert on_domain.get("/").status_code == 404
    assert client.get("/").status_code == 200


def test_only_page_numbers_are_cached(alice, make_post, blog_client, django_assert_max_num_queries):
    make_post(alice, "Note")
    client = blog_client(alice)
    warm(client, "/?page=1")
    with django_assert_max_num_queries(0):
        client.get("/?page=1")
    warm(client, "/?utm_source=x")
    with django_assert_max_num_queries(5):
        assert client.get("/?utm_source=x").status_code == 200
    assert not any(key.endswith("utm_source=x") for key in _keys())


def test_platform_pages_and_errors_are_not_cached(alice, make_post, blog_client, platform_client):
    make_post(alice, "Note")
    assert blog_client(alice).get("/no/such/page/").status_code == 404
    platform_client.get("/")
    assert all(":microhost.test:" not in key for key in _keys())
    assert not any(key.endswith("/no/such/page/") for key in _keys())


def test_a_deleted_blog_is_not_served_from_the_cache(alice, make_post, blog_client):
    make_post(alice, "Note")
    client = blog_client(alice)
    warm(client, "/")
    Blog.objects.get(pk=alice.blog.pk).delete()
    assert client.get("/").status_code == 404


def test_off_means_nothing_is_stored(settings, alice, make_post, blog_client):
    settings.MICROHOST_PAGE_CACHE = False
    make_post(alice, "Note")
    warm(blog_client(alice), "/")
    assert not _keys()


def _keys() -> list[str]:
    """Keys in the test's cache, whatever the backend (LocMem here, Redis in CI's second pass)."""
    backend = cache._cache if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client") else None
    if backend is not None:
        prefix = cache.make_key("")
        return [k.decode().removeprefix(prefix) for k in backend.get_client().keys(f"{prefix}pc:*")]
    return [k.split(":", 2)[2] for k in cache._cache if ":pc:" in k]


# ---- the WSGI front (microhost.wsgi.application): hits answered before Django runs ----------------
def wsgi_get(host: str, path: str, **headers) -> tuple[str, dict[str, str], bytes]:
    from microhost.wsgi import application

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "REMOTE_ADDR": "127.0.0.1",
    }
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    # As Django's test client does: the request must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


def test_the_wsgi_front_answers_hits_without_django(alice, make_post, django_assert_num_queries):
    make_post(alice, "Front note")
    host = alice.blog.host
    status, headers, body = wsgi_get(host, "/")
    assert status.startswith("200") and b"Front note" in body
    with django_assert_num_queries(0):
        again = wsgi_get(host, "/")
        not_modified = wsgi_get(host, "/", IF_NONE_MATCH=headers["ETag"])
    assert again == (status, headers, body)
    status_304, headers_304, body_304 = not_modified
    assert status_304 == "304 Not Modified" and body_304 == b""
    assert headers_304["ETag"] == headers["ETag"] and "Content-Type" not in headers_304
    assert headers_304["Content-Security-Policy"] == headers["Content-Security-Policy"]  # R9 on a 304 too
    make_post(alice, "Newer note")
    assert b"Newer note" in wsgi_get(host, "/")[2]


def test_the_wsgi_front_keeps_https_and_http_apart(settings, alice, make_post):
    """Behind a TLS proxy the scheme comes from its header: an http request never gets the https page."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    make_post(alice, "Note")
    host = alice.blog.host
    wsgi_get(host, "/", X_FORWARDED_PROTO="https")
    assert any(":https:" in key for key in _keys()) and not any(":http:" in key for key in _keys())
    wsgi_get(host, "/")
    assert any(":http:" in key for key in _keys())
