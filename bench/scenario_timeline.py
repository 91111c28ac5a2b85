"""Scenario 1: the timeline page (1 and 5) of readers following 10, 100, 1k and 5k blogs.

Reference in the same run: /bench/reference/timeline/ (bench/bench_urls.py), the same template, login
and middleware rendering 20 fixed items with no timeline query. Latency only (the targets are p99s):
app and reference alternate --rounds times, each an open-loop run of --lat-seconds at --rate; p50 and
p99 are over the pooled samples of all rounds.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess

import comparing
import harness
import load

SIZES = (10, 100, 1000, 5000)
REFERENCE = "/bench/reference/timeline/"
NEXT = re.compile(r'href="\?before=([^"]+)"')


def readers(env: dict) -> tuple[str, dict[int, str], dict[int, int]]:
    """Create the readers in the app's environment: session cookie name, keys and real follows by size."""
    out = subprocess.run(  # noqa: S603
        [str(harness.VENV_BIN / "python"), "bench/timeline_setup.py", *map(str, SIZES)],
        cwd=harness.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    follows = {int(k): v for k, v in data["follows"].items()}
    return data["cookie"], {int(k): v for k, v in data["sessions"].items()}, follows


def page_paths(port: int, cookie: dict) -> dict[int, str]:
    """Page 1 and, following the "Older" links, page 5 (when the timeline is that long)."""
    paths, path = {1: "/timeline/"}, "/timeline/"
    for _ in range(2, 6):
        status, _headers, body = load.get(port, harness.DOMAIN, path, cookie)
        if status != 200:
            raise RuntimeError(f"{path} answered {status} (not logged in?)")
        found = NEXT.search(body.decode())
        if not found:
            return paths
        path = "/timeline/?before=" + found.group(1).replace("&amp;", "&")
    paths[5] = path
    return paths


def scenario_1(ctx: dict, args) -> dict:
    app = ctx["app"]
    name, sessions, follows = readers(ctx["env"])
    rows = []
    for size, key in sessions.items():
        cookie = {"Cookie": f"{name}={key}"}
        for page, path in page_paths(app.port, cookie).items():
            samples: dict[str, list[float]] = {"app": [], "reference": []}
            p99s: dict[str, list[float]] = {"app": [], "reference": []}
            for _ in range(args.rounds):
                for side, target in (("app", path), ("reference", REFERENCE)):
                    lat = load.open_loop(
                        app.port,
                        harness.DOMAIN,
                        target,
                        rate=args.rate,
                        duration=args.lat_seconds,
                        headers=cookie,
                    )
                    samples[side] += lat.samples
                    p99s[side].append(lat.p99)
            row = {"follows": size, "real": follows[size], "page": page}
            for side, values in samples.items():
                values.sort()
                row[side] = (values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.99))])
            row["ratio"] = statistics.median(
                a / b for a, b in zip(p99s["app"], p99s["reference"], strict=True)
            )
            rows.append(row)
            print(
                f"  {size:,} follows, page {page}: p50/p99 {row['app'][0]:.1f}/{row['app'][1]:.1f} ms, "
                f"reference {row['reference'][0]:.1f}/{row['reference'][1]:.1f} ms, "
                f"p99 ratio {row['ratio']:.2f}",
                flush=True,
            )
    return {"rows": rows}


def table_1(result: dict, args) -> str:
    rows = result["rows"]
    lines = [
        f"| follows | page | app p50 / p99 ms | reference p50 / p99 ms | app p99 ÷ reference p99 "
        f"(median of {args.rounds}) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        short = "" if r["real"] >= r["follows"] else f" (only {r['real']:,}: seed too small)"
        lines.append(
            f"| {r['follows']:,}{short} | {r['page']} | {r['app'][0]:.1f} / {r['app'][1]:.1f} "
            f"| {r['reference'][0]:.1f} / {r['reference'][1]:.1f} | {r['ratio']:.2f} |"
        )
    for page in (1, 5):
        by_size = {r["follows"]: r["app"][1] for r in rows if r["page"] == page}
        if SIZES[0] in by_size and SIZES[-1] in by_size:
            lines.append(
                f"\nPage {page}: p99 at {SIZES[-1]:,} follows = {by_size[SIZES[-1]] / by_size[SIZES[0]]:.2f}"
                f"× p99 at {SIZES[0]} (target ≤ 1.2); app p99 ≤ 2 × reference is the other target."
            )
    return "\n".join(lines)


def chart_1(result: dict, path) -> None:
    rows = result["rows"]
    comparing.bar_chart(
        path,
        "Scenario 1: timeline p99 (ms), app vs the same page with 20 fixed items",
        [f"{r['follows']:,} follows · page {r['page']}" for r in rows],
        {"app p99": [r["app"][1] for r in rows], "reference p99": [r["reference"][1] for r in rows]},
        {},
        log=False,
    )
