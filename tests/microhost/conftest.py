"""Fixtures for the fetcher tests: real loopback HTTP servers and a fake, guarded internet.

The fetch test modules use `pytestmark = pytest.mark.usefixtures("network", "fetch_settings")`
(not autouse: other tests share this folder), so each of their tests runs with
- a stub DNS (`network.names`) installed as microhost.fetch_addresses.resolver, so no real DNS
  query leaves the machine; IP literals in other spellings (2130706433, 0x7f.1) are decoded
  locally with AI_NUMERICHOST;
- a guard on socket.create_connection (what httpcore dials with) that records every dial and
  refuses any non-loopback address, except "public" addresses a test routes to one of its
  loopback servers (`network.route`): a stand-in for a public site, with no traffic leaving.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from microhost import fetch_addresses


@dataclass
class Recorded:
    """One request as a loopback server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Handler(BaseHTTPRequestHandler):
    """Records each request on its server, then lets the test's respond() answer it."""

    protocol_version = "HTTP/1.1"
    server: LoopbackHTTPServer

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.owner.requests.append(Recorded(self.command, self.path, dict(self.headers), body))
        self.server.owner.respond(self)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _handle

    def reply(self, status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """Send a complete response with a Content-Length."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Keep test output quiet."""


class LoopbackHTTPServer(ThreadingHTTPServer):
    owner: LoopbackServer


class LoopbackServer:
    """A real HTTP server on 127.0.0.1 in a thread, counting the requests it receives."""

    def __init__(
        self, respond: Callable[[Handler], None], stop: threading.Event, tls: ssl.SSLContext | None = None
    ) -> None:
        self.respond = respond
        self.stop = stop  # set at teardown, so slow handlers can end their loops
        self.requests: list[Recorded] = []
        self.httpd = LoopbackHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.owner = self
        if tls is not None:  # handshakes happen on accept; a failed one is dropped by socketserver
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def loopback() -> Iterator[Callable[..., LoopbackServer]]:
    """Start loopback servers: loopback(respond, tls=None) -> LoopbackServer; stopped after the test."""
    stop = threading.Event()
    servers: list[LoopbackServer] = []

    def start(respond: Callable[[Handler], None], tls: ssl.SSLContext | None = None) -> LoopbackServer:
        servers.append(LoopbackServer(respond, stop, tls))
        return servers[-1]

    yield start
    stop.set()
    for server in servers:
        server.close()


@pytest.fixture
def ok_server(loopback: Callable[..., LoopbackServer]) -> LoopbackServer:
    """A loopback server answering 200 "hello" to everything."""
    return loopback(lambda req: req.reply(200, b"hello", {"Content-Type": "text/plain"}))


@dataclass
class Network:
    """The fake DNS and internet: names -> addresses, routed public addresses -> loopback ports."""

    names: dict[str, list[str] | Callable[[], list[str]]] = field(default_factory=dict)
    routes: dict[tuple[str, int], int] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    dials: list[tuple[str, int]] = field(default_factory=list)

    def resolve(self, host: str, port: int) -> list[str]:
        """The stub resolver: known names, else IP spellings decoded without any DNS query."""
        self.lookups.append(host)
        if host in self.names:
            answer = self.names[host]
            return answer() if callable(answer) else list(answer)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
        return [str(info[4][0]) for info in infos]

    def route(self, ip: str, port: int, server: LoopbackServer) -> None:
        """Make ip:port (a public address) reach server, without any packet leaving the machine."""
        self.routes[(ip, port)] = server.port

    def dialled(self, ip: str) -> bool:
        return any(host == ip for host, _ in self.dials)


def _is_loopback(host: str) -> bool:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Network:
    """Stub DNS plus a connect guard: tests never reach DNS or any non-loopback address."""
    net = Network()
    real_create_connection = socket.create_connection

    def guarded_create_connection(address: tuple[Any, ...], *args: Any, **kwargs: Any) -> socket.socket:
        host, port = str(address[0]), int(address[1])
        net.dials.append((host, port))
        if (host, port) in net.routes:
            return real_create_connection(("127.0.0.1", net.routes[(host, port)]), *args, **kwargs)
        if _is_loopback(host):
            return real_create_connection(address, *args, **kwargs)
        raise OSError(f"test guard: tests never connect to {host}")

    monkeypatch.setattr(fetch_addresses, "resolver", net.resolve)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)
    return net


@pytest.fixture
def fetch_settings(settings: Any) -> Any:
    """Production defaults whatever the environment says: private addresses refused, short limits."""
    settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = False
    settings.MICROHOST_FETCH_CONNECT_TIMEOUT = 2.0
    settings.MICROHOST_FETCH_TOTAL_TIMEOUT = 5.0
    settings.MICROHOST_FETCH_MAX_BYTES = 1024 * 1024
    settings.MICROHOST_FETCH_MAX_REDIRECTS = 5
    return settings


@pytest.fixture
def allow_private(fetch_settings: Any) -> Any:
    """MICROHOST_ALLOW_PRIVATE_ADDRESSES=1, as tests and local development run it."""
    fetch_settings.MICROHOST_ALLOW_PRIVATE_ADDRESSES = True
    return fetch_settings
