"""A fake silo: a real HTTP server on loopback answering like the silo's API (docs/silos.md), with
scripted failures (429 + reset header, 401 revoked, 422 validation, 5xx, slow answers) and a hook
that runs after a request was processed but before the answer goes out (to kill a worker there)."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, Any, dict[str, str]]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}

    @property
    def bearer(self) -> str:
        value = self.headers.get("authorization", "")
        return value.split(" ", 1)[1] if " " in value else ""

    def multipart(self) -> dict[str, bytes]:
        """Parts by name (enough for our own multipart bodies)."""
        boundary = re.search(r"boundary=(\S+)", self.headers.get("content-type", "")).group(1).encode()
        parts = {}
        for chunk in self.body.split(b"--" + boundary)[1:-1]:
            head, _, data = chunk.partition(b"\r\n\r\n")
            name = re.search(rb'name="([^"]+)"', head).group(1).decode()
            parts[name] = data[:-2]
        return parts


@dataclass
class Failure:
    method: str
    path: str  # regex searched in the path
    answer: Answer
    times: int = 1
    delay: float = 0.0  # seconds before answering (a timeout test)
    process: bool = False  # handle the request normally first (the silo did it), then answer this


@dataclass
class FakeSilo:
    """Subclasses list ROUTES as (method, path regex, handler name)."""

    ROUTES: ClassVar[list] = []
    requests: list[Request] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    after_processing: Callable[[Request, Answer], None] | None = None
    ids: Any = field(default_factory=lambda: itertools.count(100))

    def start(self) -> FakeSilo:
        silo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    self.command,
                    parts.path,
                    {k: v[-1] for k, v in parse_qs(parts.query).items()},
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                status, body, headers = silo.answer(request)
                raw = (
                    body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
                )
                self.send_response(status)
                if body is not None and not isinstance(body, bytes):
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda *args: None  # clients that time out reset the connection
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def fail(self, method: str, path: str, status: int, body: Any = None, headers=None, **kwargs) -> None:
        self.failures.append(Failure(method, path, (status, body, headers or {}), **kwargs))

    def answer(self, request: Request) -> Answer:
        self.requests.append(request)
        for failure in self.failures:
            if failure.times and failure.method == request.method and re.search(failure.path, request.path):
                failure.times -= 1
                if failure.process:
                    self.route(request)
                time.sleep(failure.delay)
                return failure.answer
        answer = self.route(request)
        if self.after_processing is not None:
            self.after_processing(request, answer)
        return answer

    def route(self, request: Request) -> Answer:
        for method, pattern, name in self.ROUTES:
            match = re.fullmatch(pattern, request.path)
            if method == request.method and match:
                return getattr(self, name)(request, *match.groups())
        return 404, {"error": "Record not found"}, {}

    def new_id(self) -> str:
        return str(next(self.ids))

    def calls(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and re.search(path, r.path)]
