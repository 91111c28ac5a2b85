"""The benchmark suite's compiled open-loop client (bench/openloop/openloop.c, run by bench/load.py)
against small HTTP servers on 127.0.0.1: it reads every kind of response body, counts errors, and
times each request from its intended moment, so queueing at a slow server shows."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "bench_load", Path(__file__).resolve().parents[1] / "bench" / "load.py"
)
load = sys.modules["bench_load"] = importlib.util.module_from_spec(_spec)  # dataclasses look it up
_spec.loader.exec_module(load)

BODY = b"x" * 3000


class Pages(BaseHTTPRequestHandler):
    """One path per way of ending a response body, plus a 304, a 404 and a POST that checks its body."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    seen_hosts: set[str] = set()

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        Pages.seen_hosts.add(self.headers["Host"])
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (BODY[:1000], BODY[1000:], b""):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        elif self.path == "/until-close":  # no length: the body ends when the server closes
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(BODY)
            self.close_connection = True
        elif self.path == "/etag" and self.headers["If-None-Match"] == '"v1"':
            self.send_response(304)
            self.end_headers()
        elif self.path in ("/length", "/etag"):
            self.answer(200, BODY)
        else:
            self.answer(404, b"no")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.answer(201 if body == b"h=entry&content=hello" else 400, b"")

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Slow(Pages):
    """50 ms a request, one at a time: capacity 20 a second."""

    def do_GET(self) -> None:
        time.sleep(0.05)
        self.answer(200, b"slow")


@contextmanager
def serving(server_class, handler) -> Iterator[int]:
    server = server_class(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_reads_every_body_kind_and_counts_errors() -> None:
    """Content-Length, chunked, read-until-close, 304 and POST bodies are read whole; a 404 is an error."""
    requests = [
        ("GET", "a.test", "/length", None, None),
        ("GET", "b.test", "/chunked", None, None),
        ("GET", "a.test", "/until-close", None, None),
        ("GET", "a.test", "/etag", {"If-None-Match": '"v1"'}, None),
        (
            "POST",
            "a.test",
            "/post",
            {"Content-Type": "application/x-www-form-urlencoded"},
            "h=entry&content=hello",
        ),
        ("GET", "a.test", "/missing", None, None),
    ]
    with serving(ThreadingHTTPServer, Pages) as port:
        run = load.openloop(port, requests, rate=300, count=60, connections=3)
    assert (run["count"], run["ok"], run["errors"]) == (60, 50, 10)
    assert run["first_error"].endswith("status 404")
    assert len(run["samples"]) == 50
    assert {"a.test", "b.test"} <= Pages.seen_hosts


def test_open_loop_many_raises_on_an_error_status() -> None:
    """open_loop_many() fails loudly when a target answers >= 400, as the Python client did."""
    with serving(ThreadingHTTPServer, Pages) as port, pytest.raises(RuntimeError, match="404"):
        load.open_loop_many(port, [("a.test", "/missing")], rate=100, duration=0.1, workers=2)


def test_waiting_for_a_busy_server_counts() -> None:
    """At twice a slow server's capacity, each request waits longer than the one before, and that wait
    is in its latency (timed from its intended moment, not from when it could be sent)."""
    with serving(HTTPServer, Slow) as port:
        run = load.openloop(port, [("GET", "a.test", "/", None, None)], rate=40, count=20, connections=1)
    samples = run["samples"]
    assert run["ok"] == 20
    assert samples[0] < 150  # 50 ms of work
    assert samples[-1] > 400  # ~50 + 19 × 25 ms of queueing
    assert all(later > earlier for earlier, later in zip(samples[5:], samples[6:], strict=False))
    assert run["late"] >= 15  # could not be written on time: the one connection was busy
