"""The versions the page cache keeps its pages under (microhost/page_cache.py).

A blog's pages are a function of the blog's version and the URL; the pages that show the responses
under its posts (permalinks) also of the responses' stamp. A host's key holds both,
`<content>#<responses>`; a page that shows responses is stored under the whole of it, any other page
under the content part, so a new like makes stale only the pages that show it.
"""

from __future__ import annotations


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
    version (a page showing responses), or that version's content part (any other page)."""
    if host_version is None:
        return False
    return page_version == host_version or page_version == host_version.partition(RESPONSES_MARK)[0]
