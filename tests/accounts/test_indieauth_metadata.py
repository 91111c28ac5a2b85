"""IndieAuth discovery: the metadata document and the links on every blog page (IndieAuth §4.1)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

ENDPOINT_FIELDS = (
    "authorization_endpoint",
    "token_endpoint",
    "introspection_endpoint",
    "revocation_endpoint",
    "userinfo_endpoint",
)


def test_metadata_document_has_every_field(platform_client):
    """The metadata names every endpoint, PKCE S256 only, iss support and our grant types (§4.1.1)."""
    response = platform_client.get("/indieauth/metadata")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert data["issuer"] == "http://microhost.test/indieauth/"
    assert data["authorization_endpoint"] == "http://microhost.test/indieauth/auth"
    assert data["token_endpoint"] == "http://microhost.test/indieauth/token"
    assert data["introspection_endpoint"] == "http://microhost.test/indieauth/introspect"
    assert data["revocation_endpoint"] == "http://microhost.test/indieauth/revoke"
    assert data["userinfo_endpoint"] == "http://microhost.test/indieauth/userinfo"
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert data["response_types_supported"] == ["code"]
    assert data["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert data["revocation_endpoint_auth_methods_supported"] == ["none"]
    assert data["introspection_endpoint_auth_methods_supported"]
    assert data["authorization_response_iss_parameter_supported"] is True
    assert {"create", "update", "delete", "undelete", "media", "profile", "email", "draft"} <= set(
        data["scopes_supported"]
    )


def test_issuer_is_a_prefix_of_the_metadata_url_and_urls_come_from_settings(settings):
    """§3.1: the issuer prefixes the metadata URL; URLs use settings, not the request's Host (R23)."""
    settings.MICROHOST_SCHEME, settings.MICROHOST_PORT = "https", "8443"
    from django.test import Client

    data = Client(HTTP_HOST="microhost.test:9999").get("/indieauth/metadata").json()
    assert data["issuer"] == "https://microhost.test:8443/indieauth/"
    metadata_url = "https://microhost.test:8443/indieauth/metadata"
    assert metadata_url.startswith(data["issuer"])
    assert all(data[name].startswith("https://microhost.test:8443/indieauth/") for name in ENDPOINT_FIELDS)


@pytest.mark.parametrize(
    "path", ["/.well-known/oauth-authorization-server/indieauth/", "/.well-known/oauth-authorization-server"]
)
def test_metadata_at_the_well_known_locations(platform_client, path):
    """RFC 8414 well-known paths serve the same document, for generic OAuth clients."""
    assert platform_client.get(path).json() == platform_client.get("/indieauth/metadata").json()


def test_metadata_is_not_served_on_blog_hosts(alice, blog_client):
    """The endpoints live on the platform host only; a blog host has no /indieauth/."""
    assert blog_client(alice).get("/indieauth/metadata").status_code == 404


def test_blog_pages_advertise_the_indieauth_server(alice, blog_client):
    """Every blog page links indieauth-metadata plus the legacy authorization/token endpoints (§4.1)."""
    response = blog_client(alice).get("/")
    html = response.content.decode()
    expected = {
        "indieauth-metadata": "http://microhost.test/indieauth/metadata",
        "authorization_endpoint": "http://microhost.test/indieauth/auth",
        "token_endpoint": "http://microhost.test/indieauth/token",
    }
    for rel, url in expected.items():
        assert f'<{url}>; rel="{rel}"' in response["Link"]
        assert f'rel="{rel}" href="{url}"' in html or f'href="{url}" rel="{rel}"' in html
