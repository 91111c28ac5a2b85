"""Scenario 5: polling 10,000 loopback feeds with the real Celery worker vs a parse-free 304 loop.

A feed farm (bench/feed_farm.py: an asyncio HTTP server in a child process, keep-alive, no threads)
serves 10,000 feeds (× --scale when < 1) at http://127.88.x.y:<port>/f/<n> — spread over FARM_HOSTS
loopback addresses, as feeds live on many hosts and the poller fetches at most TIMELINE_POLL_PER_HOST
at once from one host — the kind chosen by n % 50:
  0-32 (66 %) answer 304 to their ETag;  33-37 (10 %) the same body without validators (hash-skipped);
  38-47 (20 %) a changed body on every request (a new entry each poll, parsed, stored, fanned out);
  48 (2 %) slow: 304 after SLOW_SECONDS (under the fetcher's 15 s deadline);
  49 (2 %) failing: HTTP 500, or the connection reset (odd hundreds).
A control URL turns the slow/failing 4 % into plain fast 304 feeds, for the "without slow hosts" sweep.

Feed rows (and one follow each) are inserted with server-side SQL. A sweep = every farm feed made due,
then `timeline.poll_due_feeds` (the beat task) sent by a helper process in the app's environment, again
each time it claimed a full batch, and again whenever no feed was polled for STALL_SECONDS with some
left (a beat that keeps up, instead of waiting for the next minute), the polls run by the run's real
worker (harness.worker: prefork, concurrency 2); it ends when every farm feed has a `last_polled_at`
after the start. The farm's own ceiling (wrk on a 304, kept alive and a connection a request) is
reported beside it: it must be far above the polling rate. Measured per round (A/B, --rounds, medians):
  sweep with the 4 % slow/failing · sweep without them · the reference: the same process's fetcher
  (microhost.fetch) doing conditional GETs of 304 feeds in a loop, no parsing, no database.
polls/hour/core = polls ÷ CPU seconds of the worker's processes (master + children) × 3600.
"""

# SQL here is built from the suite's own constants and numbers, never from outside input.
# ruff: noqa: S608

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import feed_farm
import harness  # bench/ is on sys.path: the suite puts it there, and it is a script's own folder
import load

FEEDS = 10_000
TARGET_PER_HOUR = 300_000
TARGET_SWEEP_SECONDS = 300
TARGET_SLOW_COST = 0.10
SWEEP_TIMEOUT = 1800
STALL_SECONDS = 6  # no feed polled for this long (longer than a slow host) and some left: beat again


# ---- the helper in the app's environment (child process) --------------------------------------------
def helper_main() -> None:
    """Reads commands on stdin: `beat` (trigger poll_due_feeds until a sweep is claimed) and
    `ref <base> <seconds>` (the parse-free 304 loop); answers one JSON line each."""
    import django

    django.setup()
    from microhost.fetch import fetch
    from timeline import conf
    from timeline.polling import ACCEPT
    from timeline.tasks import poll_due_feeds

    for line in sys.stdin:
        cmd, *rest = line.split()
        if cmd == "beat":
            claimed, ticks = 0, 0
            while True:
                count = poll_due_feeds.delay().get(timeout=SWEEP_TIMEOUT)
                claimed, ticks = claimed + count, ticks + 1
                if count < conf.poll_batch():
                    break
            print(json.dumps({"claimed": claimed, "ticks": ticks}), flush=True)
        elif cmd == "ref":
            base, seconds, feeds = rest[0], float(rest[1]), int(rest[2])
            numbers = [n for n in range(feeds) if feed_farm.kind_of(n) == "304"]
            count, cpu, wall = 0, time.process_time(), time.perf_counter()
            while time.perf_counter() - wall < seconds:
                n = numbers[count % len(numbers)]
                response = fetch(f"{base}/f/{n}", headers={"Accept": ACCEPT, "If-None-Match": f'"v{n}"'})
                if response.status_code != 304:
                    raise RuntimeError(f"reference fetch got {response.status_code}")
                count += 1
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(json.dumps({"count": count, "cpu": cpu, "wall": wall}), flush=True)


# ---- measuring (the suite's process) -----------------------------------------------------------------
def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its living descendants, from /proc."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(process_cpu(int(child)) for child in children)


