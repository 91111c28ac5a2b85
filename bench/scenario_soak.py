"""Scenario 8, soak: public pages at half their maximum rate, alone and while polling and fan-out run.

1. The maximum: wrk over the page mix of scenario 3 (home, permalink, RSS, JSON Feed of the blogs of
   10 and 10,000 posts, each request to the next page), median of --rounds runs of --duration s.
2. Alone: the open-loop client (compiled, bench/openloop/) at half that rate (or lower: the highest
   rate, halving, at which the client itself sends 99 % of requests on time against nginx; a
   BENCH_CLIENT=python run is capped near 900 req/s this way) for SOAK_SECONDS, p50/p99 from each
   request's intended send moment.
3. Under load: the same again while (a) the real worker polls the feed farm of scenario 5 (every farm
   feed made due and the beat task sent again each time the sweep ends) and (b) the author of scenario 2
   with 10,000 followers (70 % active) publishes through Micropub every PUBLISH_EVERY seconds, each post
   fanned out by the worker. Then the time until the broker's queues are empty.
Alone and under load alternate --rounds // 2 + 1 times (at least 2); the medians are quoted. Targets
(issue 7): page p99 under load ≤ 1.5 × alone; queues drain within 60 s of the load stopping.
"""

# SQL here is built from the suite's own constants and numbers, never from outside input.
# ruff: noqa: S608

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time

import cpu_shares
import feed_farm
import harness
import load
import scenario_fanout
import scenario_polling

SOAK_SECONDS = 60
PUBLISH_EVERY = 2.0  # seconds between the 10k-follower author's posts during the soak
FOLLOWERS = 10_000
PAGES = ("home", "permalink", "rss", "json")
TARGET_P99 = 1.5
TARGET_DRAIN = 60.0
# The soak rate as a share of the wrk maximum: half, as issue 7 asks; BENCH_SOAK_SHARE=0.15 (say)
# shows where the target holds on this machine.
SHARE = float(os.environ.get("BENCH_SOAK_SHARE", "0.5"))
# A fixed soak rate instead (req/s), to compare two runs at the same load: the wrk maximum of 1 s runs
# drifts by a third between runs on this machine.
FIXED_RATE = float(os.environ.get("BENCH_SOAK_RATE", "0"))
# Which background load runs (to tell their effects apart): "poll", "publish" or both (the default).
BACKGROUND = os.environ.get("BENCH_SOAK_BACKGROUND", "poll,publish").split(",")


def _spread(values: list[float]) -> str:
    """min/median/max, or "-" when there are none."""
    return f"{min(values):.0f}/{statistics.median(values):.0f}/{max(values):.0f}" if values else "-"


def _only() -> str:
    """The report's " (only: publish)" when BENCH_SOAK_BACKGROUND left a background load out."""
    return "" if set(BACKGROUND) == {"poll", "publish"} else f" (only: {', '.join(BACKGROUND)})"


def page_mix(ctx: dict) -> list[tuple[str, str]]:
    return [(c.host, c.path) for c in ctx["cases"] if not c.custom and c.page in PAGES]


def start_farm(ctx: dict, feeds: int) -> str:
    ctx["env"]["MICROHOST_ALLOW_PRIVATE_ADDRESSES"] = "1"  # the worker fetches loopback feeds
    port = harness.free_port()
    script = str(feed_farm.SCRIPT)
    farm = subprocess.Popen(harness.farm_command([sys.executable, script, "--farm", str(port)]))  # noqa: S603
    harness.wait_for_port(port, farm)
    ctx["servers"].append(harness.Server("feed farm", port, farm))
    base = f"http://127.0.0.1:{port}"
    scenario_polling.insert_feeds(base, feeds)
    return base


class Background:
    """Polling and publishing in threads of this process until stop(); counts what each did."""

    def __init__(self, ctx: dict, helper: scenario_polling.Helper, base: str, token: str) -> None:
        self.ctx, self.helper, self.base, self.token = ctx, helper, base, token
        self.stopping = threading.Event()
        self.sweeps, self.posts, self.errors = 0, 0, []
        self.create_ms: list[float] = []  # each Micropub create's time to its 201
        self.threads = [threading.Thread(target=getattr(self, name)) for name in BACKGROUND]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise RuntimeError(f"background load failed: {self.errors[0]}")

    def poll(self) -> None:
        like = scenario_polling.farm_feeds(self.base)
        try:
            while not self.stopping.is_set():
                harness.psql(
                    f"UPDATE timeline_feed SET next_poll_at = now() - interval '1 second' WHERE {like}"
                )
                self.helper.ask("beat")
                self.sweeps += 1
                deadline = time.monotonic() + 30  # the next sweep once this one's feeds were all polled
                while not self.stopping.is_set() and time.monotonic() < deadline:
                    due = harness.psql(
                        f"SELECT count(*) FROM timeline_feed WHERE {like} AND next_poll_at <= now()",
                        capture=True,
                    )
                    if int(due) == 0:
                        break
                    time.sleep(0.5)
        except Exception as error:  # noqa: BLE001 - reported by stop()
            self.errors.append(error)

    def publish(self) -> None:
        try:
            while not self.stopping.wait(PUBLISH_EVERY):
                ms, _path, _at = scenario_fanout.create(self.ctx["app"].port, FOLLOWERS, self.token)
                self.create_ms.append(ms)
                self.posts += 1
        except Exception as error:  # noqa: BLE001 - reported by stop()
            self.errors.append(error)


