"""Errors of the safe fetcher (microhost.fetch); str() of each is a sentence a user can read."""

from __future__ import annotations


class FetchError(Exception):
    """Anything that stopped a fetch; callers catch this one class and show its message."""


class BadScheme(FetchError):
    """Not an absolute http(s) URL (file:, ftp:, gopher:, data:, a bare path): nothing is sent."""


class BlockedAddress(FetchError):
    """The host is, or resolves to, an address outside the public internet (SSRF guard, R2)."""


class TooManyRedirects(FetchError):
    """The redirect chain is longer than MICROHOST_FETCH_MAX_REDIRECTS (R4)."""


class TooLarge(FetchError):
    """The body, counted after decompression, is bigger than the cap (R12)."""


class FetchTimeout(FetchError):
    """The whole fetch (DNS, connect, TLS, headers, body) outlived its deadline (R13)."""


class ConnectFailed(FetchError):
    """DNS lookup, TCP connect or TLS handshake failed: no request was sent, so a retry is safe."""
