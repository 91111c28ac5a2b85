"""Each process's memory of the host cache: no round trip while a host's token stands, never after.

It needs Redis's key tracking, so it is on only with REDIS_URL (CI's second pass, where these tests
insist on it); without Redis the host cache itself is off (test_blog_cache.py)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from accounts import blog_cache, blog_memory
from accounts.models import Blog
from accounts.selectors import blog_for_host
from microhost.redis_tracking import cache_key_prefix
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

HOST = "alice.microhost.test"

if USE_REDIS:
    pytestmark = [pytest.mark.services, pytest.mark.django_db]

    @pytest.fixture
    def memory(settings):
        settings.MICROHOST_HOST_CACHE = True
        cache.clear()
        prefix = cache_key_prefix(blog_cache._token_key(""))
        memory = started(blog_memory.BlogMemory(settings.REDIS_URL, prefix))
        yield memory
        memory.stop()

    def token_key(host: str = HOST) -> str:
        return cache.make_key(blog_cache._token_key(host))

    def remember(memory, value=("the blog", HOST), host: str = HOST) -> None:
        memory.remember(host, value, memory.generation)

    def test_a_remembered_host_is_served_as_a_fresh_copy(memory):
        """Each hit is its own copy: a request changing its blog changes nothing the next one sees."""
        remember(memory, {"title": "Alice's"})
        first = memory.get(HOST)
        first["title"] = "changed by a request"
        assert memory.get(HOST) == {"title": "Alice's"}
        assert memory.get("bob.microhost.test") is None

    @pytest.mark.parametrize("change", KEY_CHANGES.values(), ids=KEY_CHANGES.keys())
    def test_a_change_in_another_process_is_seen_by_the_next_lookup(memory, other, change):
        """No wait between the write and the lookup: the lookup applies what Redis has sent."""
        each_change_is_seen_at_once(
            memory,
            other,
            token_key(),
            change,
            remember=lambda: remember(memory),
            remembered=lambda: memory.get(HOST) is not None,
        )

    def test_a_change_to_another_host_keeps_this_one(memory, other):
        """Tracking is by host: a change to one blog leaves the others remembered."""
        remember(memory)
        remember(memory, host="bob.microhost.test")
        other.set(token_key("bob.microhost.test"), "t2")
        assert memory.get("bob.microhost.test") is None
        assert memory.get(HOST) is not None

    def test_a_read_older_than_an_invalidation_is_not_remembered(memory, other):
        """A blog read before its token moved but remembered after would be stale: it is dropped."""
        generation = memory.generation  # taken before the (here imagined) Redis read
        other.set(token_key(), "t2")
        wait_until(lambda: memory.generation != generation)
        memory.remember(HOST, ("stale", HOST), generation)
        assert memory.get(HOST) is None

    def test_a_lost_connection_forgets_everything_until_it_is_back(memory, other):
        """Without the tracking connection nothing is served from memory; after it, only what is read anew."""
        lost_connection_forgets_until_back(
            memory, other, remember=lambda: remember(memory), remembered=lambda: memory.get(HOST) is not None
        )

    def test_a_remembered_blog_is_served_for_a_bounded_time(memory, monkeypatch):
        """A change made outside Django moves no token: what is remembered still goes after a while."""
        monkeypatch.setattr(blog_memory, "MEMORY_SECONDS", 0.05)
        remember(memory)
        assert memory.get(HOST) is not None
        time.sleep(0.1)
        assert memory.get(HOST) is None

    def test_lookups_of_a_remembered_host_read_nothing(alice, other, settings, django_assert_num_queries):
        """Through the host cache: once this process has the blog, a lookup reads neither the database
        nor Redis; a change to the blog is seen by the very next lookup."""
        settings.MICROHOST_HOST_CACHE = True
        cache.clear()
        assert blog_memory.for_this_process(blog_cache._token_key("")) is not None
        wait_until(lambda: blog_memory.for_this_process(blog_cache._token_key("")).live)
        blog_for_host(HOST)  # read from the database (the token it made is not remembered)
        blog_for_host(HOST)  # read from Redis, remembered
        before = mget_calls(other)
        with django_assert_num_queries(0):
            blog, canonical = blog_for_host(HOST)
        assert mget_calls(other) == before and (blog.pk, canonical) == (alice.blog.pk, HOST)
        renamed = Blog.objects.get(pk=alice.blog.pk)
        renamed.title = "Renamed"
        renamed.save(update_fields=["title"])
        assert blog_for_host(HOST)[0].title == "Renamed"

else:

    def test_off_without_redis(settings):
        """Redis's tracking is what keeps it current: with the process-local cache it is off."""
        settings.MICROHOST_HOST_CACHE = True
        assert not blog_memory.enabled()
        assert blog_memory.for_this_process(blog_cache._token_key("")) is None
