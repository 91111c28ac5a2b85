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
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import importlib  # noqa: E402

import harness  # noqa: E402

RESULTS = harness.ROOT / "bench" / "results"
PAGES = {  # name → (path or None for the permalink, file extension nginx serves it with)
    "home": ("/", "html"),
    "permalink": (None, "html"),
    "archive": ("/archive/", "html"),
    "rss": ("/feed.xml", "xml"),
    "atom": ("/feed.atom", "atom"),
    "json": ("/feed.json", "json"),
}
CONDITIONAL_PAGES = ("home", "permalink", "rss", "json")


@dataclass
class Case:
    """One URL of one blog, and where nginx serves the same bytes."""

    blog: str
    posts: int
    custom: bool
    page: str
    host: str
    path: str
    static_path: str = ""

    @property
    def label(self) -> str:
        return f"{self.page} · {self.posts:,} posts · {'custom domain' if self.custom else 'subdomain'}"


def build_cases() -> list[Case]:
    cases = []
    for username, posts, custom in harness.NAMED_BLOGS:
        host = custom or f"{username}.{harness.DOMAIN}"
        permalink = harness.permalink_of(username, posts // 2)
        for page, (path, _ext) in PAGES.items():
            cases.append(Case(username, posts, bool(custom), page, host, path or permalink))
    return cases


def publish_static(cases: list[Case], app: harness.Server, docroot: Path) -> None:
    """Fetch each page's bytes once from the app and write them where nginx serves them."""
    docroot.mkdir(parents=True, exist_ok=True)
    for case in cases:
        status, _headers, body = harness.get(app.port, case.host, case.path)
        if status != 200:
            raise RuntimeError(f"{case.host}{case.path} answered {status}")
        name = f"{case.blog}-{case.page}.{PAGES[case.page][1]}"
        (docroot / name).write_bytes(body)
        case.static_path = f"/{name}"


def alternate(runs: dict, rounds: int) -> dict[str, list[float]]:
    """Run each named measurement once per round, in turn (A/B/A/B…), so drift hits all sides alike."""
    results = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            results[name].append(run())
    return results


def median_ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


# ---- scenario 3 --------------------------------------------------------------------------------------
def uncached_app(ctx: dict) -> harness.Server:
    """A second gunicorn, identical but with the page cache off: every request renders ("cold")."""
    if "uncached" not in ctx:
        env = dict(ctx["env"], MICROHOST_PAGE_CACHE="0")
        ctx["uncached"] = harness.start_app(env)
        ctx["servers"].append(ctx["uncached"])
    return ctx["uncached"]


def scenario_3(ctx: dict, args) -> dict:
    app, nginx, cases = ctx["app"], ctx["nginx"], ctx["cases"]
    cold = uncached_app(ctx)
    rows = []
    for case in cases:
        for _ in range(20):  # warm both sides (connections, PostgreSQL buffers, template caches)
            harness.get(app.port, case.host, case.path)
        runs = {
            "app": lambda c=case: harness.wrk(app.port, c.host, c.path, duration=args.duration),
            "nginx": lambda c=case: harness.wrk(nginx.port, c.host, c.static_path, duration=args.duration),
        }
        if not case.custom:  # every request rendered; the custom-domain twin would only repeat it
            runs["app uncached"] = lambda c=case: harness.wrk(
                cold.port, c.host, c.path, duration=args.duration
            )
        rps = alternate(runs, args.rounds)
        lat_app = harness.open_loop(app.port, case.host, case.path, rate=args.rate, duration=args.lat_seconds)
        lat_ngx = harness.open_loop(
            nginx.port, case.host, case.static_path, rate=args.rate, duration=args.lat_seconds
        )
        row = {
            "case": case,
            "app_rps": statistics.median(rps["app"]),
            "nginx_rps": statistics.median(rps["nginx"]),
            "ratio": median_ratio(rps["app"], rps["nginx"]),
            "cold_rps": statistics.median(rps["app uncached"]) if "app uncached" in rps else None,
            "cold_ratio": median_ratio(rps["app uncached"], rps["nginx"]) if "app uncached" in rps else None,
            "lat_app": lat_app,
            "lat_nginx": lat_ngx,
        }
        rows.append(row)
        cold_text = f", uncached {row['cold_rps']:.0f}/s ({row['cold_ratio']:.4f})" if row["cold_rps"] else ""
        print(
            f"  {case.label}: app {row['app_rps']:.0f}/s, nginx {row['nginx_rps']:.0f}/s, "
            f"ratio {row['ratio']:.3f}{cold_text}; p99 {lat_app.p99:.1f} vs {lat_ngx.p99:.1f} ms",
            flush=True,
        )
    return {"rows": rows, "blogs": blogs_axis(ctx, args)}


def blogs_axis(ctx: dict, args) -> list[dict]:
    """Home pages rotated over 10 blogs and over every seeded blog (10,000 at scale 1), app vs nginx.

    Warm: the cached app after one fetch of each home (which also gives nginx its files); cold: the
    uncached app, where every request renders. Flat means the platform's size does not show."""
    count = int(harness.psql("SELECT count(*) FROM accounts_blog WHERE subdomain LIKE 'u%'", capture=True))
    names = [f"u{n}" for n in range(1, count + 1)]
    docroot = Path(ctx["tmp"]) / "www" / "blogs"
    docroot.mkdir(parents=True, exist_ok=True)
    app, nginx, cold = ctx["app"], ctx["nginx"], uncached_app(ctx)

    def publish(name: str) -> None:
        status, _headers, body = harness.get(app.port, f"{name}.{harness.DOMAIN}", "/")
        if status != 200:
            raise RuntimeError(f"{name}: home answered {status}")
        (docroot / f"{name}.html").write_bytes(body)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(publish, names))
    print(f"  fetched {count:,} blog homes in {time.perf_counter() - started:.0f} s", flush=True)
    rows = []
    for size in (10, count):
        app_targets = [(f"{name}.{harness.DOMAIN}", "/") for name in names[:size]]
        ngx_targets = [("static", f"/blogs/{name}.html") for name in names[:size]]
        runs = {
            "app": lambda t=app_targets: harness.wrk_rotating(app.port, t, duration=args.duration),
            "app uncached": lambda t=app_targets: harness.wrk_rotating(cold.port, t, duration=args.duration),
            "nginx": lambda t=ngx_targets: harness.wrk_rotating(nginx.port, t, duration=args.duration),
        }
        rps = alternate(runs, args.rounds)
        row = {name: statistics.median(values) for name, values in rps.items()}
        row.update(
            blogs=size,
            ratio=median_ratio(rps["app"], rps["nginx"]),
            cold_ratio=median_ratio(rps["app uncached"], rps["nginx"]),
        )
        rows.append(row)
        print(
            f"  home over {size:,} blogs: app {row['app']:.0f}/s ({row['ratio']:.3f} of nginx), "
            f"uncached {row['app uncached']:.0f}/s ({row['cold_ratio']:.4f}), nginx {row['nginx']:.0f}/s",
            flush=True,
        )
    return rows


