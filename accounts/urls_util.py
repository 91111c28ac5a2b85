"""Absolute URLs for the platform and for blogs, built from settings, never from the request Host."""

from __future__ import annotations

from django.conf import settings


def _port_suffix() -> str:
    return f":{settings.MICROHOST_PORT}" if settings.MICROHOST_PORT else ""


def platform_url(path: str = "") -> str:
    return f"{settings.MICROHOST_SCHEME}://{settings.MICROHOST_DOMAIN}{_port_suffix()}{path}"


def subdomain_host(subdomain: str) -> str:
    return f"{subdomain}.{settings.MICROHOST_DOMAIN}"


def blog_base_url(host: str, custom: bool = False) -> str:
    """Custom domains are served on the default ports by the TLS terminator."""
    if custom:
        return f"{settings.MICROHOST_SCHEME}://{host}"
    return f"{settings.MICROHOST_SCHEME}://{host}{_port_suffix()}"