def client_rate(ctx: dict, wanted: float) -> tuple[float, float]:
    """The soak rate: `wanted`, or the highest rate (halving from it) at which the open-loop client sends
    99 % of its requests on time against nginx (past that it measures itself). A rate gets two tries,
    so one stall of this shared machine does not halve the soak. Returns (rate, that ceiling)."""
    statics = [(c.host, c.static_path) for c in ctx["cases"] if not c.custom and c.page in PAGES]
    rate = wanted
    while rate > 50:
        for _ in range(2):
            probe = load.open_loop_many(ctx["nginx"].port, statics, rate=rate, duration=3, workers=64)
            if probe.late <= 0.01 * len(probe.samples):
                return rate, rate
        rate /= 2
    return rate, rate


def scenario_8(ctx: dict, args) -> dict:
    app, targets = ctx["app"], page_mix(ctx)
    seconds = SOAK_SECONDS if args.scale >= 1 else max(10, int(SOAK_SECONDS * max(args.scale, 0.25)))
    feeds = scenario_polling.FEEDS if args.scale >= 1 else max(500, int(scenario_polling.FEEDS * args.scale))
    for host, path in targets:  # warm the page cache
        load.get(app.port, host, path)
    maximum = statistics.median(
        load.wrk_rotating(app.port, targets, duration=args.duration) for _ in range(args.rounds)
    )
    rate, client_cap = client_rate(ctx, FIXED_RATE or maximum * SHARE)
    print(
        f"  page mix maximum {maximum:,.0f} req/s; {SHARE:.0%} is {maximum * SHARE:,.0f}, the "
        f"{load.client()} open-loop client keeps time up to {client_cap:,.0f} req/s → soak at "
        f"{rate:,.0f} req/s for {seconds} s",
        flush=True,
    )
    scenario_fanout.seed()
    token = scenario_fanout.mint(ctx["env"], scenario_fanout.author(FOLLOWERS))
    base = start_farm(ctx, feeds)
    harness.worker(ctx)
    helper = scenario_polling.Helper(ctx["env"])
    rounds = []
    try:
        scenario_fanout.drain(ctx["env"]["REDIS_URL"])
        for _ in range(max(2, args.rounds // 2 + 1)):
            before = cpu_shares.snapshot()
            alone = load.open_loop_many(app.port, targets, rate=rate, duration=seconds, workers=64)
            alone_cpu = cpu_shares.cores(before, cpu_shares.snapshot())
            background = Background(ctx, helper, base, token)
            background.start()
            try:
                before = cpu_shares.snapshot()
                loaded = load.open_loop_many(app.port, targets, rate=rate, duration=seconds, workers=64)
                loaded_cpu = cpu_shares.cores(before, cpu_shares.snapshot())
            finally:
                background.stop()
            drained = scenario_fanout.drain(ctx["env"]["REDIS_URL"], timeout=600)
            rounds.append(
                {
                    "alone": alone,
                    "loaded": loaded,
                    "alone_cpu": alone_cpu,
                    "loaded_cpu": loaded_cpu,
                    "drain": drained,
                    "sweeps": background.sweeps,
                    "posts": background.posts,
                    "create_ms": background.create_ms,
                }
            )
            print(
                f"  alone p50/p99 {alone.p50:.1f}/{alone.p99:.1f} ms (late {alone.late}); under load "
                f"{loaded.p50:.1f}/{loaded.p99:.1f} ms (late {loaded.late}); {background.sweeps} sweeps "
                f"started, {background.posts} posts to {FOLLOWERS:,} followers (201 after "
                f"{_spread(background.create_ms)} ms); queues empty "
                f"{drained:.1f} s after\n    cores alone: {cpu_shares.line(alone_cpu)}\n"
                f"    cores under load: {cpu_shares.line(loaded_cpu)}",
                flush=True,
            )
    finally:
        helper.stop()
    med = statistics.median
    return {
        "maximum": maximum,
        "rate": rate,
        "share": SHARE,
        "client_cap": client_cap,
        "client": load.client(),
        "seconds": seconds,
        "feeds": feeds,
        "rounds": rounds,
        "alone_p50": med(r["alone"].p50 for r in rounds),
        "alone_p99": med(r["alone"].p99 for r in rounds),
        "loaded_p50": med(r["loaded"].p50 for r in rounds),
        "loaded_p99": med(r["loaded"].p99 for r in rounds),
        "ratio": med(r["loaded"].p99 / r["alone"].p99 for r in rounds),
        "drain": max(r["drain"] for r in rounds),
    }


def table_8(result: dict, args) -> str:
    ratio, drain = result["ratio"], result["drain"]
    lines = [
        f"Page mix (home, permalink, RSS, JSON Feed of the 10- and 10,000-post blogs): wrk maximum "
        f"{result['maximum']:,.0f} req/s; {result.get('share', 0.5):.0%} of it, capped where the "
        f"{result['client']} open-loop client still sends 99 % on time against nginx "
        f"({result['client_cap']:,.0f} req/s): "
        f"{result['rate']:,.0f} req/s, open loop for {result['seconds']} s; "
        f"under load: {result['feeds']:,} farm feeds swept again and again by the worker, and a post to "
        f"{FOLLOWERS:,} followers every {PUBLISH_EVERY:.0f} s"
        f"{_only()}{'; the rate fixed by BENCH_SOAK_RATE' if FIXED_RATE else ''}. "
        f"{len(result['rounds'])} alternating rounds.",
        "",
        "| round | alone p50 / p99 ms | under load p50 / p99 ms | p99 ratio | sent late alone / under load "
        "| sweeps | posts (201 after min/median/max ms) | queues empty after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, r in enumerate(result["rounds"], 1):
        lines.append(
            f"| {n} | {r['alone'].p50:.1f} / {r['alone'].p99:.1f} "
            f"| {r['loaded'].p50:.1f} / {r['loaded'].p99:.1f} | {r['loaded'].p99 / r['alone'].p99:.2f} "
            f"| {late_share(r['alone'])} / {late_share(r['loaded'])} "
            f"| {r['sweeps']} | {r['posts']} ({_spread(r.get('create_ms', []))}) | {r['drain']:.1f} s |"
        )
    lines += ["", *cpu_table(result["rounds"])]
    lines += [
        "",
        f"**Median p99 under load ÷ alone: {ratio:.2f}** (target ≤ {TARGET_P99}: "
        f"{'met' if ratio <= TARGET_P99 else 'not met'}); slowest drain {drain:.1f} s "
        f"(target ≤ {TARGET_DRAIN:.0f} s: {'met' if drain <= TARGET_DRAIN else 'not met'}).",
    ]
    return "\n".join(lines)


def cpu_table(rounds: list[dict]) -> list[str]:
    """Cores each kind of process used (median over the rounds), alone and under load: how much of the
    machine the web kept when the background work ran (bench/cpu_shares.py)."""
    if not rounds or not rounds[0].get("loaded_cpu"):
        return []
    groups = sorted(
        {g for r in rounds for g in (*r["alone_cpu"], *r["loaded_cpu"])} - {"machine"},
        key=lambda g: -statistics.median(r["loaded_cpu"].get(g, 0.0) for r in rounds),
    )
    lines = [
        "Cores used during the measured stretch (median of the rounds; 2 cores in all; PostgreSQL "
        "backends told apart by the application_name the app and the worker set):",
        "",
        "| process | alone | under load |",
        "|---|---:|---:|",
    ]
    for group in [*groups, "machine"]:
        alone = statistics.median(r["alone_cpu"].get(group, 0.0) for r in rounds)
        loaded = statistics.median(r["loaded_cpu"].get(group, 0.0) for r in rounds)
        if group == "machine" or max(alone, loaded) >= 0.005:
            lines.append(f"| {group} | {alone:.2f} | {loaded:.2f} |")
    return lines


def late_share(lat: load.Latency) -> str:
    """The share of requests the client wrote more than 1 ms after their moment (its own lateness or
    every connection busy), which says how far the p99 can be trusted."""
    return f"{100 * lat.late / max(1, len(lat.samples)):.1f} %"


def chart_8(result: dict, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.2))
    for label, key in (("alone", "alone"), ("under load", "loaded")):
        samples = sorted(s for r in result["rounds"] for s in r[key].samples)
        ax.plot(samples, [i / len(samples) for i in range(len(samples))], label=label)
    ax.set_xscale("log")
    ax.set_xlabel("latency from the intended send moment (ms)")
    ax.set_ylabel("fraction of requests")
    ax.set_title(
        f"Scenario 8: page latency at {result['rate']:,.0f} req/s, alone and under load", fontsize=10
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
