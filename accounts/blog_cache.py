"""The blog a host serves, cached: HostRoutingMiddleware asks on every blog request (issue 7: a query
before any view ran, a tenth of a Micropub create).

Each host has a generation token, replaced after the commit of any change to its blog or the blog's
owner (`forget`). An entry is stored with the token read *before* its row was read, and served only
while that token is current, so a row read before a change is never served after the change
committed, whatever the timing of readers and writers. A missing token (flushed, evicted) is made
anew, which orphans every older entry. Entries also expire after ENTRY_TTL. Unknown hosts are never
cached (a new blog needs no invalidation).

Like the page cache, this needs a cache every web and worker process shares (Redis): it is on when
MICROHOST_HOST_CACHE is (by default, with Redis), independently of the page cache. Each process also
remembers what it read, while Redis's key tracking says the host's token is unchanged
(accounts/blog_memory.py): then a lookup costs no round trip at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts import blog_memory

ENTRY_TTL = 60  # seconds; bounds what a change made outside Django (SQL by hand) leaves cached
# Seconds a host's token lives; one expiring only costs a miss (a missing token matches no entry).
TOKEN_TTL = 24 * 3600
T = TypeVar("T")


def enabled() -> bool:
    return settings.MICROHOST_HOST_CACHE


def _token_key(host: str) -> str:
    return f"bh:t:{host}"


def _entry_key(host: str) -> str:
    return f"bh:e:{host}"


def cached(host: str, load: Callable[[], T | None]) -> T | None:
    """What `load()` returns for `host`, from the cache while no change to it has committed since."""
    if not enabled():
        return load()
    memory, generation = blog_memory.for_this_process(_token_key("")), 0
    if memory is not None:
        remembered = memory.get(host)
        if remembered is not None:
            return remembered
        generation = memory.generation  # before the read: see BlogMemory.remember
    token_key, entry_key = _token_key(host), _entry_key(host)
    found = cache.get_many([token_key, entry_key])
    token, entry = found.get(token_key), found.get(entry_key)
    if token is not None and entry is not None and entry[0] == token:
        if memory is not None:
            memory.remember(host, entry[1], generation)
        return entry[1]
    return _load_and_store(host, load, token, memory, generation)


def refill(host: str, load: Callable[[], T | None]) -> None:
    """Load and cache `host`'s entry now, after a committed change forgot it: the process that made the
    change (a worker) pays the query instead of the next request to the host. Under the same token rule
    as cached(): a change committed after this read orphans what it stores."""
    if enabled():
        _load_and_store(host, load, cache.get(_token_key(host)), None, 0)


def _load_and_store(host: str, load: Callable[[], T | None], token, memory, generation: int) -> T | None:
    """cached() past a miss: `token` is the host's token as read before loading (None: none yet)."""
    token_key, entry_key = _token_key(host), _entry_key(host)
    made = token is None
    if made:
        token = uuid.uuid4().hex
        if not cache.add(token_key, token, TOKEN_TTL):
            token, made = cache.get(token_key), False  # another request made one first
    value = load()
    if value is not None and token is not None:
        cache.set(entry_key, (token, value), ENTRY_TTL)
        if memory is not None:  # the token was read after `generation`, the row after the token
            memory.remember(host, value, generation)
    elif value is None and made:
        cache.delete(token_key)  # hosts serving nothing (scanners' guesses) leave nothing behind
    return value


def forget(hosts: Iterable[str]) -> None:
    """Whatever is cached for these hosts is not served from now, nor once the transaction commits."""
    if not enabled():
        return
    keys = [_token_key(host) for host in hosts]

    def replace() -> None:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, TOKEN_TTL)

    # Now too, as page_cache.blog_changed does: without a commit (a rollback, a test's transaction)
    # the next request reads what the row says. Entries cached before the commit lose at the commit.
    replace()
    transaction.on_commit(replace)


def forget_owner(user_id: int) -> None:
    """The owner's row is cached with their blog: a saved user (login, settings) is a change too."""
    if not enabled():
        return
    from accounts.models import Blog

    blog = Blog.objects.filter(user_id=user_id).first()
    if blog is not None:
        forget(blog.served_hosts)
