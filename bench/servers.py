"""Which WSGI server earns its place: each candidate against nginx, in the same run, on the same pages.

    .venv/bin/python bench/servers.py --reuse-db           # after `bench/suite.py --keep-db`
    .venv/bin/python bench/servers.py --scale 0.1          # seeds its own `bench` database first

Every server runs the same app (2 workers, DEBUG off, PostgreSQL + Redis, page cache on) and serves a
warm blog home and a feed; nginx serves the same bytes. wrk alternates the servers --rounds times and
the median ratio to nginx is printed per server, so the machine's drift hits all of them alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import load  # noqa: E402
import seeding  # noqa: E402

PAGES = (("small", "/", "home.html"), ("big", "/feed.xml", "feed.xml"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--duration", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    harness.ensure_tools()
    servers: dict[str, harness.Server] = {}
    with harness.temp_dir() as tmp:
        env = harness.app_env(tmp)
        try:
            if not args.reuse_db:
                harness.recreate_database(env)
                seeding.seed(args.scale)
            for name in harness.SERVERS:
                servers[name] = harness.start_app(env, server=name)
            docroot = Path(tmp) / "www"
            docroot.mkdir()
            any_app = next(iter(servers.values()))
            for blog, path, file in PAGES:
                (docroot / file).write_bytes(load.get(any_app.port, f"{blog}.{harness.DOMAIN}", path)[2])
            servers["nginx"] = harness.start_nginx(tmp, str(docroot))
            for blog, path, file in PAGES:
                host = f"{blog}.{harness.DOMAIN}"
                rps: dict[str, list[float]] = {name: [] for name in servers}
                for _ in range(args.rounds):
                    for name, server in servers.items():
                        target = f"/{file}" if name == "nginx" else path
                        rps[name].append(load.wrk(server.port, host, target, duration=args.duration))
                print(f"\n{host}{path} (median of {args.rounds} alternating rounds of {args.duration} s)")
                for name, values in rps.items():
                    ratio = statistics.median(a / b for a, b in zip(values, rps["nginx"], strict=True))
                    print(f"  {name:18} {statistics.median(values):8,.0f} req/s  1/{1 / ratio:.1f} of nginx")
        finally:
            for server in servers.values():
                server.stop()
            if not args.reuse_db:
                harness.drop_database()


if __name__ == "__main__":
    main()
