"""A real Celery worker, on the configured broker, runs jobs from every queue and returns results.

The worker runs in a thread (celery.contrib.testing) on a Celery app configured exactly like
`microhost` from the CELERY_* settings: the filesystem transport by default (its folders moved under
a temporary directory so runs never share var/), Redis when REDIS_URL is set (under a key prefix of
its own so parallel runs never take each other's messages). Nothing here is eager.
"""

from __future__ import annotations

import re
import runpy
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from celery import _state as celery_state
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from django.conf import settings

import microhost.settings as settings_module
import microhost.tasks  # noqa: F401  (registers microhost.ping as a shared task)
from microhost.celery import app as microhost_app

RESULT_TIMEOUT = 30  # seconds; the filesystem transport polls once a second


def _worker_app(tmp_dir: Path) -> Celery:
    """A fresh app with the project's Celery settings, its storage isolated for this test run."""
    app = Celery("microhost")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    options = dict(app.conf.broker_transport_options or {})
    if settings.REDIS_URL:
        options["global_keyprefix"] = f"test-worker-{uuid.uuid4().hex}:"
    else:
        queue, processed, control, results = (
            tmp_dir / name for name in ("queue", "processed", "control", "results")
        )
        for folder in (queue, processed, control, results):
            folder.mkdir()
        options.update(
            data_folder_in=str(queue),
            data_folder_out=str(queue),
            processed_folder=str(processed),
            control_folder=str(control),  # exchange → queue bindings
        )
        app.conf.result_backend = f"file://{results}"
    app.conf.broker_transport_options = options
    app.conf.worker_hijack_root_logger = False
    return app


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A started worker with no -Q, as `celery -A microhost worker` runs it."""
    previous_default, previous_current = celery_state.default_app, celery_state.get_current_app()
    app = _worker_app(tmp_path_factory.mktemp("celery"))
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING") as started:
            yield started
    finally:
        celery_state.set_default_app(previous_default)
        celery_state._set_current_app(previous_current)
        _forget_redis_keys(app)


def _forget_redis_keys(app: Celery) -> None:
    """Drops this run's queues and bindings from the shared Redis database."""
    prefix = app.conf.broker_transport_options.get("global_keyprefix")
    if prefix:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)


def test_ping_round_trips_through_broker_and_result_backend(worker) -> None:
    """microhost.ping sent with .delay() is run by the worker and its result comes back."""
    app = worker.app
    assert app.conf.task_always_eager is False
    result = app.tasks["microhost.ping"].delay("hello")
    assert isinstance(result, AsyncResult)
    assert result.get(timeout=RESULT_TIMEOUT) == "pong:hello"
    assert result.successful()


def test_bare_worker_consumes_every_declared_queue(worker) -> None:
    """A worker started without -Q listens to all queues in CELERY_TASK_QUEUES and runs jobs from each."""
    declared = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    assert set(declared) >= {"default", "syndication", "webmention", "feeds"}
    consumed = {queue.name for queue in worker.consumer.task_consumer.queues}
    assert consumed == set(declared)
    ping = worker.app.tasks["microhost.ping"]
    results = {name: ping.apply_async(args=[name], queue=name) for name in declared}
    for name, result in results.items():
        assert result.get(timeout=RESULT_TIMEOUT) == f"pong:{name}", f"queue {name}"


def test_celery_settings_are_safe_for_real_workers() -> None:
    """JSON only, acks_late with redelivery on a lost worker, one job prefetched, never eager in settings."""
    s = settings_module
    assert s.CELERY_TASK_SERIALIZER == "json"
    assert s.CELERY_RESULT_SERIALIZER == "json"
    assert s.CELERY_ACCEPT_CONTENT == ["json"]
    assert s.CELERY_TASK_ACKS_LATE is True
    assert s.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert s.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert s.CELERY_TASK_ALWAYS_EAGER is False
    assert microhost_app.main == "microhost"
    assert microhost_app.conf.task_acks_late is True


# Settings that hold a countdown, a retry delay or a backoff bound, in seconds.
DELAY_SETTING = re.compile(r"(DELAY|BACKOFF|COUNTDOWN|RETRY_AFTER)")


def _redis_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict:
    """The settings module evaluated as it is with Redis configured (no server needed)."""
    monkeypatch.setenv("REDIS_URL", settings.REDIS_URL or "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("MICROHOST_VAR_DIR", str(tmp_path))
    return runpy.run_path(settings_module.__file__)


def test_delays_stay_below_the_redis_visibility_timeout(monkeypatch, tmp_path) -> None:
    """On Redis an unacked job is redelivered after visibility_timeout, so every wait must be shorter."""
    redis_settings = _redis_settings(monkeypatch, tmp_path)
    visibility = redis_settings["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"]
    bounds: dict[str, float] = {}
    for name, value in redis_settings.items():
        if name.isupper() and DELAY_SETTING.search(name) and isinstance(value, int | float):
            if not isinstance(value, bool):
                bounds[f"settings.{name}"] = value
    for name in ("CELERY_TASK_TIME_LIMIT", "CELERY_TASK_SOFT_TIME_LIMIT", "CELERY_TASK_DEFAULT_RETRY_DELAY"):
        if redis_settings.get(name):
            bounds[f"settings.{name}"] = redis_settings[name]
    microhost_app.autodiscover_tasks(force=True)  # imports every installed app's tasks.py
    for task in microhost_app.tasks.values():
        if task.name.startswith("celery."):
            continue
        bounds[f"{task.name}.default_retry_delay"] = task.default_retry_delay or 0
        if getattr(task, "retry_backoff", False):
            bounds[f"{task.name}.retry_backoff_max"] = getattr(task, "retry_backoff_max", 600)
        for limit in ("time_limit", "soft_time_limit"):
            if getattr(task, limit, None):
                bounds[f"{task.name}.{limit}"] = getattr(task, limit)
    assert "microhost.ping.default_retry_delay" in bounds
    too_long = {name: value for name, value in bounds.items() if value >= visibility}
    assert not too_long, f"these reach the visibility timeout ({visibility} s): {too_long}"
