"""The TLS ask endpoint (R27): 200 only for names we serve, only for the terminator's networks."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Blog, Domain

ASK = "/internal/tls-ask"


@pytest.fixture
def served(alice, bob):
    """alice has a verified custom domain; bob only a pending claim."""
    Domain.objects.create(blog=alice.blog, name="blog.example.com")
    Blog.objects.filter(user=alice).update(custom_domain="blog.example.com")
    Domain.objects.create(blog=bob.blog, name="pending.example.com")


@pytest.mark.parametrize(
    ("domain", "status"),
    [
        ("blog.example.com", 200),
        ("BLOG.example.com.", 200),
        ("alice.microhost.test", 200),
        ("bob.microhost.test", 200),
        ("microhost.test", 200),
        ("pending.example.com", 403),
        ("nobody.microhost.test", 403),
        ("a.b.microhost.test", 403),
        ("www.microhost.test", 403),
        ("evil.example", 403),
        ("microhost.test.evil.example", 403),
        ("", 400),
        ("   ", 400),
    ],
)
def test_ask_answers_only_for_served_names(served, domain, status):
    """Verified domains, users' subdomains and the platform get 200; anything else 403; no name 400."""
    assert Client().get(ASK, {"domain": domain}).status_code == status


def test_missing_parameter_is_400(db):
    """Without ?domain= the request is malformed."""
    assert Client().get(ASK).status_code == 400


@pytest.mark.parametrize("host", ["microhost.test", "evil.example", "web:8000", "alice.microhost.test"])
def test_ask_answers_on_any_host(served, host):
    """The terminator calls with its own Host header; the answer does not depend on it."""
    assert Client(HTTP_HOST=host).get(ASK, {"domain": "blog.example.com"}).status_code == 200


@pytest.mark.parametrize(
    "remote",
    [
        "203.0.113.9",
        "10.0.0.5",
        "::ffff:203.0.113.9",
        "2001:db8::1",
        "garbage",
    ],
)
def test_callers_outside_the_allowed_networks_get_403(served, remote):
    """Only MICROHOST_ASK_ALLOWED_NETWORKS (loopback by default) may ask, even for served names."""
    assert Client(REMOTE_ADDR=remote).get(ASK, {"domain": "blog.example.com"}).status_code == 403


@pytest.mark.parametrize("remote", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_loopback_callers_are_allowed(served, remote):
    """IPv4 and IPv6 loopback (also v4-mapped) are allowed by default."""
    assert Client(REMOTE_ADDR=remote).get(ASK, {"domain": "blog.example.com"}).status_code == 200


def test_allowed_networks_come_from_settings(served, settings):
    """A compose network can be allowed instead of loopback."""
    settings.MICROHOST_ASK_ALLOWED_NETWORKS = ["172.16.0.0/12"]
    assert Client(REMOTE_ADDR="172.18.0.4").get(ASK, {"domain": "blog.example.com"}).status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get(ASK, {"domain": "blog.example.com"}).status_code == 403


def test_removed_domain_is_refused(served):
    """Once a blog stops serving a domain, no new certificate is issued for it (R26)."""
    Blog.objects.filter(custom_domain="blog.example.com").update(custom_domain=None)
    assert Client().get(ASK, {"domain": "blog.example.com"}).status_code == 403


def test_ask_is_get_only(served):
    """Only GET is answered; a POST is not an ask."""
    assert Client().post(ASK, {"domain": "blog.example.com"}).status_code == 405
