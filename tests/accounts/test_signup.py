"""Signup with django-allauth: usernames are DNS labels, unique without regard to case, not reserved."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import Blog, User

pytestmark = pytest.mark.django_db


def signup(client, username: str, email: str = "new@example.com", password: str = "a-long-test-password-1"):
    return client.post("/accounts/signup/", {"username": username, "email": email, "password1": password})


def test_signup_creates_user_and_blog(platform_client):
    """Signing up creates the user, their blog on the subdomain, and logs them in."""
    response = signup(platform_client, "Carol")
    assert response.status_code == 302
    user = User.objects.get()
    assert user.username == "carol"
    assert Blog.objects.get(user=user).host == "carol.microhost.test"
    assert platform_client.get("/posts/").status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "www",
        "admin",
        "api",
        "mail",
        "static",
        "media",
        "cdn",
        "ns1",
        "mx",
        "autoconfig",
        "autodiscover",
        "help",
        "about",
        "blog",
        "status",
        "WWW",
    ],
)
def test_reserved_names_are_refused(platform_client, name):
    """Reserved names get a clear form error and no account."""
    response = signup(platform_client, name)
    assert response.status_code == 200
    assert "is reserved" in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("name", ["-carol", "carol-", "car_ol", "car.ol", "carøl", "a", "x" * 31, "ab--cd"])
def test_names_that_are_not_dns_labels_are_refused(platform_client, name):
    """Names that could not be a subdomain are refused with an explanation."""
    response = signup(platform_client, name)
    assert response.status_code == 200 and not User.objects.exists()
    assert b"errorlist" in response.content or b"error" in response.content


def test_usernames_are_unique_regardless_of_case(platform_client, alice):
    """ALICE cannot sign up when alice exists."""
    response = signup(platform_client, "ALICE", email="other@example.com")
    assert response.status_code == 200 and User.objects.count() == 1


def test_signup_sends_verification_email_with_platform_links(platform_client, settings):
    """The verification email links to the platform domain from settings."""
    signup(platform_client, "dave", email="dave@example.com")
    assert len(mail.outbox) == 1
    assert "http://microhost.test/accounts/confirm-email/" in mail.outbox[0].body


def test_password_reset_ignores_request_host(platform_client, alice):
    """A reset requested with a forged Host never produces a link to that host (R23)."""
    from django.test import Client

    forged = Client(HTTP_HOST="evil.example")
    assert forged.post("/accounts/password/reset/", {"email": alice.email}).status_code == 404
    platform_client.post("/accounts/password/reset/", {"email": alice.email})
    assert len(mail.outbox) == 1
    assert "evil.example" not in mail.outbox[0].body
    assert "http://microhost.test/accounts/password/reset/key/" in mail.outbox[0].body


def test_login_form_has_contract_fields(platform_client):
    """The login form posts `login` and `password` (the contract)."""
    body = platform_client.get("/accounts/login/").content.decode()
    assert 'name="login"' in body and 'name="password"' in body


def test_login_by_username(platform_client, alice):
    """Logging in with username and password redirects to the dashboard."""
    response = platform_client.post(
        "/accounts/login/", {"login": "alice", "password": "a-long-test-password-1"}
    )
    assert response.status_code == 302


def test_repeated_failed_logins_are_rate_limited(platform_client, alice):
    """After too many failures the right password is refused too (R37)."""
    for _ in range(6):
        platform_client.post("/accounts/login/", {"login": "alice", "password": "wrong-password-xx"})
    response = platform_client.post(
        "/accounts/login/", {"login": "alice", "password": "a-long-test-password-1"}
    )
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in platform_client.session
