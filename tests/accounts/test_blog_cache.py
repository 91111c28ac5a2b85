"""The host → blog cache: no query while nothing changed, never a blog (or owner) from before a change."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts import blog_cache
from accounts.models import Blog
from accounts.selectors import blog_for_host

pytestmark = pytest.mark.django_db
HOST = "alice.microhost.test"
CUSTOM = "blog.example.com"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    """On as with Redis (MICROHOST_HOST_CACHE), here with the test's process-local cache; the page
    cache is off, as in the benchmark's uncached app: the two are independent."""
    settings.MICROHOST_HOST_CACHE = True
    settings.MICROHOST_PAGE_CACHE = False
    cache.clear()


def test_second_lookup_makes_no_query(alice, django_assert_num_queries):
    """The first lookup reads the row; the next ones, with nothing changed, read only the cache."""
    with django_assert_num_queries(1):
        blog, canonical = blog_for_host(HOST)
    with django_assert_num_queries(0):
        again, again_canonical = blog_for_host(HOST)
    assert (again.pk, again.user.username, again_canonical) == (blog.pk, "alice", canonical)


def test_unknown_hosts_are_not_cached(alice, make_user, django_assert_num_queries):
    """A host serving nothing is asked each time, so a blog made later is served at once."""
    assert blog_for_host("carol.microhost.test") is None
    make_user("carol")
    with django_assert_num_queries(1):
        assert blog_for_host("carol.microhost.test")[0].subdomain == "carol"


def test_touch_is_seen_by_the_next_lookup(alice):
    """A publish moves changed_at (the pages' ETags come from it): the cached row goes with it."""
    blog_for_host(HOST)
    blog = Blog.objects.get(pk=alice.blog.pk)
    blog.touch()
    assert blog_for_host(HOST)[0].changed_at == blog.changed_at


def test_custom_domain_added_and_removed(alice):
    """The subdomain redirects once a custom domain serves; removing it stops the domain at once."""
    assert blog_for_host(HOST)[1] == HOST
    blog = Blog.objects.get(pk=alice.blog.pk)
    blog.custom_domain = CUSTOM
    blog.save(update_fields=["custom_domain"])
    assert blog_for_host(HOST)[1] == CUSTOM
    assert blog_for_host(CUSTOM)[1] == CUSTOM
    blog = Blog.objects.get(pk=alice.blog.pk)
    blog.custom_domain = None
    blog.save(update_fields=["custom_domain"])
    assert blog_for_host(CUSTOM) is None
    assert blog_for_host(HOST)[1] == HOST


def test_deleted_blog_and_deleted_owner_are_not_served(alice, bob):
    """Deleting the blog, or its owner (a cascade), empties the host at once."""
    blog_for_host(HOST)
    blog_for_host("bob.microhost.test")
    Blog.objects.get(pk=alice.blog.pk).delete()
    bob.delete()
    assert blog_for_host(HOST) is None
    assert blog_for_host("bob.microhost.test") is None


def test_owner_changes_are_seen(alice):
    """The owner's row is cached with the blog: a new display name (or a deactivation) shows at once."""
    blog_for_host(HOST)
    alice.display_name = "Alice A."
    alice.save()
    assert blog_for_host(HOST)[0].user.name == "Alice A."


def test_a_change_of_responses_is_seen_and_read_again_by_its_maker(
    alice, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """touch_responses() (a worker verifying a like) forgets the cached row, then reads it again after
    the commit: the next lookup sees the new stamp (the permalinks' ETags come from it) with no query."""
    blog_for_host(HOST)
    blog = Blog.objects.get(pk=alice.blog.pk)
    with django_capture_on_commit_callbacks(execute=True):
        blog.touch_responses()
    with django_assert_num_queries(0):
        assert blog_for_host(HOST)[0].responses_changed_at == blog.responses_changed_at


def load_then_rename(blog_pk: int):
    """A loader that reads the blog, then loses the race to a change (a rename) saved before it returns."""

    def load():
        stale = (Blog.objects.select_related("user").get(pk=blog_pk), HOST)
        changed = Blog.objects.get(pk=blog_pk)
        changed.title = "Renamed"
        changed.save(update_fields=["title"])
        return stale

    return load


def test_a_refill_read_before_a_change_is_not_served_after_it(alice):
    """The refill stores under the token it read before loading, as every lookup does."""
    blog_cache.refill(HOST, load_then_rename(alice.blog.pk))
    assert blog_for_host(HOST)[0].title == "Renamed"


def test_a_row_read_before_a_change_is_not_served_after_it(alice):
    """A reader that loaded the row, then lost the race to a change committing before it stored the
    row, leaves an entry that is never served."""
    assert blog_cache.cached(HOST, load_then_rename(alice.blog.pk))[0].title == ""
    assert blog_for_host(HOST)[0].title == "Renamed"


def test_off_without_a_shared_cache(alice, settings, django_assert_num_queries):
    """With a process-local cache other processes could not invalidate: a query every time."""
    settings.MICROHOST_HOST_CACHE = False
    blog_for_host(HOST)
    with django_assert_num_queries(1):
        blog_for_host(HOST)


def test_hosts_serving_nothing_leave_nothing_cached(alice):
    """A scanner's guesses (unknown names, over-long or dotted labels) leave no key behind."""
    hosts = ("nobody.microhost.test", "a.b.microhost.test", "x" * 300, "example.org")
    for host in hosts:
        assert blog_for_host(host) is None
    named = [host for host in hosts if len(host) < 200]  # an over-long one is refused before any key
    keys = [key(host) for host in named for key in (blog_cache._token_key, blog_cache._entry_key)]
    assert cache.get_many(keys) == {}


def test_the_owners_password_hash_and_email_are_not_cached(alice, django_assert_num_queries):
    """The cached pair (in Redis, read on every request to the host) carries no secret of the owner;
    a reader that needs the address still gets it, with its own query."""
    alice.email = "alice@example.com"
    alice.save()
    blog_for_host(HOST)
    stored = cache.get(blog_cache._entry_key(HOST))[1][0].user
    assert {"password", "email"} <= stored.get_deferred_fields()
    assert alice.password not in repr(vars(stored))
    with django_assert_num_queries(1):
        assert stored.email == "alice@example.com"
