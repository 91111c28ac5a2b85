"""Hosts (R22–R26): custom domains serve the right blog, unknown hosts none, cookies stay on the platform."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import domains
from tests.accounts.dns_server import txt_records_fixture  # noqa: F401  (the txt_records fixture)
from tests.conftest import PASSWORD

CUSTOM = "blog.example.com"


@pytest.fixture
def alice_on_custom_domain(alice, make_post, txt_records):
    """Alice with a post, her domain verified through the real TXT lookup."""
    make_post(alice, content="Alice writes from her own domain")
    domain = domains.add_domain(blog=alice.blog, name=CUSTOM)
    txt_records[domain.txt_record_name] = [domain.txt_record_value]
    domains.verify_domain(domain=domain)
    alice.blog.refresh_from_db()
    return domain


def get(host: str, path: str = "/"):
    return Client(HTTP_HOST=host).get(path)


def test_verified_domain_serves_the_owners_blog(alice_on_custom_domain, bob, make_post):
    """Host: blog.example.com → alice's blog with her posts, and nothing of bob's."""
    make_post(bob, content="Bob's words")
    response = get(CUSTOM)
    page = response.content.decode()
    assert response.status_code == 200 and "Alice writes from her own domain" in page
    assert "Bob's words" not in page and response.wsgi_request.blog.user.username == "alice"


@pytest.mark.parametrize("path", ["/", "/archive/", "/category/notes/?page=2"])
def test_subdomain_redirects_permanently_to_the_custom_domain(alice_on_custom_domain, path):
    """alice.microhost.test answers 301 to the same path on blog.example.com."""
    response = get("alice.microhost.test", path)
    assert response.status_code == 301 and response["Location"] == f"http://{CUSTOM}{path}"


def test_a_claimed_but_unverified_domain_serves_nothing(alice, make_post):
    """Adding a domain is not enough: until verified it answers 404 and the subdomain serves."""
    make_post(alice, content="Still on the subdomain")
    domains.add_domain(blog=alice.blog, name=CUSTOM)
    assert get(CUSTOM).status_code == 404
    assert get("alice.microhost.test").status_code == 200


def test_removal_stops_serving_and_the_subdomain_serves_again(alice_on_custom_domain):
    """After removal blog.example.com is 404 and alice.microhost.test answers 200 without redirect."""
    domains.remove_domain(domain=alice_on_custom_domain)
    assert get(CUSTOM).status_code == 404
    response = get("alice.microhost.test")
    assert response.status_code == 200 and "Alice writes from her own domain" in response.content.decode()


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "nobody.microhost.test",
        "a.b.microhost.test",
        "alice.b.microhost.test",
        "alice.microhost.test.evil.example",
        "microhost.test.evil.example",
        "www.blog.example.com",
    ],
)
def test_unknown_hosts_are_404_and_never_a_blog(alice_on_custom_domain, host):
    """Hosts that are not the platform, a user's subdomain or a verified domain get 404, no blog."""
    response = get(host)
    assert response.status_code == 404
    assert "Alice writes" not in response.content.decode() and response.wsgi_request.blog is None


def test_login_cookies_are_host_only(platform_client, alice, settings):
    """Logging in on the platform sets session and CSRF cookies without a Domain attribute (R24)."""
    platform_client.get("/accounts/login/")
    response = platform_client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session.value and session["domain"] == "" and session["path"] == "/" and session["httponly"]
    assert platform_client.cookies[settings.CSRF_COOKIE_NAME]["domain"] == ""


def test_blog_hosts_treat_a_platform_session_as_anonymous(logged_in, alice, make_post):
    """A blog request carrying the platform's session cookie is still anonymous (R24)."""
    make_post(alice, content="Public note")
    assert logged_in.get("/settings/").wsgi_request.user.is_authenticated
    response = logged_in.get("/", HTTP_HOST="alice.microhost.test")
    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    page = response.content.decode()
    assert "Log out" not in page and "/posts/new/" not in page and "Public note" in page


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("https://alice.microhost.test", 403),
        ("http://alice.microhost.test", 403),
        ("http://blog.example.com", 403),
        ("http://microhost.test", 302),
    ],
)
def test_platform_post_from_a_blog_origin_fails_csrf(alice, settings, origin, status):
    """With a valid token, a platform POST whose Origin is a blog host is refused 403 (R25)."""
    client = Client(HTTP_HOST="microhost.test", enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/settings/domains/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/settings/domains/", {"name": "new.example.com", "csrfmiddlewaretoken": token}, HTTP_ORIGIN=origin
    )
    assert response.status_code == status


def test_post_to_subdomain_of_custom_domain_blog_is_308(alice, blog_client):
    """Writes to the old subdomain are redirected with 308 so clients re-send the same POST."""
    from django.test import Client

    alice.blog.custom_domain = "blog.example.com"
    alice.blog.save()
    response = Client(HTTP_HOST="alice.microhost.test").post("/micropub?x=1", {"h": "entry"})
    assert response.status_code == 308
    assert response["Location"] == "http://blog.example.com/micropub?x=1"
