"""Scenario 5's feed farm: an asyncio HTTP server (a child process, keep-alive, no threads) serving
numbered RSS feeds on 127.0.0.1 and FARM_HOSTS other loopback addresses, each feed of the kind its
number gives (kind_of; the mix is described in scenario_polling.py). Scenario 8 runs it too.

    .venv/bin/python bench/feed_farm.py --farm PORT    # (cpu_shares.py counts "--farm" processes as the farm)
"""

from __future__ import annotations

import asyncio
import socket
import struct
import sys
from pathlib import Path

import load

SCRIPT = Path(__file__).resolve()
SLOW_SECONDS = 5.0


def kind_of(n: int) -> str:
    k = n % 50
    if k < 33:
        return "304"
    if k < 38:
        return "same"
    if k < 48:
        return "changed"
    return "slow" if k == 48 else ("reset" if n % 100 == 99 else "500")


def rss(n: int, version: int) -> bytes:
    items = "".join(
        f"<item><title>Item {i} of feed {n}</title><link>http://example.com/f/{n}/{i}</link>"
        f"<guid>f{n}-{i}</guid><pubDate>Mon, 16 Nov 2026 09:{i % 60:02d}:00 +0000</pubDate>"
        f"<description>&lt;p&gt;Body of item {i}, a few words about the day.&lt;/p&gt;</description></item>"
        for i in range(version, version + 10)
    )
    head = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title><link>http://example.com/</link>'
    return f"{head}{items}</channel></rss>".encode()


class Farm(asyncio.Protocol):
    slow_enabled = True
    versions: dict[int, int] = {}  # noqa: RUF012 - process-wide state of the farm

    def connection_made(self, transport) -> None:
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
            asyncio.get_running_loop().create_task(self.answer(path, headers))

    async def answer(self, path: str, headers: dict) -> None:
        close = headers.get("connection", "").lower() == "close"
        if path.startswith("/control/slow/"):
            Farm.slow_enabled = path.endswith("/1")
            return self.send(200, b"ok", close=close)
        n = int(path.rstrip("/").rsplit("/", 1)[1])
        kind = kind_of(n)
        if kind in ("slow", "500", "reset") and not Farm.slow_enabled:
            kind = "304"
        if kind == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        if kind == "reset":
            sock = self.transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return self.transport.abort()
        if kind == "500":
            return self.send(500, b"oops", close=close)
        if kind == "same":
            return self.send(200, rss(n, 0), close=close)
        if kind == "changed":
            version = Farm.versions[n] = Farm.versions.get(n, 0) + 1
            return self.send(200, rss(n, version), close=close, etag=f'"v{n}-{version}"')
        etag = f'"v{n}"'
        if headers.get("if-none-match") == etag:
            return self.send(304, b"", close=close, etag=etag)
        return self.send(200, rss(n, 0), close=close, etag=etag)

    def send(self, status: int, body: bytes, *, close: bool, etag: str = "") -> None:
        if self.transport.is_closing():
            return
        reason = {200: "OK", 304: "Not Modified", 500: "Internal Server Error"}[status]
        head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/rss+xml\r\n"
        head += f"Content-Length: {len(body)}\r\n" + (f"ETag: {etag}\r\n" if etag else "")
        head += "Connection: close\r\n\r\n" if close else "\r\n"
        self.transport.write(head.encode() + body)
        if close:
            self.transport.close()


# The farm's feeds are spread over this many loopback hosts (127.88.x.y; Linux routes all of 127/8 to
# the loopback interface); 127.0.0.1 serves them too, for the control URL, the ceiling and the reference.
FARM_HOSTS = 500


def farm_host(k: int) -> str:
    return f"127.88.{1 + k // 250}.{1 + k % 250}"


def farm_main(port: int) -> None:
    async def serve() -> None:
        loop = asyncio.get_running_loop()
        hosts = ["127.0.0.1", *(farm_host(k) for k in range(FARM_HOSTS))]
        servers = [await loop.create_server(Farm, host, port, backlog=1024) for host in hosts]
        await asyncio.gather(*(server.serve_forever() for server in servers))

    asyncio.run(serve())


def set_slow(port: int, enabled: bool) -> None:
    status, _h, _b = load.get(port, "127.0.0.1", f"/control/slow/{int(enabled)}")
    assert status == 200


if __name__ == "__main__":
    if sys.argv[1] == "--farm":
        farm_main(int(sys.argv[2]))