class Helper:
    def __init__(self, env: dict) -> None:
        args = [str(harness.VENV_BIN / "python"), str(Path(__file__).resolve()), "--helper"]
        self.process = subprocess.Popen(  # noqa: S603
            args, cwd=harness.ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def ask(self, line: str) -> dict:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise RuntimeError(f"the helper died on {line!r}")
        return json.loads(answer)

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


def insert_feeds(base: str, feeds: int) -> None:
    """The farm's feeds, each followed by one seeded user; older farms' rows are never polled again."""
    harness.psql(r"UPDATE timeline_feed SET next_poll_at = NULL WHERE url ~ '^http://127\.[0-9.]+:[0-9]+/f/'")
    port, hosts = base.rsplit(":", 1)[1], feed_farm.FARM_HOSTS
    harness.psql(
        f"""INSERT INTO timeline_feed (url, final_url, format, title, site_url, etag, last_modified,
            body_hash, state, error_count, last_error, last_warning, interval, next_poll_at, websub_hub,
            websub_topic, websub_secret, created_at)
            SELECT 'http://127.88.' || (1 + (g % {hosts}) / 250) || '.' || (1 + (g % {hosts}) % 250)
                   || ':{port}/f/' || g, '', '', '', '', '', '', '', 'ok', 0, '', '', 3600,
            now() + interval '100 years', '', '', '', now()
            FROM generate_series(0, {feeds - 1}) g"""
    )
    harness.psql(
        f"""INSERT INTO timeline_follow (user_id, feed_id, channel, created_at)
            SELECT u.min + (f.id % LEAST(1000, u.count)), f.id, 'default', now()
            FROM timeline_feed f, (SELECT min(id) AS min, count(*) AS count FROM accounts_user) u
            WHERE f.{farm_feeds(base)} ON CONFLICT DO NOTHING"""
    )


def farm_feeds(base: str) -> str:
    """SQL: the feeds of the farm at `base` (its port is the run's own)."""
    return f"url LIKE 'http://127.88.%:{base.rsplit(':', 1)[1]}/f/%'"


def sweep(ctx: dict, helper: Helper, base: str, feeds: int) -> dict:
    """Make every farm feed due, trigger the beat task, wait until each was polled once."""
    like = farm_feeds(base)
    started = harness.psql(
        f"UPDATE timeline_feed SET next_poll_at = now() - interval '1 second' WHERE {like}; "
        "SELECT extract(epoch FROM now())",
        capture=True,
    )
    cpu = process_cpu(ctx["celery"].process.pid)
    wall = time.perf_counter()
    ticks, done, progress = helper.ask("beat")["ticks"], 0, time.perf_counter()
    while time.perf_counter() - wall < SWEEP_TIMEOUT:
        count = int(harness.psql(f"SELECT count(*) FROM timeline_feed WHERE {like} AND "
                                 f"last_polled_at >= to_timestamp({started})", capture=True))  # fmt: skip
        if count >= feeds:
            break
        if count > done:
            done, progress = count, time.perf_counter()
        elif time.perf_counter() - progress > STALL_SECONDS:  # the jobs ended with feeds left: next beat
            ticks, progress = ticks + helper.ask("beat")["ticks"], time.perf_counter()
        time.sleep(0.25)
    else:
        raise RuntimeError(f"sweep did not finish in {SWEEP_TIMEOUT} s ({done} of {feeds} polled)")
    last_sql = f"SELECT extract(epoch FROM max(last_polled_at)) FROM timeline_feed WHERE {like}"
    last = float(harness.psql(last_sql, capture=True))
    cpu = process_cpu(ctx["celery"].process.pid) - cpu
    seconds = last - float(started)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "polls": feeds,
        "ticks": ticks,
        "per_hour_core": feeds / cpu * 3600,
        "per_hour_wall_core": feeds / seconds * 3600 / 2,
    }


def farm_ceiling(port: int, duration: int) -> dict:
    """The farm's own ceiling on a 304, kept-alive and with a new connection a request (as each poll)."""
    etag = '"v0"'
    alive = load.wrk(port, "127.0.0.1", "/f/0", duration=duration, headers=[f"If-None-Match: {etag}"])
    fresh = load.wrk(
        port, "127.0.0.1", "/f/0", duration=duration, headers=[f"If-None-Match: {etag}", "Connection: close"]
    )
    return {"keepalive": alive, "close": fresh}


def scenario_5(ctx: dict, args) -> dict:
    feeds = FEEDS if args.scale >= 1 else max(500, int(FEEDS * args.scale))
    ctx["env"]["MICROHOST_ALLOW_PRIVATE_ADDRESSES"] = "1"  # the worker fetches loopback feeds
    port = harness.free_port()
    command = harness.farm_command([sys.executable, str(feed_farm.SCRIPT), "--farm", str(port)])
    farm = subprocess.Popen(command)  # noqa: S603
    harness.wait_for_port(port, farm)
    ctx["servers"].append(harness.Server("feed farm", port, farm))
    base = f"http://127.0.0.1:{port}"
    ceiling = farm_ceiling(port, args.duration)
    print(f"  farm ceiling: {ceiling['keepalive']:,.0f} 304/s kept alive, {ceiling['close']:,.0f} 304/s "
          "with a connection each", flush=True)  # fmt: skip
    insert_feeds(base, feeds)
    harness.worker(ctx)
    helper = Helper(ctx["env"])
    try:
        first = sweep(ctx, helper, base, feeds)  # every feed is new: all parsed, validators stored
        print(f"  first sweep (all new): {first['seconds']:.1f} s", flush=True)
        rounds: dict[str, list[dict]] = {"with slow": [], "without slow": [], "reference": []}
        for _ in range(args.rounds):
            feed_farm.set_slow(port, True)
            rounds["with slow"].append(sweep(ctx, helper, base, feeds))
            feed_farm.set_slow(port, False)
            rounds["without slow"].append(sweep(ctx, helper, base, feeds))
            rounds["reference"].append(helper.ask(f"ref {base} {max(2, args.duration)} {feeds}"))
            w, wo, r = (rounds[k][-1] for k in rounds)
            print(f"  sweep {w['seconds']:.1f} s with slow, {wo['seconds']:.1f} s without; "
                  f"{w['per_hour_core']:,.0f} / {wo['per_hour_core']:,.0f} polls/h/core; "
                  f"reference {r['count'] / r['cpu'] * 3600:,.0f} fetches/h/core", flush=True)  # fmt: skip
        feed_farm.set_slow(port, True)
    finally:
        helper.stop()
    return summarise(feeds, ceiling, first, rounds)


