"""Scenarios 3 and 4: public blog pages and feeds against nginx serving the identical bytes.

3: home, permalink, archive, RSS, Atom, JSON Feed of blogs with 10 and 10,000 posts, by subdomain and
   custom domain: wrk throughput alternating app/nginx (and an uncached app process, "cold"), then an
   open-loop client for p50/p99; then home pages rotated over 10 blogs and over every seeded blog.
4: conditional GET (If-None-Match) of pages and feeds: the app's 304 vs nginx's 304 and the app's 200.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import comparing
import harness
import load

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
        status, _headers, body = load.get(app.port, case.host, case.path)
        if status != 200:
            raise RuntimeError(f"{case.host}{case.path} answered {status}")
        name = f"{case.blog}-{case.page}.{PAGES[case.page][1]}"
        (docroot / name).write_bytes(body)
        case.static_path = f"/{name}"


# ---- scenario 3 --------------------------------------------------------------------------------------
def uncached_app(ctx: dict) -> harness.Server:
    """A second app server, identical but with the page cache off: every request renders ("cold").
    The host → blog lookup stays cached (MICROHOST_HOST_CACHE), as in production with Redis."""
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
            load.get(app.port, case.host, case.path)
        runs = {
            "app": lambda c=case: load.wrk(app.port, c.host, c.path, duration=args.duration),
            "nginx": lambda c=case: load.wrk(nginx.port, c.host, c.static_path, duration=args.duration),
        }
        if not case.custom:  # every request rendered; the custom-domain twin would only repeat it
            runs["app uncached"] = lambda c=case: load.wrk(cold.port, c.host, c.path, duration=args.duration)
        rps = comparing.alternate(runs, args.rounds)
        lat_app = load.open_loop(app.port, case.host, case.path, rate=args.rate, duration=args.lat_seconds)
        lat_ngx = load.open_loop(
            nginx.port, case.host, case.static_path, rate=args.rate, duration=args.lat_seconds
        )
        row = {
            "case": case,
            "app_rps": statistics.median(rps["app"]),
            "nginx_rps": statistics.median(rps["nginx"]),
            "ratio": comparing.median_ratio(rps["app"], rps["nginx"]),
            "cold_rps": statistics.median(rps["app uncached"]) if "app uncached" in rps else None,
            "cold_ratio": comparing.median_ratio(rps["app uncached"], rps["nginx"])
            if "app uncached" in rps
            else None,
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
        status, _headers, body = load.get(app.port, f"{name}.{harness.DOMAIN}", "/")
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
            "app": lambda t=app_targets: load.wrk_rotating(app.port, t, duration=args.duration),
            "app uncached": lambda t=app_targets: load.wrk_rotating(cold.port, t, duration=args.duration),
            "nginx": lambda t=ngx_targets: load.wrk_rotating(nginx.port, t, duration=args.duration),
        }
        rps = comparing.alternate(runs, args.rounds)
        row = {name: statistics.median(values) for name, values in rps.items()}
        row.update(
            blogs=size,
            ratio=comparing.median_ratio(rps["app"], rps["nginx"]),
            cold_ratio=comparing.median_ratio(rps["app uncached"], rps["nginx"]),
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
    status, headers, _ = load.get(port, host, path)
    etag = {name.lower(): value for name, value in headers.items()}.get("etag")  # granian sends "etag"
    if status != 200 or not etag:
        raise RuntimeError(f"{host}{path}: status {status}, ETag {etag!r}")
    if load.get(port, host, path, {"If-None-Match": etag})[0] != 304:
        raise RuntimeError(f"{host}{path} does not answer 304 to its own ETag")
    return etag


def scenario_4(ctx: dict, args) -> dict:
    """The app's 304 against nginx's, against the app's warm 200 (a page-cache hit: itself one Redis
    read, so about as cheap as the 304) and against the 200 the app renders (the uncached process):
    what the conditional GET saves a client whose copy is current."""
    app, nginx, cold = ctx["app"], ctx["nginx"], uncached_app(ctx)
    rows = []
    for case in ctx["cases"]:
        if case.custom or case.page not in CONDITIONAL_PAGES:
            continue
        app_tag = etag_of(app.port, case.host, case.path)
        ngx_tag = etag_of(nginx.port, case.host, case.static_path)
        runs = {
            "app 304": lambda c=case, t=app_tag: load.wrk(
                app.port, c.host, c.path, duration=args.duration, headers=[f"If-None-Match: {t}"]
            ),
            "nginx 304": lambda c=case, t=ngx_tag: load.wrk(
                nginx.port, c.host, c.static_path, duration=args.duration, headers=[f"If-None-Match: {t}"]
            ),
            "app 200": lambda c=case: load.wrk(app.port, c.host, c.path, duration=args.duration),
            "app 200 rendered": lambda c=case: load.wrk(cold.port, c.host, c.path, duration=args.duration),
        }
        rps = comparing.alternate(runs, args.rounds)
        row = {name: statistics.median(values) for name, values in rps.items()}
        row.update(
            case=case,
            vs_nginx=comparing.median_ratio(rps["app 304"], rps["nginx 304"]),
            vs_200=comparing.median_ratio(rps["app 304"], rps["app 200"]),
            vs_rendered=comparing.median_ratio(rps["app 304"], rps["app 200 rendered"]),
        )
        rows.append(row)
        print(
            f"  {case.label}: app 304 {row['app 304']:.0f}/s, nginx 304 {row['nginx 304']:.0f}/s "
            f"({row['vs_nginx']:.3f}), app 200 {row['app 200']:.0f}/s (304 = {row['vs_200']:.2f}× 200), "
            f"rendered 200 {row['app 200 rendered']:.0f}/s ({row['vs_rendered']:.1f}×)",
            flush=True,
        )
    return {"rows": rows}


def table_4(result: dict, args) -> str:
    lines = [
        "| page | posts | app 304 req/s | nginx 304 req/s | app 200 req/s (page cache) "
        "| app 200 req/s (rendered) | app 304 ÷ nginx 304 | app 304 ÷ cached 200 | app 304 ÷ rendered 200 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        c = row["case"]
        lines.append(
            f"| {c.page} | {c.posts:,} | {row['app 304']:,.0f} | {row['nginx 304']:,.0f} "
            f"| {row['app 200']:,.0f} | {row.get('app 200 rendered', 0):,.0f} "
            f"| {row['vs_nginx']:.3f} (1/{1 / row['vs_nginx']:.0f}) | {row['vs_200']:.2f}× "
            f"| {row.get('vs_rendered', 0):.1f}× |"
        )
    return "\n".join(lines)


def chart_3(result: dict, path: Path) -> None:
    rows = result["rows"]
    comparing.bar_chart(
        path,
        "Scenario 3: app throughput ÷ nginx serving the same bytes (median of A/B rounds)",
        [r["case"].label for r in rows],
        {
            "app ÷ nginx (warm)": [r["ratio"] for r in rows],
            "uncached app ÷ nginx (cold)": [r["cold_ratio"] or 0 for r in rows],
        },
        {"target warm 1/10": 0.1, "target cold 1/50": 0.02},
    )


def chart_4(result: dict, path: Path) -> None:
    rows = result["rows"]
    comparing.bar_chart(
        path,
        "Scenario 4: conditional GET (If-None-Match → 304)",
        [r["case"].label for r in rows],
        {
            "app 304 ÷ nginx 304": [r["vs_nginx"] for r in rows],
            "app 304 ÷ cached 200": [r["vs_200"] for r in rows],
            "app 304 ÷ rendered 200": [r.get("vs_rendered", 0) for r in rows],
        },
        {"target 3× the 200": 3.0},
    )
