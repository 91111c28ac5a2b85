"""Shared parts of the benchmark suite: tools, the database and the servers (seeding.py seeds it,
load.py sends the load).

Everything runs on loopback only. The database is a dedicated `bench` database (dropped and created
here); the CI databases (`test`, `test_*`) are never touched. Redis is database 9.
"""

# SQL here is built from the suite's own constants and numbers, never from outside input.
# ruff: noqa: S608

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
DOMAIN = "bench.test"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# `bench` by default; BENCH_DB=bench_<x> lets two people run the suite at once. Never `test`/`test_*`.
BENCH_DB = os.environ.get("BENCH_DB", "bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
# Debian packages the suite needs, by the command that proves each one is there.
DEBIAN_TOOLS = {"nginx": "nginx-light", "wrk": "wrk", "psql": "postgresql-client"}
# The named blogs every scenario reads: (username, posts, custom domain or None).
BIG_POSTS = 10_000
NAMED_BLOGS = (
    ("small", 10, None),
    ("smallcd", 10, "small-custom.example"),
    ("big", BIG_POSTS, None),
    ("bigcd", BIG_POSTS, "big-custom.example"),
)


# ---- tools -------------------------------------------------------------------------------------------
def ensure_tools() -> None:
    """Install the Debian packages that are missing (the suite runs as root on the dev machines)."""
    missing = [pkg for cmd, pkg in DEBIAN_TOOLS.items() if shutil.which(cmd) is None]
    if not missing:
        return
    print(f"installing from Debian: {' '.join(missing)}", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)  # noqa: S603
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *missing], check=True, env=env)  # noqa: S603


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- database ----------------------------------------------------------------------------------------
def database_url() -> str:
    return f"{PG_ADMIN_URL}/{BENCH_DB}"


def psql(sql: str, *, db: str = BENCH_DB, capture: bool = False) -> str:
    out = subprocess.run(  # noqa: S603
        ["psql", f"{PG_ADMIN_URL}/{db}", "-v", "ON_ERROR_STOP=1", "-qAtc", sql],  # noqa: S607
        check=True,
        capture_output=capture,
        text=True,
    )
    return (out.stdout or "").strip()