def table_3(result: dict, args) -> str:
    lines = [
        f"| page | posts | host | app req/s | nginx req/s | app ÷ nginx, warm (median of {args.rounds}) "
        f"| uncached app req/s | uncached ÷ nginx (cold) | app p50 / p99 ms | nginx p50 / p99 ms |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        c, la, ln = row["case"], row["lat_app"], row["lat_nginx"]
        cold = (
            f"{row['cold_rps']:,.0f} | {row['cold_ratio']:.4f} (1/{1 / row['cold_ratio']:.0f})"
            if row["cold_rps"]
            else "– | –"
        )
        lines.append(
            f"| {c.page} | {c.posts:,} | {'custom' if c.custom else 'subdomain'} | {row['app_rps']:,.0f} "
            f"| {row['nginx_rps']:,.0f} | {row['ratio']:.3f} (1/{1 / row['ratio']:.1f}) | {cold} "
            f"| {la.p50:.1f} / {la.p99:.1f} | {ln.p50:.1f} / {ln.p99:.1f} |"
        )
    if result.get("blogs"):
        lines += [
            "",
            "Home pages rotated over 10 blogs and over every seeded blog (each request to the next blog):",
            "",
            "| blogs | app req/s | nginx req/s | app ÷ nginx, warm | uncached req/s "
            "| uncached ÷ nginx (cold) |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for row in result["blogs"]:
            lines.append(
                f"| {row['blogs']:,} | {row['app']:,.0f} | {row['nginx']:,.0f} "
                f"| {row['ratio']:.3f} (1/{1 / row['ratio']:.1f}) | {row['app uncached']:,.0f} "
                f"| {row['cold_ratio']:.4f} (1/{1 / row['cold_ratio']:.0f}) |"
            )
    return "\n".join(lines)


# ---- scenario 4 --------------------------------------------------------------------------------------
def etag_of(port: int, host: str, path: str) -> str:
    status, headers, _ = harness.get(port, host, path)
    etag = {name.lower(): value for name, value in headers.items()}.get("etag")  # granian sends "etag"
    if status != 200 or not etag:
        raise RuntimeError(f"{host}{path}: status {status}, ETag {etag!r}")
    if harness.get(port, host, path, {"If-None-Match": etag})[0] != 304:
        raise RuntimeError(f"{host}{path} does not answer 304 to its own ETag")
    return etag


def scenario_4(ctx: dict, args) -> dict:
    app, nginx = ctx["app"], ctx["nginx"]
    rows = []
    for case in ctx["cases"]:
        if case.custom or case.page not in CONDITIONAL_PAGES:
            continue
        app_tag = etag_of(app.port, case.host, case.path)
        ngx_tag = etag_of(nginx.port, case.host, case.static_path)
        runs = {
            "app 304": lambda c=case, t=app_tag: harness.wrk(
                app.port, c.host, c.path, duration=args.duration, headers=[f"If-None-Match: {t}"]
            ),
            "nginx 304": lambda c=case, t=ngx_tag: harness.wrk(
                nginx.port, c.host, c.static_path, duration=args.duration, headers=[f"If-None-Match: {t}"]
            ),
            "app 200": lambda c=case: harness.wrk(app.port, c.host, c.path, duration=args.duration),
        }
        rps = alternate(runs, args.rounds)
        row = {name: statistics.median(values) for name, values in rps.items()}
        row.update(
            case=case,
            vs_nginx=median_ratio(rps["app 304"], rps["nginx 304"]),
            vs_200=median_ratio(rps["app 304"], rps["app 200"]),
        )
        rows.append(row)
        print(
            f"  {case.label}: app 304 {row['app 304']:.0f}/s, nginx 304 {row['nginx 304']:.0f}/s "
            f"({row['vs_nginx']:.3f}), app 200 {row['app 200']:.0f}/s (304 = {row['vs_200']:.2f}× 200)",
            flush=True,
        )
    return {"rows": rows}


def table_4(result: dict, args) -> str:
    lines = [
        "| page | posts | app 304 req/s | nginx 304 req/s | app 200 req/s | app 304 ÷ nginx 304 "
        "| app 304 ÷ app 200 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        c = row["case"]
        lines.append(
            f"| {c.page} | {c.posts:,} | {row['app 304']:,.0f} | {row['nginx 304']:,.0f} "
            f"| {row['app 200']:,.0f} "
            f"| {row['vs_nginx']:.3f} (1/{1 / row['vs_nginx']:.0f}) | {row['vs_200']:.2f}× |"
        )
    return "\n".join(lines)


# ---- charts and the report ---------------------------------------------------------------------------
def chart(
    path: Path,
    title: str,
    labels: list[str],
    series: dict[str, list[float]],
    targets: dict,
    *,
    log: bool = True,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 0.32 * len(labels) * len(series) + 1.8))
    height = 0.8 / len(series)
    for i, (name, values) in enumerate(series.items()):
        ax.barh([y + i * height for y in range(len(labels))], values, height=height, label=name)
    for name, x in targets.items():
        ax.axvline(x, linestyle="--", color="grey")
        ax.text(x, -0.9, name, fontsize=8, color="grey")
    ax.set_yticks([y + height * (len(series) - 1) / 2 for y in range(len(labels))], labels, fontsize=8)
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_charts(results: dict) -> list[Path]:
    written = []
    for number, result in results.items():
        draw = scenario_part(number, "chart") if number not in (1, 3, 4) else None
        if draw is not None:
            path = RESULTS / f"scenario{number}.png"
            draw(result, path)
            written.append(path)
    if 1 in results:
        rows = results[1]["rows"]
        path = RESULTS / "scenario1.png"
        chart(
            path,
            "Scenario 1: timeline p99 (ms), app vs the same page with 20 fixed items",
            [f"{r['follows']:,} follows · page {r['page']}" for r in rows],
            {"app p99": [r["app"][1] for r in rows], "reference p99": [r["reference"][1] for r in rows]},
            {},
            log=False,
        )
        written.append(path)
    if 3 in results:
        rows = results[3]["rows"]
        path = RESULTS / "scenario3.png"
        chart(
            path,
            "Scenario 3: app throughput ÷ nginx serving the same bytes (median of A/B rounds)",
            [r["case"].label for r in rows],
            {
                "app ÷ nginx (warm)": [r["ratio"] for r in rows],
                "uncached app ÷ nginx (cold)": [r["cold_ratio"] or 0 for r in rows],
            },
            {"target warm 1/10": 0.1, "target cold 1/50": 0.02},
        )
        written.append(path)
    if 4 in results:
        rows = results[4]["rows"]
        path = RESULTS / "scenario4.png"
        chart(
            path,
            "Scenario 4: conditional GET (If-None-Match → 304)",
            [r["case"].label for r in rows],
            {
                "app 304 ÷ nginx 304": [r["vs_nginx"] for r in rows],
                "app 304 ÷ app 200": [r["vs_200"] for r in rows],
            },
            {"target 3× the 200": 3.0},
        )
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
    3: ("suite", "blog pages and feeds vs nginx"),
    4: ("suite", "conditional GET"),
    5: ("scenario_polling", "polling 10k loopback feeds vs a parse-free 304 loop"),
    6: ("scenario_micropub", "Micropub create at concurrency 4 vs a no-op POST"),
    7: ("scenario_webmention", "1,000 webmentions vs a no-op POST"),
    8: ("scenario_soak", "soak: pages at half their max while polling and fan-out run"),
}


def scenario_part(number: int, part: str):
    module = (
        sys.modules[__name__]
        if SCENARIOS[number][0] == "suite"
        else importlib.import_module(SCENARIOS[number][0])
    )
    return getattr(module, f"{part}_{number}", None)


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
                seconds = harness.seed(args.scale)
            counts = harness.row_counts()
            head = header(args, counts, seconds)
            print(head, flush=True)
            servers.append(harness.start_app(env, server=args.server))
            cases = build_cases()
            publish_static(cases, servers[0], Path(tmp) / "www")
            servers.append(harness.start_nginx(tmp, str(Path(tmp) / "www")))
            ctx = {"app": servers[0], "nginx": servers[1], "cases": cases, "env": env, "servers": servers}
            ctx["tmp"] = tmp
            written = []
            for number in args.scenario or sorted(SCENARIOS):
                print(f"\nscenario {number}: {SCENARIOS[number][1]}", flush=True)
                result = scenario_part(number, "scenario")(ctx, args)
                # Written as each scenario ends, so a later one failing loses nothing measured.
                written += write_charts({number: result})
                text = report(number, args, result, head)
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
