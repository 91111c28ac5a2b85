"""Scenario 7: 1,000 webmentions from loopback sources (10 % invalid) vs a no-op POST.

Targets: the 10 posts of the named blog `small` (http://small.bench.test/<permalink>); the endpoint is
that host's /webmention (gunicorn, the product's blog URLconf). Sources: an asyncio HTTP server in a
child process listening on many loopback addresses 127.R.x.y (R random per run), one source host per
50 sources, so the platform-wide quota of 60 mentions an hour per source host (webmention.receive) is
never what is measured. A source page is a ~5 KB reply (h-entry, in-reply-to the target, an author
h-card); every tenth is invalid: no link to the target, 404, or a link to another URL of the blog.

Per round (--rounds, A/B):
  receipt: open-loop POSTs at --rate, the no-op POST (/bench/reference/noop-post/ on the platform host,
           bench/bench_urls.py: same server and middleware, answers 202, does nothing) then
           /webmention with new sources, the same count each;
  page:    the blog home and the permalink of the first target (two GET streams at the same time, each
           open loop at --rate for --lat-seconds) alone, then during a burst. The permalink shows the
           replies verified so far, so the burst makes it stale again and again; it has been read
           since session 12 (before, only the home page, alone at --rate):
  burst:   1,000 webmentions (× --scale below 1) POSTed open-loop at BURST_RATE (100/s, the target
           verification rate: the worker keeps up with it or falls behind), verified by the run's
           real Celery worker (concurrency 2); verified/s = burst ÷ (last row out of `pending` −
           first POST), so at most BURST_RATE. Receipt latency during the burst is reported too.
"""

# SQL here is built from the suite's own constants and numbers, never from outside input.
# ruff: noqa: S608

from __future__ import annotations

import asyncio
import json
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cpu_shares
import harness  # bench/ is on sys.path: the suite puts it there, and it is a script's own folder
import load

BURST = 1000
BURST_RATE = 100.0  # webmentions a second during the burst: the verification target
PER_HOST = 50
BLOG = "small"
NOOP = "/bench/reference/noop-post/"
TARGET_RECEIPT = 1.5
TARGET_VERIFIED = 100
TARGET_PAGE_RISE = 0.20
PADDING = "<p>" + "Some words about the post, to make the page a realistic size. " * 60 + "</p>"