def recreate_database(env: dict) -> None:
    """Drop and create the dedicated `bench` database, then migrate it with the app's own migrations.

    The run's Redis database is emptied too: cached pages and hosts of the old database must not be
    served for the new one (they would match each other's versions until they expire)."""
    assert BENCH_DB.startswith("bench")  # never `test` or `test_*`: CI owns those
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)", db="postgres")
    psql(f"CREATE DATABASE {BENCH_DB}", db="postgres")
    subprocess.run(  # noqa: S603
        [str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def drop_database() -> None:
    psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)", db="postgres")


def mint_token(env: dict, username: str, scope: str = "create") -> str:
    """A personal token for `username` from `manage.py mint_token`, run in the app's environment."""
    out = subprocess.run(  # noqa: S603
        [str(VENV_BIN / "python"), "manage.py", "mint_token", username, "--scope", scope],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().splitlines()[-1]


def permalink_of(username: str, nth: int) -> str:
    """The path of the blog's `nth` newest public post (a page deep in a big blog is as cheap as the first).

    Only listed posts: scenario 6's reference inserts drafts (no path, a 404 at /drafts/<uuid>/) into the
    same blogs, and a later scenario on that database must not pick one."""
    return psql(
        f"""SELECT p.path FROM posts_post p JOIN accounts_blog b ON b.id = p.blog_id
            WHERE b.subdomain = '{username}' AND p.status = 'published' AND p.visibility = 'public'
              AND p.deleted_at IS NULL AND p.published IS NOT NULL AND p.path <> ''
            ORDER BY p.published DESC, p.id DESC OFFSET {nth} LIMIT 1""",
        capture=True,
    )


# ---- servers -----------------------------------------------------------------------------------------
def app_env(tmp: str) -> dict:
    """The environment of the app under test: PostgreSQL `bench`, Redis db 9, DEBUG off, plain HTTP."""
    env = {k: v for k, v in os.environ.items() if k != "MICROHOST_PRODUCTION"}
    env.update(
        DATABASE_URL=database_url(),
        REDIS_URL=REDIS_URL,
        DEBUG="0",
        MICROHOST_DOMAIN=DOMAIN,
        MICROHOST_SCHEME="http",
        MICROHOST_VAR_DIR=tmp,
        MEDIA_ROOT=str(Path(tmp) / "media"),
        SECRET_KEY=secrets.token_urlsafe(50),
        LOG_LEVEL="WARNING",
        # Scenarios 6 and 2 post hundreds of times with one token: lift the per-token budgets.
        MICROHOST_RATE_MICROPUB="1000000/60",
        MICROHOST_RATE_MEDIA="1000000/60",
        # Scenarios 5, 7 and 8 have the worker fetch loopback feeds and sources.
        MICROHOST_ALLOW_PRIVATE_ADDRESSES="1",
        PYTHONPATH=str(ROOT),
        # The product's settings plus the suite's reference views on the platform host (bench/bench_urls.py).
        DJANGO_SETTINGS_MODULE="bench.bench_settings",
    )
    return env


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s")


def start_gunicorn(env: dict, *, workers: int = 2, extra: tuple[str, ...] = ()) -> Server:
    port = free_port()
    args = [str(VENV_BIN / "gunicorn"), "microhost.wsgi:application", "--workers", str(workers)]
    args += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", *extra]
    process = subprocess.Popen(args, cwd=ROOT, env=env)  # noqa: S603
    wait_for_port(port, process)
    return Server("gunicorn", port, process)


# The worker's CPU priority, as in production (docker-compose.yml gives it cpu_shares 128 against the
# web's 1024): on one machine, pages win the cores and jobs take what is left. BENCH_WORKER_NICE=0
# measures the worker on an equal footing; BENCH_WORKER_NICE=idle runs it under SCHED_IDLE (chrt):
# session 8 found no gain in scenario 8's p99 (the worker's PostgreSQL backends stay at nice 0).
WORKER_NICE = os.environ.get("BENCH_WORKER_NICE", "10")
# The feed farm (scenarios 5, 8) and the webmention source farm (7) stand for other machines on the
# internet: their CPU is not the platform's to share. At nice 10 they take what the app leaves on this
# one machine instead of competing with its pages (BENCH_FARM_NICE=0: as before session 5).
FARM_NICE = int(os.environ.get("BENCH_FARM_NICE", "10"))


def farm_command(args: list[str]) -> list[str]:
    """A farm's command line, at FARM_NICE."""
    return ["nice", "-n", str(FARM_NICE), *args] if FARM_NICE else args


def start_celery(env: dict, *, concurrency: int = 2, queues: str = "") -> Server:
    """A real Celery worker (prefork, --concurrency) on the app's broker (Redis db of REDIS_URL), at
    nice WORKER_NICE.

    Its queues are purged first, so a previous run's leftovers do not count against this one."""
    base = [str(VENV_BIN / "celery"), "-A", "microhost"]
    subprocess.run([*base, "purge", "-f"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    prio = ["chrt", "--idle", "0"] if WORKER_NICE == "idle" else ["nice", "-n", WORKER_NICE]
    args = [*prio, *base, "worker", "--concurrency", str(concurrency)]
    args += ["--loglevel", "WARNING", "--without-gossip"]
    args += ["--without-mingle", "--prefetch-multiplier", "1"]
    if queues:
        args += ["-Q", queues]
    process = subprocess.Popen(args, cwd=ROOT, env={**env, "PGAPPNAME": "microhost-worker"})  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # ready when it answers a ping
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited with {process.returncode}")
        ping = subprocess.run(  # noqa: S603
            [*base, "inspect", "ping", "-t", "1"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if "pong" in ping.stdout:
            return Server("celery", 0, process)
        time.sleep(0.5)
    process.kill()
    raise RuntimeError("celery worker did not answer a ping within 30 s")


def worker(ctx: dict) -> Server:
    """The run's Celery worker (concurrency 2), started by the first scenario that needs one."""
    if "celery" not in ctx:
        ctx["celery"] = start_celery(ctx["env"])
        ctx["servers"].append(ctx["celery"])
    return ctx["celery"]


# The WSGI servers the suite can run the app under (bench/servers.py compares them; granian won).
SERVERS = {
    "granian": (
        "granian",
        "--interface",
        "wsgi",
        "--blocking-threads",
        "1",
        "--no-ws",
        "--log-level",
        "warning",
    ),
    # The same with 4 threads a worker running the app: a request waiting on PostgreSQL or Redis lets a
    # cached GET through (scenarios 1, 7 and 8 compare it with one thread).
    "granian-4t": (
        "granian",
        "--interface",
        "wsgi",
        "--blocking-threads",
        "4",
        "--no-ws",
        "--log-level",
        "warning",
    ),
    "gunicorn": ("gunicorn", "--log-level", "warning"),
    "gunicorn-gthread": ("gunicorn", "--log-level", "warning", "-k", "gthread", "--threads", "4"),
}
DEFAULT_SERVER = os.environ.get("BENCH_SERVER", "granian")


def start_app(env: dict, *, server: str = "", workers: int = 2) -> Server:
    """The app (microhost.wsgi) under `server` (default BENCH_SERVER or granian), 2 workers, on loopback."""
    server = server or DEFAULT_SERVER
    command, *options = SERVERS[server]
    port = free_port()
    if command == "granian":
        bind = ["--workers", str(workers), "--host", "127.0.0.1", "--port", str(port)]
    else:
        bind = ["--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    args = [str(VENV_BIN / command), *options, *bind, "microhost.wsgi:application"]
    # PGAPPNAME names its PostgreSQL backends (bench/cpu_shares.py tells them from the worker's).
    process = subprocess.Popen(args, cwd=ROOT, env={**env, "PGAPPNAME": "microhost-web"})  # noqa: S603
    wait_for_port(port, process)
    return Server(server, port, process)


NGINX_CONF = """daemon off;
master_process on;
worker_processes {workers};
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{
        text/html html; application/rss+xml xml; application/atom+xml atom; application/feed+json json;
    }}
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 1000000;
    server {{ listen 127.0.0.1:{port}; root {docroot}; }}
}}
"""


def start_nginx(tmp: str, docroot: str, *, workers: int = 2) -> Server:
    """nginx in the foreground (daemon off), configured here, serving `docroot` on a loopback port."""
    port = free_port()
    conf = Path(tmp) / "nginx.conf"
    user = "user root;" if os.geteuid() == 0 else ""  # the temp folders are 0700
    conf.write_text(NGINX_CONF.format(workers=workers, user=user, tmp=tmp, port=port, docroot=docroot))
    process = subprocess.Popen(["nginx", "-p", tmp, "-c", str(conf)])  # noqa: S603, S607
    wait_for_port(port, process)
    return Server("nginx", port, process)


def temp_dir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="microhost-bench-")
