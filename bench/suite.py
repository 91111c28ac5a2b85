"""The performance suite of issue 7: gunicorn against nginx serving the identical bytes, in the same run.

    make bench                                     # every scenario here, scale 1 (10k users, 1M posts)
    .venv/bin/python bench/suite.py --scale 0.1    # a smaller seed (1k users, 100k posts; the named
                                                   # blogs keep 10 and 10,000 posts)
    .venv/bin/python bench/suite.py --scenario 3   # one scenario alone
    .venv/bin/python bench/suite.py --reuse-db --keep-db --scenario 4   # skip seeding (after a --keep-db run)

Seeds a dedicated PostgreSQL database `bench` (never `test`/`test_*`), starts gunicorn (2 workers, DEBUG
off, Redis db 9) and nginx (2 workers, foreground, a config written here) on loopback ports, and:
  3. public pages (home, permalink, archive, RSS, Atom, JSON Feed) of blogs with 10 and 10,000 posts,
     by subdomain and custom domain: wrk throughput alternating app/nginx --rounds times (median ratio),
     then an open-loop client at --rate req/s for p50/p99;
  4. conditional GET (If-None-Match) of pages and feeds: the app's 304 vs nginx's 304 on the same file,
     and vs the app's own warm 200.
  1. the timeline page (1 and 5) of readers following 10, 100, 1k and 5k blogs vs the same page
     rendering 20 fixed items (bench/scenario_timeline.py; needs --scale ≥ 0.5 for 5k distinct follows).
Writes bench/results/scenario<N>.md and .png per scenario, and prints the tables.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import importlib  # noqa: E402

import cpu_shares  # noqa: E402
import harness  # noqa: E402
import scenario_pages  # noqa: E402  (main builds the page cases every scenario reads)
import seeding  # noqa: E402

RESULTS = harness.ROOT / "bench" / "results"


def write_charts(results: dict) -> list[Path]:
    written = []
    for number, result in results.items():
        draw = scenario_part(number, "chart")
        if draw is not None:
            path = RESULTS / f"scenario{number}.png"
            draw(result, path)
            written.append(path)
    return written


def header(args, counts: dict, seconds: float | None) -> str:
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=harness.ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    seeded = (
        f", seeded in {seconds:.0f} s" if seconds is not None else " (an earlier run's database, --reuse-db)"
    )
    scale = f"--scale {args.scale} → " if seconds is not None else ""
    return (
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on commit {rev}, {os.cpu_count()} cores, "
        f"load average before the run {os.getloadavg()[0]:.1f}.\n\n"
        f"Seed: {scale}{counts['accounts_user']:,} users, {counts['posts_post']:,} posts, "
        f"{counts['timeline_follow']:,} follows, {counts['timeline_feed']:,} external feeds{seeded}. "
        f"The app under {args.server} with 2 workers (DEBUG off, PostgreSQL + Redis on loopback, page cache "
        f"on) vs nginx 2 workers. "
        f"wrk -t2 -c8, {args.duration} s per measurement, {args.rounds} alternating rounds; "
        f"open-loop latency at {args.rate} req/s for {args.lat_seconds} s per side."
    )


# number → (module in bench/ defining scenario_<N>(ctx, args) and table_<N>(result, args), and may define
# chart_<N>(result, path) to draw its PNG; title). A module is imported only when its scenario runs.
SCENARIOS = {
    1: ("scenario_timeline", "timeline page vs the same page with 20 fixed items"),
    2: ("scenario_fanout", "a post fanned out to 10, 1k and 10k followers vs a set-based insert"),
    3: ("scenario_pages", "blog pages and feeds vs nginx"),
    4: ("scenario_pages", "conditional GET"),
    5: ("scenario_polling", "polling 10k loopback feeds vs a parse-free 304 loop"),
    6: ("scenario_micropub", "Micropub create at concurrency 4 vs a no-op POST"),
    7: ("scenario_webmention", "1,000 webmentions vs a no-op POST"),
    8: ("scenario_soak", "soak: pages at half their max while polling and fan-out run"),
}


def scenario_part(number: int, part: str):
    return getattr(importlib.import_module(SCENARIOS[number][0]), f"{part}_{number}", None)


def report(number: int, args, result: dict, head: str) -> str:
    """bench/results/scenario<N>.md: one file a scenario, so running one alone keeps the others' results."""
    title, table = SCENARIOS[number][1], scenario_part(number, "table")
    png = RESULTS / f"scenario{number}.png"
    chart = f"![scenario {number}](scenario{number}.png)\n\n" if png.exists() else ""
    return f"# Scenario {number}: {title}\n\n{head}\n\n{chart}{table(result, args)}\n"


# ---- main --------------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", type=int, action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--scale", type=float, default=1.0, help="× 10k users, 1M posts, 10k feeds")
    parser.add_argument("--duration", type=int, default=3, help="whole seconds per wrk measurement")
    parser.add_argument("--rounds", type=int, default=5, help="A/B alternations per case (≥ 5)")
    parser.add_argument("--rate", type=float, default=40.0, help="open-loop requests per second")
    parser.add_argument("--lat-seconds", type=float, default=5.0, help="open-loop seconds per side")
    parser.add_argument("--reuse-db", action="store_true", help="keep the existing `bench` database")
    parser.add_argument("--keep-db", action="store_true", help="do not drop `bench` at the end")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--server",
        choices=sorted(harness.SERVERS),
        default=harness.DEFAULT_SERVER,
        help="the app's WSGI server",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    harness.ensure_tools()
    global RESULTS
    RESULTS = args.results
    harness.DEFAULT_SERVER = args.server  # scenarios that start more app processes use the same server
    RESULTS.mkdir(parents=True, exist_ok=True)
    servers: list[harness.Server] = []
    with harness.temp_dir() as tmp:
        env = harness.app_env(tmp)
        try:
            seconds = None
            if not args.reuse_db:
                harness.recreate_database(env)
                print(f"seeding at scale {args.scale} with generate_series …", flush=True)
                seconds = seeding.seed(args.scale)
            counts = seeding.row_counts()
            head = header(args, counts, seconds)
            print(head, flush=True)
            servers.append(harness.start_app(env, server=args.server))
            cases = scenario_pages.build_cases()
            scenario_pages.publish_static(cases, servers[0], Path(tmp) / "www")
            servers.append(harness.start_nginx(tmp, str(Path(tmp) / "www")))
            ctx = {"app": servers[0], "nginx": servers[1], "cases": cases, "env": env, "servers": servers}
            ctx["tmp"] = tmp
            written = []
            for number in args.scenario or sorted(SCENARIOS):
                print(f"\nscenario {number}: {SCENARIOS[number][1]}", flush=True)
                counters = cpu_shares.cpu_counters()
                result = scenario_part(number, "scenario")(ctx, args)
                steal = cpu_shares.steal_line(counters, cpu_shares.cpu_counters())
                # Written as each scenario ends, so a later one failing loses nothing measured.
                written += write_charts({number: result})
                text = report(number, args, result, f"{head}\n\n{steal}")
                (RESULTS / f"scenario{number}.md").write_text(text)
                written.append(RESULTS / f"scenario{number}.md")
                print("\n" + text, flush=True)
        finally:
            for server in reversed(servers):
                server.stop()
            if not args.keep_db:
                harness.drop_database()
    print("written: " + ", ".join(str(p) for p in written))


if __name__ == "__main__":
    main()
