"""Where the IndieAuth endpoints live, the metadata document, and the links every blog page carries."""

from __future__ import annotations

from accounts.indieauth.scopes import KNOWN_SCOPES
from accounts.models import Blog
from accounts.urls_util import platform_url

# The issuer is a prefix of the metadata URL (IndieAuth §3.1); every endpoint is on the platform host.
PATHS = {
    "metadata": "/indieauth/metadata",
    "authorization": "/indieauth/auth",
    "token": "/indieauth/token",
    "introspection": "/indieauth/introspect",
    "revocation": "/indieauth/revoke",
    "userinfo": "/indieauth/userinfo",
}


def issuer() -> str:
    """The `iss` of every authorization response (RFC 9207), built from settings, never the Host."""
    return platform_url("/indieauth/")


def endpoint(name: str) -> str:
    return platform_url(PATHS[name])


def server_metadata() -> dict:
    """The metadata document (IndieAuth §4.1.1, RFC 8414 §2)."""
    return {
        "issuer": issuer(),
        "authorization_endpoint": endpoint("authorization"),
        "token_endpoint": endpoint("token"),
        "introspection_endpoint": endpoint("introspection"),
        # A resource server authenticates with a bearer token of the same user (see views/tokens.py).
        "introspection_endpoint_auth_methods_supported": ["Bearer"],
        "revocation_endpoint": endpoint("revocation"),
        "revocation_endpoint_auth_methods_supported": ["none"],
        "userinfo_endpoint": endpoint("userinfo"),
        "scopes_supported": list(KNOWN_SCOPES),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "service_documentation": "https://indieauth.spec.indieweb.org/",
    }


def blog_links(blog: Blog) -> list[tuple[str, str, str]]:
    """Discovery on every blog page: the metadata, plus the two links older clients look for (§4.1)."""
    return [
        ("indieauth-metadata", endpoint("metadata"), ""),
        ("authorization_endpoint", endpoint("authorization"), ""),
        ("token_endpoint", endpoint("token"), ""),
    ]


def profile_url(blog: Blog) -> str:
    """The user's `me`: their blog's home page, with its trailing slash (IndieAuth §3.2)."""
    return blog.base_url + "/"
