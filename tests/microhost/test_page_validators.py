"""Each web process's validators: a 304 with no round trip, and never one for a changed blog.

They need Redis's key tracking, so they are on only with REDIS_URL (CI's second pass, where these tests
insist on it); without it the page cache answers conditional GETs from Redis (test_page_cache.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache

from microhost import page_cache, page_validators
from tests.microhost.test_page_cache import wsgi_get
from tests.redis_tracking import (  # noqa: F401 - other is a fixture
    KEY_CHANGES,
    each_change_is_seen_at_once,
    lost_connection_forgets_until_back,
    mget_calls,
    other,
    started,
    wait_until,
)
from tests.test_services import USE_REDIS

HOST = "validators.example"
PAGE_HEADERS = {
    "ETag": '"e1"',
    "Last-Modified": "Sat, 21 Nov 2026 10:00:00 GMT",
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": "1234",
    "Link": "<https://validators.example/micropub>; rel=micropub",
}


if USE_REDIS:

    @pytest.fixture
    def validators():
        prefix = cache.make_key(page_cache.host_key(""))
        validators = started(page_validators.Validators(settings.REDIS_URL, prefix))
        yield validators
        validators.stop()

    def remember(validators, version: str = "v1", host: str = HOST, key: str = "page") -> None:
        validators.remember(host, key, version, version, PAGE_HEADERS, validators.generation)

    def host_key(host: str = HOST) -> str:
        return cache.make_key(page_cache.host_key(host))

    @pytest.mark.services
    def test_a_remembered_page_is_answered_without_its_body_headers(validators):
        """The 304 keeps the page's headers (Link, ETag) but none that describe a body."""
        remember(validators)
        headers = dict(validators.not_modified(HOST, "page", '"e1"', None))
        assert headers["ETag"] == '"e1"' and headers["Link"] == PAGE_HEADERS["Link"]
        assert "Content-Type" not in headers and "Content-Length" not in headers
        assert validators.not_modified(HOST, "page", None, "Sat, 21 Nov 2026 11:00:00 GMT") is not None

    @pytest.mark.services
    def test_other_validators_and_other_pages_are_not_answered(validators):
        """Another ETag, an older date or a page never remembered: the caller reads Redis."""
        remember(validators)
        assert validators.not_modified(HOST, "page", '"e2"', None) is None
        assert validators.not_modified(HOST, "page", None, "Sat, 21 Nov 2026 09:00:00 GMT") is None
        assert validators.not_modified(HOST, "another page", '"e1"', None) is None
        assert validators.not_modified("other.example", "page", '"e1"', None) is None

    @pytest.mark.services
    @pytest.mark.parametrize("change", KEY_CHANGES.values(), ids=KEY_CHANGES.keys())
    def test_a_change_in_another_process_is_seen_by_the_next_request(validators, other, change):
        """No wait between the write and the request: the request applies what Redis has sent."""
        each_change_is_seen_at_once(
            validators,
            other,
            host_key(),
            change,
            remember=lambda: remember(validators),
            remembered=lambda: validators.not_modified(HOST, "page", '"e1"', None) is not None,
        )

    @pytest.mark.services
    def test_a_change_to_another_host_keeps_this_one(validators, other):
        """Tracking is by host: publishing on one blog leaves the others' 304s."""
        remember(validators)
        remember(validators, host="second.example", key="second page")
        other.set(host_key("second.example"), "v2")
        assert validators.not_modified("second.example", "second page", '"e1"', None) is None
        assert validators.not_modified(HOST, "page", '"e1"', None) is not None

    @pytest.mark.services
    def test_a_read_older_than_an_invalidation_is_not_remembered(validators, other):
        """A version read before a change but remembered after it would be stale: it is dropped."""
        generation = validators.generation  # taken before the (here imagined) read of "v1"
        other.set(host_key(), "v2")
        wait_until(lambda: validators.generation != generation)
        validators.remember(HOST, "page", "v1", "v1", PAGE_HEADERS, generation)
        assert validators.not_modified(HOST, "page", '"e1"', None) is None

    @pytest.mark.services
    def test_a_lost_connection_forgets_everything_until_it_is_back(validators, other):
        """Without the tracking connection nothing is answered here; after it, only what is read again."""
        lost_connection_forgets_until_back(
            validators,
            other,
            remember=lambda: remember(validators),
            remembered=lambda: validators.not_modified(HOST, "page", '"e1"', None) is not None,
        )

    @pytest.mark.services
    @pytest.mark.django_db
    def test_the_wsgi_front_answers_304s_from_memory(settings, alice, make_post, other):
        """A conditional GET of a page this process served from the cache makes no Redis read."""
        settings.MICROHOST_PAGE_CACHE = True
        cache.clear()
        make_post(alice, "Remembered note")
        host = alice.blog.host
        _status, headers, _body = wsgi_get(host, "/")  # rendered and stored
        wsgi_get(host, "/")  # served from the cache: its validators are remembered
        before = mget_calls(other)
        status, headers_304, body = wsgi_get(host, "/", IF_NONE_MATCH=headers["ETag"])
        assert (status, body) == ("304 Not Modified", b"") and mget_calls(other) == before
        assert headers_304["ETag"] == headers["ETag"] and "Content-Type" not in headers_304
        assert headers_304["Content-Security-Policy"] == headers["Content-Security-Policy"]
        make_post(alice, "Newer note")
        status, _headers, body = wsgi_get(host, "/", IF_NONE_MATCH=headers["ETag"])
        assert status.startswith("200") and b"Newer note" in body

    @pytest.mark.services
    @pytest.mark.django_db(transaction=True)
    def test_a_change_of_responses_keeps_the_other_pages_304s(settings, alice, make_post):
        """After touch_responses() (committed: the host key moves), the home page's 304 still comes
        from the front, the permalink's old ETag gets the page again."""
        settings.MICROHOST_PAGE_CACHE = True
        cache.clear()
        post = make_post(alice, "A post to like")
        host = alice.blog.host
        seen = {}
        for path in ("/", post.path):
            _status, seen[path], _body = wsgi_get(host, path)  # rendered and stored
            wsgi_get(host, path)  # served from the cache: its validators are remembered
        alice.blog.refresh_from_db()
        alice.blog.touch_responses()
        status, _headers, _body = wsgi_get(host, "/", IF_NONE_MATCH=seen["/"]["ETag"])
        assert status == "304 Not Modified"
        status, headers, _body = wsgi_get(host, post.path, IF_NONE_MATCH=seen[post.path]["ETag"])
        assert status.startswith("200") and headers["ETag"] != seen[post.path]["ETag"]

else:

    def test_off_without_redis(settings):
        """Redis's tracking is what keeps them current: with the process-local cache they are off."""
        settings.MICROHOST_PAGE_CACHE = True
        assert not page_validators.enabled()
