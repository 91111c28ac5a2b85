"""The versions the page cache keeps its pages under (microhost/page_cache.py).

A blog's pages are a function of the blog's version and the URL; the pages that show the responses
under its posts (permalinks) also of the responses' stamp. A host's key holds both,
`<content>#<responses>`; a page that shows responses is stored under the whole of it, any other page
under the content part, so a new like makes stale only the pages that show it.

A page that shows responses may run a little behind (MICROHOST_RESPONSES_GRACE seconds, 1 by
default): while a post is collecting likes and replies, its permalink is re-rendered at most about
once a grace period instead of after every one, and a new response shows within the grace period.
"""

from __future__ import annotations

import datetime
import time

from django.conf import settings


def blog_version(blog) -> str:
    """The version of every page of the blog that shows no responses."""
    from posts.conditional import TEMPLATE_VERSION

    return f"{TEMPLATE_VERSION}|{blog.pk}|{blog.changed_at.isoformat()}"


RESPONSES_MARK = "#"  # between a host version's two parts; in neither of them


def responses_stamp(blog) -> str:
    return blog.responses_changed_at.isoformat() if blog.responses_changed_at else ""


def host_version(blog) -> str:
    """What a host's key holds, and the version of the pages that show responses."""
    return f"{blog_version(blog)}{RESPONSES_MARK}{responses_stamp(blog)}"


def is_current(page_version: str, host_version: str | None) -> bool:
    """A page stored under `page_version` is current when its host holds `host_version`: the same
    version (a page showing responses, or one a little behind: shown_in_time()), or that version's
    content part (any other page)."""
    if host_version is None:
        return False
    if page_version == host_version:
        return True
    content, _mark, responses = host_version.partition(RESPONSES_MARK)
    return page_version == content or shown_in_time(page_version, content, responses)


def shown_in_time(page_version: str, content: str, responses: str, now: float | None = None) -> bool:
    """A page showing the responses as of an earlier stamp, with the same content, is still served
    while both the newest change is younger than the grace period and the page's stamp is less than
    the grace period older than it: so a change shows at most the grace period late, and under a
    stream of changes the page is renewed about once a grace period. A page from before the first
    response (no stamp) is never served late."""
    grace = settings.MICROHOST_RESPONSES_GRACE
    page_content, mark, shown = page_version.partition(RESPONSES_MARK)
    if not (grace > 0 and mark and shown and responses and page_content == content):
        return False
    newest = datetime.datetime.fromisoformat(responses).timestamp()
    age = (time.time() if now is None else now) - newest
    return -grace < age < grace and newest - datetime.datetime.fromisoformat(shown).timestamp() < grace
