"""Settings → Domains: the page, its form errors, Verify now and Remove, only for the owner."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.domains import add_domain
from accounts.models import Blog, Domain
from tests.accounts.dns_server import txt_records_fixture  # noqa: F401  (the txt_records fixture)

PAGE = "/settings/domains/"


def add(client: Client, name: str):
    return client.post(PAGE, {"name": name})


def test_page_needs_login(platform_client, alice):
    """Anonymous visitors are sent to the login page."""
    response = platform_client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_page_shows_how_to_verify_and_point_the_domain(logged_in, alice):
    """Each domain shows its TXT record name and value, the well-known file and the CNAME target."""
    domain = add_domain(blog=alice.blog, name="blog.example.com")
    page = logged_in.get(PAGE).content.decode()
    assert "_microhost.blog.example.com" in page
    assert f"microhost-verify={domain.token}" in page
    assert "http://blog.example.com/.well-known/microhost-verify" in page
    assert "alice.microhost.test" in page and "CNAME" in page
    assert "Waiting for verification" in page and "Verify now" in page


def test_adding_a_domain_normalises_it(logged_in, alice):
    """A valid name is stored as lower-case punycode, shown readable too, and the page redirects back."""
    response = add(logged_in, "Bücher.Example.")
    assert response.status_code == 302 and response["Location"] == PAGE
    assert Domain.objects.get(blog=alice.blog).name == "xn--bcher-kva.example"
    page = logged_in.get(PAGE).content.decode()
    assert "bücher.example" in page and "_microhost.xn--bcher-kva.example" in page


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("not a domain", "That is not a valid host name"),
        ("https://blog.example.com/", "Enter just the host name"),
        ("microhost.test", "belongs to microhost.test"),
        ("carol.microhost.test", "belongs to microhost.test"),
        ("", "This field is required"),
    ],
)
def test_bad_names_are_explained_next_to_the_field(logged_in, alice, name, error):
    """Each refusal shows why beside the field, keeps what was typed and saves nothing."""
    response = add(logged_in, name)
    page = response.content.decode()
    assert response.status_code == 200 and error in page and 'class="error"' in page
    assert f'value="{name}"' in page or not name
    assert not Domain.objects.exists()


def test_a_name_already_on_the_list_is_refused(logged_in, alice):
    """The same domain cannot be added twice."""
    add(logged_in, "blog.example.com")
    assert "That domain is already on your list." in add(logged_in, "BLOG.example.com").content.decode()
    assert Domain.objects.count() == 1


def test_a_name_serving_another_blog_is_refused(logged_in, alice, bob):
    """A domain verified by another blog is "already in use"."""
    Blog.objects.filter(user=bob).update(custom_domain="blog.example.com")
    assert "That domain is already in use." in add(logged_in, "blog.example.com").content.decode()
    assert not Domain.objects.exists()


def test_verify_now_with_the_txt_record_serves_the_domain(logged_in, alice, txt_records):
    """Verify now with the record in place: success message, and the page shows it serving."""
    domain = add_domain(blog=alice.blog, name="blog.example.com")
    txt_records[domain.txt_record_name] = [domain.txt_record_value]
    response = logged_in.post(f"{PAGE}{domain.pk}/verify/", follow=True)
    page = response.content.decode()
    assert "is verified and now serves your blog" in page and "Serving your blog" in page
    assert Blog.objects.get(user=alice).custom_domain == "blog.example.com"


def test_verify_now_with_a_wrong_token_shows_the_error(logged_in, alice, txt_records):
    """A wrong TXT value: the page says what is wrong and nothing is served."""
    domain = add_domain(blog=alice.blog, name="blog.example.com")
    txt_records[domain.txt_record_name] = ["microhost-verify=not-the-token"]
    page = logged_in.post(f"{PAGE}{domain.pk}/verify/", follow=True).content.decode()
    assert "is not verified" in page and "has a different value" in page and "Not verified" in page
    assert Blog.objects.get(user=alice).custom_domain is None


def test_remove_clears_the_custom_domain(logged_in, alice, txt_records):
    """Remove deletes the domain and the blog is back on its subdomain."""
    domain = add_domain(blog=alice.blog, name="blog.example.com")
    txt_records[domain.txt_record_name] = [domain.txt_record_value]
    logged_in.post(f"{PAGE}{domain.pk}/verify/")
    page = logged_in.post(f"{PAGE}{domain.pk}/remove/", follow=True).content.decode()
    assert "blog.example.com removed. Your blog is served at alice.microhost.test." in page
    assert "No custom domains yet." in page
    assert Blog.objects.get(user=alice).custom_domain is None and not Domain.objects.exists()


@pytest.mark.parametrize("action", ["verify", "remove"])
def test_another_users_domain_is_404(platform_client, alice, bob, txt_records, action):
    """Bob can neither verify nor remove alice's domain: it does not exist for him."""
    domain = add_domain(blog=alice.blog, name="blog.example.com")
    txt_records[domain.txt_record_name] = [domain.txt_record_value]
    platform_client.force_login(bob)
    assert platform_client.post(f"{PAGE}{domain.pk}/{action}/").status_code == 404
    domain.refresh_from_db()
    assert not domain.is_verified and domain.last_checked_at is None
    assert Blog.objects.get(user=alice).custom_domain is None


@pytest.mark.parametrize("action", ["verify", "remove"])
def test_actions_are_post_only(logged_in, alice, action):
    """A GET (a link, a prefetch) never verifies or removes."""
    domain = add_domain(blog=alice.blog, name="blog.example.com")
    assert logged_in.get(f"{PAGE}{domain.pk}/{action}/").status_code == 405
    assert Domain.objects.filter(pk=domain.pk, last_checked_at=None).exists()
