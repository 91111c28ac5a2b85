"""The rules for client identifiers and redirect URLs (IndieAuth §3.3, §3.4, §4.2.2, §10.1)."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

MAX_URL_LENGTH = 2000
# IP literals a client_id may use: the loopback interface only (§3.3).
LOOPBACK_LITERALS = frozenset({"127.0.0.1", "::1"})
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")
# Schemes a browser would run or read locally instead of handing to an app: never a redirect target.
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about", "filesystem"})


class BadURL(ValueError):
    """A client_id or redirect_uri that breaks the rules; str() says which rule, for the error page."""


def canonical_client_id(raw: str) -> str:
    """The client_id checked against §3.3, with a lower-case host and "/" for an empty path (§3.4)."""
    parts = _split(raw, "client_id")
    if parts.scheme not in ("http", "https"):
        raise BadURL("The client_id must be an http or https URL.")
    if parts.username is not None or parts.password is not None:
        raise BadURL("The client_id must not contain a user name or password.")
    if {".", ".."} & set(parts.path.split("/")):
        raise BadURL("The client_id must not contain . or .. path segments.")
    host = _host(parts.hostname or "")
    netloc = f"[{host}]" if ":" in host else host
    port = _port(parts)
    return urlunsplit(
        (parts.scheme, netloc + (f":{port}" if port else ""), parts.path or "/", parts.query, "")
    )


def checked_redirect_uri(raw: str) -> str:
    """The redirect_uri, unchanged (it is matched exactly), if it is a URL a browser may be sent to."""
    parts = _split(raw, "redirect_uri")
    if not parts.scheme or parts.scheme in FORBIDDEN_SCHEMES:
        raise BadURL("The redirect_uri must be an absolute URL the browser can be sent back to.")
    if parts.scheme in ("http", "https") and not parts.hostname:
        raise BadURL("The redirect_uri has no host.")
    return raw


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with default ports filled in, for the same-origin rule of §5.2."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:
        port = -1
    return parts.scheme, (parts.hostname or "").lower(), port


def is_loopback_client(client_id: str) -> bool:
    """Clients on the loopback interface (§4.2: the server MUST NOT fetch them)."""
    host = (urlsplit(client_id).hostname or "").lower()
    return host in LOOPBACK_LITERALS or host == "localhost" or host.endswith(".localhost")


def _split(raw: str, name: str):
    """urlsplit with the checks every URL parameter shares: present, bounded, printable, no fragment."""
    if not raw:
        raise BadURL(f"The {name} parameter is missing.")
    if len(raw) > MAX_URL_LENGTH or _UNSAFE.search(raw):
        raise BadURL(f"The {name} is too long or contains spaces or control characters.")
    if "#" in raw:
        raise BadURL(f"The {name} must not contain a fragment (#).")
    try:
        return urlsplit(raw)
    except ValueError as exc:
        raise BadURL(f"The {name} is not a valid URL.") from exc


def _host(host: str) -> str:
    """A domain name, or 127.0.0.1 / [::1]; never another IP address (§3.3)."""
    host = host.lower()
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if _DOMAIN.match(host):
            return host
        raise BadURL("The client_id's host is not a valid domain name.") from None
    if str(ip) not in LOOPBACK_LITERALS:
        raise BadURL("The client_id's host must be a domain name, 127.0.0.1 or [::1], not an IP address.")
    return str(ip)


def _port(parts) -> int | None:
    try:
        return parts.port
    except ValueError as exc:
        raise BadURL("The client_id has an invalid port.") from exc