def summarise(feeds: int, ceiling: dict, first: dict, rounds: dict) -> dict:
    med = statistics.median
    ref = [r["count"] / r["cpu"] * 3600 for r in rounds["reference"]]
    with_slow, without = rounds["with slow"], rounds["without slow"]
    return {
        "feeds": feeds,
        "ceiling": ceiling,
        "first": first,
        "rounds": rounds,
        "sweep_with": med(r["seconds"] for r in with_slow),
        "sweep_without": med(r["seconds"] for r in without),
        "per_hour_core": med(r["per_hour_core"] for r in with_slow),
        "per_hour_core_without": med(r["per_hour_core"] for r in without),
        "per_hour_wall_core": med(r["per_hour_wall_core"] for r in with_slow),
        "reference": med(ref),
        "ratio": med(r["per_hour_core"] / x for r, x in zip(with_slow, ref, strict=True)),
        "slow_cost": med(a["seconds"] / b["seconds"] - 1 for a, b in zip(with_slow, without, strict=True)),
    }


def table_5(result: dict, args) -> str:
    r = result
    sweep_10k = r["sweep_with"] * FEEDS / r["feeds"]
    rows = [
        ("feeds a sweep (66 % 304, 10 % same body, 20 % changed, 4 % slow/failing)", f"{r['feeds']:,}", ""),
        ("farm ceiling (304, kept alive / a connection each)",
         f"{r['ceiling']['keepalive']:,.0f} / {r['ceiling']['close']:,.0f} req/s", ""),
        ("first sweep (every feed new: all parsed)", f"{r['first']['seconds']:.1f} s", ""),
        ("full sweep, with the slow/failing 4 %", f"{r['sweep_with']:.1f} s"
         + (f" (≈ {sweep_10k:.0f} s for 10,000)" if r["feeds"] != FEEDS else ""),
         f"≤ {TARGET_SWEEP_SECONDS} s: {'yes' if sweep_10k <= TARGET_SWEEP_SECONDS else 'no'}"),
        ("full sweep, the 4 % answering a fast 304 instead", f"{r['sweep_without']:.1f} s", ""),
        ("slow-host cost (sweep with ÷ without − 1)", f"{r['slow_cost']:+.0%}",
         f"≤ {TARGET_SLOW_COST:.0%}: {'yes' if r['slow_cost'] <= TARGET_SLOW_COST else 'no'}"),
        ("polls/hour/core (worker CPU), with slow", f"{r['per_hour_core']:,.0f}",
         f"≥ {TARGET_PER_HOUR:,}: {'yes' if r['per_hour_core'] >= TARGET_PER_HOUR else 'no'}"),
        ("polls/hour/core (worker CPU), without slow", f"{r['per_hour_core_without']:,.0f}", ""),
        ("polls/hour per worker slot (wall clock), with slow", f"{r['per_hour_wall_core']:,.0f}", ""),
        ("reference: parse-free 304 loop, fetches/hour/core", f"{r['reference']:,.0f}", ""),
        ("polls ÷ reference (per CPU second)", f"{r['ratio']:.2f}", ""),
    ]  # fmt: skip
    lines = [f"| measure (median of {args.rounds} alternating rounds) | value | target |", "|---|---:|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def chart_5(result: dict, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    names = ["polls/h/core\nwith slow", "polls/h/core\nwithout slow", "reference\n304 loop"]
    values = [result["per_hour_core"], result["per_hour_core_without"], result["reference"]]
    left.bar(names, values, color=["tab:blue", "tab:cyan", "tab:grey"])
    left.axhline(TARGET_PER_HOUR, linestyle="--", color="red")
    left.text(0, TARGET_PER_HOUR, f" target {TARGET_PER_HOUR:,}", fontsize=8, color="red", va="bottom")
    left.set_yscale("log")
    left.set_title("per CPU core of the worker (median)", fontsize=10)
    rounds = result["rounds"]
    xs = range(1, len(rounds["with slow"]) + 1)
    right.plot(xs, [r["seconds"] for r in rounds["with slow"]], "o-", label="with 4 % slow/failing")
    right.plot(xs, [r["seconds"] for r in rounds["without slow"]], "s-", label="without")
    right.set_xlabel("round")
    right.set_ylabel("sweep seconds")
    right.set_title(f"full sweep of {result['feeds']:,} feeds, 2 worker slots", fontsize=10)
    right.legend(fontsize=8)
    fig.suptitle("Scenario 5: polling loopback feeds with the real Celery worker", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    if sys.argv[1] == "--helper":
        helper_main()