# ---- the source farm (child process) -----------------------------------------------------------------
def page_for(n: int, target: str, base: str) -> tuple[int, bytes]:
    """Source n: a valid reply to target, or (every tenth) no link / 404 / a link to another page."""
    if n % 10 == 9 and (n // 10) % 3 == 1:
        return 404, b"Not found"
    link = target
    if n % 10 == 9:
        link = "" if (n // 10) % 3 == 0 else target.rsplit("/", 2)[0] + "/not-this-one/"
    reply = f'<a class="u-in-reply-to" href="{link}">in reply to</a>' if link else "<span>no link</span>"
    body = f"""<!doctype html><html><head><title>Reply {n}</title></head><body>
<article class="h-entry">{reply}
<div class="p-author h-card"><img class="u-photo" src="{base}/me.jpg" alt="">
<a class="p-name u-url" href="{base}/">Carol {n}</a></div>
<div class="e-content"><p>Great post, <b>thanks</b>! Reply number {n}.</p></div>
<time class="dt-published" datetime="2026-11-20T10:00:00+00:00">yesterday</time></article>
<footer>{PADDING}</footer></body></html>"""
    return 200, body.encode()


class Sources(asyncio.Protocol):
    targets: list[str] = []  # noqa: RUF012 - set once by source_farm_main

    def connection_made(self, transport) -> None:
        self.transport, self.buffer = transport, b""
        host, port = transport.get_extra_info("sockname")[:2]
        self.base = f"http://{host}:{port}"

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            path = head.split(b" ", 2)[1].decode()
            status, body = 404, b"Not found"
            if path.startswith("/s/"):
                n = int(path.rsplit("/", 1)[1])
                status, body = page_for(n, Sources.targets[n % len(Sources.targets)], self.base)
            reason = "OK" if status == 200 else "Not Found"
            self.transport.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )


def source_farm_main(config: str) -> None:
    data = json.loads(Path(config).read_text())
    Sources.targets = data["targets"]

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        servers = [await loop.create_server(Sources, h, data["port"], backlog=512) for h in data["hosts"]]
        Path(config + ".ready").write_text("ok")
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(serve())


# ---- clients -----------------------------------------------------------------------------------------
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def open_loop_post(port: int, host: str, path: str, bodies: list[str], rate: float) -> list[float]:
    """POST each body at a fixed rate, each timed (ms) from its intended send moment; all must be 202
    (the compiled client checks < 400, unless BENCH_CLIENT=python)."""
    if load.client() == "compiled":
        requests = [("POST", host, path, FORM, body) for body in bodies]
        run = load.openloop(port, requests, rate=rate, count=len(bodies))
        if run["errors"]:
            raise RuntimeError(f"POST {host}{path}: {run['errors']} failed, the first: {run['first_error']}")
        return run["samples"]
    local = threading.local()

    def one(i: int, intended: float) -> float:
        response, _ = load.request(local, port, "POST", host, path, FORM, bodies[i])
        if response.status != 202:
            raise RuntimeError(f"POST {host}{path} answered {response.status}")
        return (time.perf_counter() - intended) * 1000

    return load.open_loop_run(one, count=len(bodies), rate=rate).samples


def post_all(port: int, host: str, bodies: list[str], senders: int = 4) -> None:
    """POST every body as fast as the app takes them, `senders` at a time (closed loop)."""
    local = threading.local()

    def one(body: str) -> None:
        response, _ = load.request(local, port, "POST", host, "/webmention", FORM, body)
        if response.status != 202:
            raise RuntimeError(f"POST /webmention answered {response.status}")

    with ThreadPoolExecutor(max_workers=senders) as pool:
        list(pool.map(one, bodies))


def p99(samples: list[float]) -> float:
    return load.percentile(sorted(samples), 0.99)


# ---- the scenario ------------------------------------------------------------------------------------
class Farm:
    """The source farm: hosts 127.R.x.y on one port; `take(k)` hands out k new source URLs."""

    def __init__(self, ctx: dict, targets: list[str], total: int) -> None:
        net = random.randint(1, 254)
        count = -(-total // PER_HOST)
        self.hosts = [f"127.{net}.{1 + k // 250}.{1 + k % 250}" for k in range(count)]
        self.port, self.prefix, self.next = harness.free_port(), f"http://127.{net}.", 0
        config = Path(ctx["tmp"]) / "sources.json"
        config.write_text(json.dumps({"targets": targets, "hosts": self.hosts, "port": self.port}))
        args = [sys.executable, str(Path(__file__).resolve()), "--farm", str(config)]
        process = subprocess.Popen(harness.farm_command(args))  # noqa: S603
        deadline = time.monotonic() + 30
        while not Path(str(config) + ".ready").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the source farm did not start")
            time.sleep(0.05)
        ctx["servers"].append(harness.Server("source farm", self.port, process))
        self.targets = targets

    def take(self, k: int) -> list[str]:
        """k form bodies (source, target) with sources never used before in this run."""
        bodies = []
        for n in range(self.next, self.next + k):
            host = self.hosts[n // PER_HOST]
            source = f"http://{host}:{self.port}/s/{n}"
            target = self.targets[n % len(self.targets)]
            bodies.append(urllib.parse.urlencode({"source": source, "target": target}))
        self.next += k
        return bodies

    def pending(self) -> int:
        ours = f"source LIKE '{self.prefix}%'"
        sql = f"SELECT count(*) FROM webmention_received WHERE {ours} AND state = 'pending'"
        return int(harness.psql(sql, capture=True))

    def wait_drained(self, timeout: float = 600) -> float:
        """Seconds until no row of ours is pending (polled every 0.1 s)."""
        started = time.perf_counter()
        while self.pending():
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"{self.pending()} webmentions still pending after {timeout} s")
            time.sleep(0.1)
        return time.perf_counter() - started


def read_pages(port: int, host: str, paths: dict[str, str], args) -> dict[str, load.Latency]:
    """Each page (name → path) at --rate for --lat-seconds, all at the same time; returns name → latency."""
    with ThreadPoolExecutor(len(paths)) as pool:
        futures = {
            name: pool.submit(load.open_loop, port, host, path, rate=args.rate, duration=args.lat_seconds)
            for name, path in paths.items()
        }
        return {name: future.result() for name, future in futures.items()}


def read_pages_into(port: int, host: str, paths: dict[str, str], args, into: dict) -> None:
    """read_pages() in a thread beside a burst."""
    into.update(read_pages(port, host, paths, args))


def scenario_7(ctx: dict, args) -> dict:
    ctx["env"]["MICROHOST_ALLOW_PRIVATE_ADDRESSES"] = "1"  # the worker fetches loopback sources
    app, host = ctx["app"], f"{BLOG}.{harness.DOMAIN}"
    size = BURST if args.scale >= 1 else max(100, int(BURST * args.scale))
    receipt_count = max(50, int(args.rate * args.lat_seconds))
    targets = [f"http://{host}{harness.permalink_of(BLOG, i)}" for i in range(10)]
    pages = {"home": "/", "permalink": harness.permalink_of(BLOG, 0)}
    farm = Farm(ctx, targets, (size + 2 * receipt_count) * args.rounds + size + 20)
    harness.worker(ctx)
    post_all(app.port, host, farm.take(20))  # warm-up: connections, imports, the worker's first jobs
    farm.wait_drained()
    rows = []
    for _ in range(args.rounds):
        noop_bodies = [b.replace("%2Fs%2F", "%2Fnoop%2F") for b in farm.take(receipt_count)]
        noop = open_loop_post(app.port, harness.DOMAIN, NOOP, noop_bodies, args.rate)
        receipt = open_loop_post(app.port, host, "/webmention", farm.take(receipt_count), args.rate)
        farm.wait_drained()
        alone = read_pages(app.port, host, pages, args)
        bodies, during = farm.take(size), {}
        reader = threading.Thread(target=read_pages_into, args=(app.port, host, pages, args, during))
        started, cpu_before = time.perf_counter(), cpu_shares.snapshot()
        reader.start()
        in_burst = open_loop_post(app.port, host, "/webmention", bodies, BURST_RATE)
        sent = time.perf_counter() - started
        burst_cpu = cpu_shares.cores(cpu_before, cpu_shares.snapshot())  # the paced sending only
        drained = sent + farm.wait_drained()
        reader.join()
        row = {"noop": noop, "receipt": receipt, "alone": alone["home"].samples,
               "during": during["home"].samples, "alone_permalink": alone["permalink"].samples,
               "during_permalink": during["permalink"].samples, "in_burst": in_burst, "sent_seconds": sent,
               "verify_seconds": drained, "verified_per_s": size / drained,
               "burst_cpu": burst_cpu}  # fmt: skip
        rows.append(row)
        print(f"  receipt p99 {p99(receipt):.1f} ms vs no-op {p99(noop):.1f} ms; burst of {size} sent in "
              f"{sent:.1f} s, all verified after {drained:.1f} s ({row['verified_per_s']:.0f}/s);\n"
              f"    p99 alone / during: home {alone['home'].p99:.1f} / {during['home'].p99:.1f} ms, "
              f"permalink {alone['permalink'].p99:.1f} / {during['permalink'].p99:.1f} ms\n"
              f"    cores while the burst was sent: {cpu_shares.line(burst_cpu)}", flush=True)  # fmt: skip
    result = summarise(size, receipt_count, rows, farm)
    result["capacity"] = capacity(app.port, host, farm, size)
    return result


def capacity(port: int, host: str, farm: Farm, size: int) -> dict:
    """The worker's own rate: `size` webmentions queued as fast as the endpoint takes them (8 senders,
    closed loop), then timed until the last is verified. (At 100/s the paced burst can never show more
    than 100/s, only whether the worker keeps pace.)"""
    bodies = farm.take(size)
    started = time.perf_counter()
    post_all(port, host, bodies, senders=8)
    sent = time.perf_counter() - started
    verified = sent + farm.wait_drained()
    rate = size / verified
    print(f"  {size} queued in {sent:.1f} s, all verified after {verified:.1f} s: {rate:.0f}/s", flush=True)
    return {"sent_seconds": sent, "verify_seconds": verified, "verified_per_s": rate}


def summarise(size: int, receipt_count: int, rows: list[dict], farm: Farm) -> dict:
    med = statistics.median
    ours = f"source LIKE '{farm.prefix}%'"
    sql = f"SELECT state, count(*) FROM webmention_received WHERE {ours} GROUP BY state ORDER BY state"
    states = harness.psql(sql, capture=True)
    return {
        "burst": size,
        "receipt_count": receipt_count,
        "hosts": len(farm.hosts),
        "states": dict(line.split("|") for line in states.splitlines()),
        "rows": [
            {k: v for k, v in r.items() if not isinstance(v, list)}
            | {
                "noop_p99": p99(r["noop"]),
                "receipt_p99": p99(r["receipt"]),
                "alone_p99": p99(r["alone"]),
                "during_p99": p99(r["during"]),
                "alone_permalink_p99": p99(r["alone_permalink"]),
                "during_permalink_p99": p99(r["during_permalink"]),
                "noop_p50": med(r["noop"]),
                "receipt_p50": med(r["receipt"]),
                "burst_p99": p99(r["in_burst"]),
            }
            for r in rows
        ],  # fmt: skip
        "receipt_ratio": med(p99(r["receipt"]) / p99(r["noop"]) for r in rows),
        "verified_per_s": med(r["verified_per_s"] for r in rows),
        "page_rise": med(p99(r["during"]) / p99(r["alone"]) - 1 for r in rows),
        "permalink_rise": med(p99(r["during_permalink"]) / p99(r["alone_permalink"]) - 1 for r in rows),
    }


def table_7(result: dict, args) -> str:
    r, med = result, statistics.median
    rows = r["rows"]

    def m(key: str) -> float:
        return med(x[key] for x in rows)

    ok = {True: "yes", False: "no"}
    ratio, rise, plink = r["receipt_ratio"], r["page_rise"], r["permalink_rise"]
    lines = [
        f"Sources on {r['hosts']} loopback hosts; rows by state at the end: "
        + ", ".join(f"{k} {v}" for k, v in r["states"].items()) + ".",
        "",
        f"| measure (median of {len(rows)} alternating rounds) | value | reference | target |",
        "|---|---:|---:|---|",
        f"| receipt p50 / p99 ms, open loop at {args.rate:g}/s, {r['receipt_count']} POSTs a round "
        f"| {m('receipt_p50'):.1f} / {m('receipt_p99'):.1f} "
        f"| no-op POST {m('noop_p50'):.1f} / {m('noop_p99'):.1f} "
        f"| p99 ≤ {TARGET_RECEIPT} × reference: {ratio:.2f}× — {ok[ratio <= TARGET_RECEIPT]} |",
        f"| burst of {r['burst']:,} (10 % invalid) at {BURST_RATE:g}/s: sent in s / all verified after s "
        f"| {m('sent_seconds'):.1f} / {m('verify_seconds'):.1f} | | |",
        f"| receipt p99 ms during the burst | {m('burst_p99'):.1f} | | |",
        f"| the paced burst: verified per second (cannot exceed the {BURST_RATE:g}/s it is sent at) "
        f"| {r['verified_per_s']:.0f} | | |",
        *capacity_row(r),
        f"| blog home p99 ms during the burst | {m('during_p99'):.1f} | alone {m('alone_p99'):.1f} "
        f"| rise ≤ {TARGET_PAGE_RISE:.0%}: {rise:+.0%} — {ok[rise <= TARGET_PAGE_RISE]} |",
        f"| permalink of the first target (its replies grow through the run) p99 ms during the burst "
        f"| {m('during_permalink_p99'):.1f} | alone {m('alone_permalink_p99'):.1f} "
        f"| rise ≤ {TARGET_PAGE_RISE:.0%}: {plink:+.0%} — {ok[plink <= TARGET_PAGE_RISE]} |",
    ]  # fmt: skip
    cpu = cpu_shares.medians([x["burst_cpu"] for x in rows if x.get("burst_cpu")])
    if cpu:
        lines += ["", "Cores used while the burst was sent (median of the rounds; bench/cpu_shares.py): "
                  f"{cpu_shares.line(cpu)}, of 2."]  # fmt: skip
    return "\n".join(lines)


def capacity_row(r: dict) -> list[str]:
    cap = r.get("capacity")
    if not cap:
        return []
    ok = cap["verified_per_s"] >= TARGET_VERIFIED
    return [
        f"| {r['burst']:,} queued as fast as the endpoint takes them (8 senders): queued in s / all "
        f"verified after s | {cap['sent_seconds']:.1f} / {cap['verify_seconds']:.1f} | | |",
        f"| **verified per second, 2 worker slots** (that run) | {cap['verified_per_s']:.0f} | "
        f"| ≥ {TARGET_VERIFIED}: {'yes' if ok else 'no'} |",
    ]


def chart_7(result: dict, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
    xs = range(1, len(rows) + 1)
    panels = (
        ("receipt p99 (ms)", {"webmention": "receipt_p99", "no-op POST": "noop_p99"}, None),
        ("verified per second", {"burst": "verified_per_s"}, TARGET_VERIFIED),
        ("blog home p99 (ms)", {"during the burst": "during_p99", "alone": "alone_p99"}, None),
        ("permalink p99 (ms)", {"during the burst": "during_permalink_p99", "alone": "alone_permalink_p99"},
         None),
    )  # fmt: skip
    for ax, (title, series, target) in zip(axes, panels, strict=True):
        for label, key in series.items():
            ax.plot(xs, [r[key] for r in rows], "o-", label=label)
        if target:
            ax.axhline(target, linestyle="--", color="red", label=f"target {target}")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("round")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
    fig.suptitle(f"Scenario 7: bursts of {result['burst']:,} webmentions from loopback sources", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    if sys.argv[1] == "--farm":
        source_farm_main(sys.argv[2])
