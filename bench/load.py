"""The suite's clients on loopback: one GET, wrk (fixed and rotating targets), and the open-loop client
that times each request from its intended send moment: compiled (bench/openloop/openloop.c, built
here on first use) or, with BENCH_CLIENT=python, the Python one with its keep-alive request()."""

from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

OPENLOOP_SOURCE = Path(__file__).resolve().parent / "openloop" / "openloop.c"
# Built outside the repository, so no binary is ever committed; rebuilt when the source is newer.
OPENLOOP_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "microhost-bench"


def get(port: int, host: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# ---- measuring ---------------------------------------------------------------------------------------
def wrk(port: int, host: str, path: str, *, duration: int, connections: int = 8, headers=()) -> float:
    """Requests per second by wrk (2 threads); raises if any response was an error or a socket failed."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-H", f"Host: {host}"]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run(  # noqa: S603
        [*args, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx or 3xx" in out:
        raise RuntimeError(f"wrk saw error responses for {host}{path}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


WRK_ROTATE = """
local targets = {{ {targets} }}
local i = 0
request = function()
    i = i % #targets + 1
    return wrk.format("GET", targets[i][2], {{ ["Host"] = targets[i][1] }})
end
"""


def wrk_rotating(port: int, targets: list[tuple[str, str]], *, duration: int, connections: int = 8) -> float:
    """Like wrk(), but each request goes to the next (host, path) of `targets`, round the list."""
    lua = ", ".join(f'{{"{host}", "{path}"}}' for host, path in targets)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_ROTATE.format(targets=lua))
    try:
        args = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-s", script.name]
        out = subprocess.run(  # noqa: S603
            [*args, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(script.name)
    if "Non-2xx or 3xx" in out:
        raise RuntimeError(f"wrk saw error responses rotating over {len(targets)} targets:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


@dataclass
class Latency:
    p50: float
    p99: float
    late: int = 0  # requests that could not even be sent on time (client saturated)
    samples: list[float] = field(default_factory=list, repr=False)


def open_loop(port: int, host: str, path: str, *, rate: float, duration: float, headers=None) -> Latency:
    """Send at a fixed rate and time each request from its intended send moment (queueing stays visible)."""
    return open_loop_many(port, [(host, path)], rate=rate, duration=duration, headers=headers)


def open_loop_many(
    port: int,
    targets: list[tuple[str, str]],
    *,
    rate: float,
    duration: float,
    headers=None,
    workers: int = 32,
) -> Latency:
    """open_loop() over several (host, path) targets, each request to the next one in turn, on `workers`
    keep-alive connections. Raises if any request failed or answered >= 400."""
    count = max(1, int(rate * duration))
    if client() == "python":
        return python_open_loop_many(port, targets, rate=rate, count=count, headers=headers, workers=workers)
    gets = [("GET", host, path, headers, None) for host, path in targets]
    run = openloop(port, gets, rate=rate, count=count, connections=workers)
    if run["errors"]:
        raise RuntimeError(f"{run['errors']} of {run['count']} requests failed: {run['first_error']}")
    samples = sorted(run["samples"])
    return Latency(statistics.median(samples), percentile(samples, 0.99), run["late"], samples)


def client() -> str:
    """Which open-loop client open_loop() uses: "compiled" unless BENCH_CLIENT=python."""
    return "python" if os.environ.get("BENCH_CLIENT") == "python" else "compiled"


def python_open_loop_many(port, targets, *, rate: float, count: int, headers, workers: int) -> Latency:
    """The Python open-loop client (BENCH_CLIENT=python): threads, near 900 req/s at most here."""
    local = threading.local()

    def one(i: int, intended: float) -> float:
        host, target = targets[i % len(targets)]
        response, _body = request(local, port, "GET", host, target, headers)
        if response.status >= 400:
            raise RuntimeError(f"{host}{target} answered {response.status}")
        return (time.perf_counter() - intended) * 1000

    return open_loop_run(one, count=count, rate=rate, workers=workers)


# The open-loop client stands for visitors on other machines, but runs on the measured one: at the
# app's priority it loses the cores to the processes it measures, sends late, and its own lateness
# reads as the app's latency (scenario 8 under load: 37-41 % sent late). BENCH_CLIENT_NICE=-5 runs it
# ahead of them (needs root; renice refused otherwise); 0, the default, leaves it at their priority.
CLIENT_NICE = int(os.environ.get("BENCH_CLIENT_NICE", "0"))


def client_priority() -> list[str]:
    return ["nice", "-n", str(CLIENT_NICE)] if CLIENT_NICE else []


def openloop_binary() -> Path:
    """The compiled open-loop client, built with gcc when missing or older than its source."""
    binary = OPENLOOP_CACHE / "openloop"
    if not binary.exists() or binary.stat().st_mtime < OPENLOOP_SOURCE.stat().st_mtime:
        OPENLOOP_CACHE.mkdir(parents=True, exist_ok=True)
        building = binary.with_name(f"openloop.{os.getpid()}")
        subprocess.run(  # noqa: S603
            ["gcc", "-O2", "-pthread", "-o", str(building), str(OPENLOOP_SOURCE)],  # noqa: S607
            check=True,
        )
        building.replace(binary)  # atomic: a concurrent run sees the old binary or the new one whole
    return binary


def openloop(port: int, requests: list[tuple], *, rate: float, count: int, connections: int = 32) -> dict:
    """Run the compiled client: `count` requests at `rate`, each the next (method, host, path, headers,
    body) of `requests` in turn. Its summary (count, ok, errors, late, p50 … max in ms, first_error)
    plus `samples`: the successful requests' latencies in request order."""
    with tempfile.TemporaryDirectory(prefix="openloop-") as tmp:
        lines = []
        for n, (method, host, path, headers, body) in enumerate(requests):
            fields = [f"{method} {host} {path}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
            if body is not None:
                (Path(tmp) / f"body{n}").write_bytes(body.encode() if isinstance(body, str) else body)
                fields.append(f"@{tmp}/body{n}")
            if any(c in f for f in fields for c in "\t\r\n") or " " in host + path:
                raise ValueError(f"cannot send {fields!r}: tabs, line breaks or spaces where not allowed")
            lines.append("\t".join(fields))
        Path(tmp, "targets").write_text("\n".join(lines) + "\n")
        args = [*client_priority(), str(openloop_binary()), "-p", str(port), "-r", str(rate)]
        args += ["-n", str(count)]
        args += ["-c", str(connections), "-f", f"{tmp}/targets", "-o", f"{tmp}/samples"]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout  # noqa: S603
        run = json.loads(out)
        run["samples"] = [float(x) for x in Path(tmp, "samples").read_text().split()]
    return run


def request(
    local: threading.local,
    port: int,
    method: str,
    host: str,
    path: str,
    headers: dict | None = None,
    body: bytes | str | None = None,
) -> tuple[http.client.HTTPResponse, bytes]:
    """One request on this thread's keep-alive connection to the loopback `port` (kept in `local`),
    retried once on a fresh connection when the kept one was closed under it. (response, body)."""
    for attempt in range(2):
        conn = getattr(local, "conn", None) or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local.conn = conn
        try:
            conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
            response = conn.getresponse()
            content = response.read()
            if response.will_close:
                conn.close()
                local.conn = None
            return response, content
        except (OSError, http.client.HTTPException):
            conn.close()
            local.conn = None
            if attempt:
                raise
    raise AssertionError("unreachable")


def open_loop_run(send, *, count: int, rate: float, workers: int = 32) -> Latency:
    """The open-loop schedule: send(i, intended) for i in range(count), the i-th meant to start at
    start + i / rate, on `workers` threads; send returns its latency in ms timed from `intended`, so a
    request that waits for a free thread or a busy server shows it. Requests the client could not even
    start on time are counted as `late`."""
    start = time.perf_counter() + 0.05
    futures, late = [], 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i in range(count):
            intended = start + i / rate
            delay = intended - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.001:
                late += 1
            futures.append(pool.submit(send, i, intended))
        samples = sorted(f.result() for f in futures)
    return Latency(statistics.median(samples), percentile(samples, 0.99), late, samples)


def percentile(sorted_samples: list[float], q: float) -> float:
    return sorted_samples[min(len(sorted_samples) - 1, int(len(sorted_samples) * q))]
