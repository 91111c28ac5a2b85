"""The httpx transport under microhost.fetch: it dials only addresses it has checked, within one deadline.

httpcore asks its network backend for a TCP connection by host name; our backend resolves that
name once, checks every address (microhost.fetch_addresses) and connects to the checked IP, so a
second DNS answer can never be used (DNS rebinding, R3). httpcore still speaks to the original
host: the Host header, TLS SNI and certificate verification all use the name from the URL.
"""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Iterable
from typing import Any

import certifi
import httpcore
import httpx

from microhost.fetch_addresses import IPAddress, resolve_checked
from microhost.fetch_errors import BlockedAddress, FetchTimeout

SocketOption = tuple[int, int, int | bytes] | tuple[int, int, None, int]


class Deadline:
    """One point in time shared by every step of a fetch, so slow drips cannot extend it (R13)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises FetchTimeout once the deadline has passed."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise FetchTimeout(f"The site did not answer completely within {self.seconds:g} seconds.")
        return left

    def clamp(self, timeout: float | None) -> float:
        """A per-operation timeout that never reaches past the deadline."""
        left = self.remaining()
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake waits no longer than the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._deadline.clamp(timeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Resolves each new connection's host once, checks every address, then dials those IPs."""

    def __init__(self, *, allow_private: bool, deadline: Deadline) -> None:
        self._allow_private = allow_private
        self._deadline = deadline
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve_checked(
            host, port, allow_private=self._allow_private, timeout=self._deadline.clamp(timeout)
        )
        stream = self._dial(addresses, port, timeout, local_address, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def _dial(
        self,
        addresses: list[IPAddress],
        port: int,
        timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[SocketOption] | None,
    ) -> httpcore.NetworkStream:
        """Connect to the first checked address that answers, trying them in resolver order."""
        options = list(socket_options or ())
        error: httpcore.ConnectError | None = None
        for ip in addresses:
            try:
                return self._sockets.connect_tcp(
                    str(ip), port, self._deadline.clamp(timeout), local_address, options
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None  # resolve_checked never returns an empty list
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> httpcore.NetworkStream:
        raise BlockedAddress("Unix sockets are never fetched.")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Certificate verification against certifi's CA bundle, built once (loading it costs ~20 ms)."""
    return ssl.create_default_context(cafile=certifi.where())


class PinnedTransport(httpx.HTTPTransport):
    """httpx's own HTTP/1.1 transport over PinnedBackend, with no proxy and no environment settings."""

    def __init__(self, backend: PinnedBackend) -> None:
        # httpx 0.28 has no public hook for a network backend, so we build the pool it would
        # build ourselves; HTTPTransport only ever uses self._pool.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(), network_backend=backend, max_connections=4, retries=0
        )
