"""A page's cached copy is current under its host's version: all of it, or its content part; a page
showing responses may run a grace period behind them."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Blog
from microhost.page_versions import RESPONSES_MARK, blog_version, host_version, is_current, shown_in_time

pytestmark = pytest.mark.django_db


def test_a_page_without_responses_outlives_a_change_of_responses(alice):
    blog = Blog.objects.get(pk=alice.blog.pk)
    page, with_responses, host = blog_version(blog), host_version(blog), host_version(blog)
    assert is_current(page, host) and is_current(with_responses, host)
    blog.touch_responses()
    moved = host_version(blog)
    assert moved != host and is_current(page, moved)
    assert not is_current(with_responses, moved)


def test_a_change_of_the_blog_makes_every_page_stale(alice):
    blog = Blog.objects.get(pk=alice.blog.pk)
    page, with_responses = blog_version(blog), host_version(blog)
    blog.changed_at += datetime.timedelta(seconds=1)
    assert not is_current(page, host_version(blog)) and not is_current(with_responses, host_version(blog))


def test_nothing_is_current_without_a_host_version(alice):
    blog = Blog.objects.get(pk=alice.blog.pk)
    assert not is_current(blog_version(blog), None) and not is_current(host_version(blog), None)


T0 = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.UTC)


def stamped(content: str, seconds: float | None) -> str:
    """A version whose responses changed `seconds` after T0 (None: no response yet)."""
    stamp = "" if seconds is None else (T0 + datetime.timedelta(seconds=seconds)).isoformat()
    return f"{content}{RESPONSES_MARK}{stamp}"


@pytest.mark.parametrize(
    ("page", "newest", "now", "served"),
    [
        (0.0, 0.4, 0.5, True),  # one like behind, both within the second: the cached page is served
        (0.0, 0.4, 1.5, False),  # the newest change is older than the grace period: renew the page
        (0.0, 1.2, 1.3, False),  # the page is a grace period behind the newest change
        (0.9, 1.2, 1.3, True),  # … but a page rendered since is not
        (None, 0.1, 0.2, False),  # the first response ever shows at once
    ],
)
def test_a_page_showing_responses_runs_at_most_the_grace_period_behind(settings, page, newest, now, served):
    settings.MICROHOST_RESPONSES_GRACE = 1.0
    current = stamped("v1", newest)
    content, _mark, responses = current.partition(RESPONSES_MARK)
    moment = (T0 + datetime.timedelta(seconds=now)).timestamp()
    assert shown_in_time(stamped("v1", page), content, responses, now=moment) is served


def test_no_grace_for_another_content_or_with_the_grace_off(settings, alice):
    settings.MICROHOST_RESPONSES_GRACE = 60.0
    blog = Blog.objects.get(pk=alice.blog.pk)
    blog.touch_responses()
    page = host_version(blog)
    blog.touch_responses()
    assert page != host_version(blog) and is_current(page, host_version(blog))
    blog.changed_at += datetime.timedelta(seconds=1)
    assert not is_current(page, host_version(blog))
    blog.changed_at -= datetime.timedelta(seconds=1)
    settings.MICROHOST_RESPONSES_GRACE = 0
    assert not is_current(page, host_version(blog))
