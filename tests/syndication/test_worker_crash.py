"""R17 with a real Celery worker process: killed right after the fake Mastodon accepted the status
and before our database recorded it, then restarted: exactly one status, and the post shows its URL.

Works on both CI passes: the scenario gets a database of its own (a SQLite file, or a fresh
PostgreSQL database next to DATABASE_URL's) and the configured broker (Redis when REDIS_URL is set,
else the filesystem transport under a temporary MICROHOST_VAR_DIR); the worker is
`python -m celery -A microhost worker`, started and SIGKILLed as a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import pytest

from tests.syndication.conftest import KEY
from tests.syndication.fakes.mastodon import FakeMastodon

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60  # seconds for each phase; the filesystem transport polls once a second


@pytest.fixture
def scenario_db() -> Iterator[str]:
    """A DATABASE_URL of the scenario's own, dropped afterwards."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield ""  # the temporary MICROHOST_VAR_DIR gets its own SQLite file
        return
    import psycopg

    name = f"synd_crash_{uuid.uuid4().hex[:8]}"
    admin = dj_database_url.parse(base)
    dsn = f"host={admin['HOST']} port={admin['PORT'] or 5432} user={admin['USER']} dbname=postgres"
    if admin.get("PASSWORD"):
        dsn += f" password={admin['PASSWORD']}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield base.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def env(tmp_path, scenario_db) -> dict[str, str]:
    values = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MICROHOST_", "SYNDICATION_"))
    }
    values.update(
        DJANGO_SETTINGS_MODULE="microhost.settings",
        MICROHOST_VAR_DIR=str(tmp_path),
        MICROHOST_ALLOW_PRIVATE_ADDRESSES="1",
        MICROHOST_ENCRYPTION_KEY=KEY,
        MICROHOST_SYNDICATION_DELAY_SECONDS="0",
        MICROHOST_DOMAIN="microhost.test",
        SYNDICATION_STALE_SENDING_SECONDS="2",
        SYNDICATION_LANE_STALE_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    values.pop("DATABASE_URL", None)
    if scenario_db:
        values["DATABASE_URL"] = scenario_db
    return values


def _run(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "-m", "tests.syndication.crash_scenario", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "microhost",
        "worker",
        "--pool=solo",
        "-Q",
        "syndication",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "WARNING",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _wait(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_worker_killed_after_the_post_yields_exactly_one_status(env, tmp_path) -> None:
    """R17: SIGKILL between Mastodon's 200 and our UPDATE; restart + sweep: one status, URL shown."""
    fake = FakeMastodon().start()
    log = tmp_path / "worker.log"
    worker: dict[str, subprocess.Popen] = {}

    def kill_after_accepting(request, answer) -> None:
        if request.method == "POST" and request.path == "/api/v1/statuses" and len(fake.statuses) == 1:
            fake.after_processing = None
            worker["first"].send_signal(signal.SIGKILL)  # the status exists; our DB never hears of it
            worker["first"].wait(10)

    fake.after_processing = kill_after_accepting
    try:
        _run(env, "setup", fake.url)
        worker["first"] = _worker(env, log)
        _wait(lambda: worker["first"].poll() is not None, "the worker to post and be killed")
        assert len(fake.statuses) == 1
        assert json.loads(_run(env, "check"))["state"] == "sending"

        worker["second"] = _worker(env, log)
        time.sleep(2.5)  # the abandoned row is stale after SYNDICATION_STALE_SENDING_SECONDS

        def recovered() -> bool:
            _run(env, "sweep")
            return json.loads(_run(env, "check"))["state"] == "done"

        _wait(recovered, "the restarted worker to finish the copy")
        final = json.loads(_run(env, "check"))
        status = next(iter(fake.statuses.values()))
        assert len(fake.statuses) == 1
        assert len(fake.calls("POST", "/api/v1/statuses")) == 2  # the repeat carried the same key
        keys = {r.headers["idempotency-key"] for r in fake.calls("POST", "/api/v1/statuses")}
        assert len(keys) == 1
        assert final["url"] == status["url"] and final["syndication"] == [status["url"]]
    finally:
        for process in worker.values():
            if process.poll() is None:
                process.terminate()
                process.wait(20)
        fake.stop()
        print(log.read_text()[-3000:] if log.exists() else "")
