"""A page's cached copy is current under its host's version: all of it, or its content part."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Blog
from microhost.page_versions import blog_version, host_version, is_current

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
