"""The services in use are the configured ones, and they answer.

CI's second pass sets MICROHOST_REQUIRE_SERVICES=1 with DATABASE_URL and REDIS_URL: then these tests
insist on PostgreSQL and Redis and fail (never skip) when either is missing or down. Without it they
check the embedded defaults `make run` and `make test` rely on (SQLite, local-memory cache and the
filesystem broker under var/), or the services a developer has configured by hand.
"""

from __future__ import annotations

import os
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from microhost.celery import app as celery_app


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


REQUIRE_SERVICES = _flag("MICROHOST_REQUIRE_SERVICES")
USE_POSTGRES = REQUIRE_SERVICES or os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))
USE_REDIS = REQUIRE_SERVICES or bool(os.environ.get("REDIS_URL"))
NEEDS = "MICROHOST_REQUIRE_SERVICES=1 needs DATABASE_URL=postgres://… and REDIS_URL=redis://…"


if USE_POSTGRES:

    @pytest.mark.services
    @pytest.mark.django_db
    def test_database_is_postgresql() -> None:
        """The ORM talks to a live PostgreSQL server."""
        assert connection.vendor == "postgresql", f"database vendor is {connection.vendor}: {NEEDS}"
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
        assert connection.pg_version >= 130000

else:

    @pytest.mark.django_db
    def test_database_is_embedded_sqlite() -> None:
        """Without DATABASE_URL the platform runs on SQLite, in WAL mode for web + worker."""
        assert connection.vendor == "sqlite"
        assert "journal_mode=WAL" in connection.settings_dict["OPTIONS"]["init_command"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)


if USE_REDIS:

    @pytest.mark.services
    def test_cache_round_trips_through_redis() -> None:
        """Django's cache is Redis: a value set here is stored in Redis and read back."""
        import redis

        backend = settings.CACHES["default"]["BACKEND"]
        assert backend == "microhost.cache.ReusingRedisCache", f"cache is {backend}: {NEEDS}"
        key = f"test-services-{uuid.uuid4().hex}"
        cache.set(key, {"value": 42}, timeout=60)
        try:
            assert cache.get(key) == {"value": 42}
            client = redis.Redis.from_url(settings.REDIS_URL)
            assert client.ping()
            assert client.exists(cache.make_key(key)) == 1, "the value is not in Redis"
        finally:
            cache.delete(key)

    @pytest.mark.services
    def test_celery_broker_and_results_are_redis() -> None:
        """Celery's broker and result backend are the configured Redis, and the broker answers."""
        broker, backend = celery_app.conf.broker_url, celery_app.conf.result_backend
        assert str(broker).startswith("redis://"), f"broker is {broker}: {NEEDS}"
        assert str(backend).startswith("redis://"), f"result backend is {backend}: {NEEDS}"
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=2)
            assert conn.transport.driver_type == "redis"

else:

    def test_cache_is_local_memory() -> None:
        """Without REDIS_URL the cache needs no server."""
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
        key = f"test-services-{uuid.uuid4().hex}"
        cache.set(key, "value", timeout=60)
        assert cache.get(key) == "value"
        cache.delete(key)

    def test_celery_broker_is_embedded_filesystem() -> None:
        """Without REDIS_URL Celery uses kombu's filesystem transport and file results under var/."""
        var_dir = settings.VAR_DIR
        assert celery_app.conf.broker_url == "filesystem://"
        options = celery_app.conf.broker_transport_options
        for key in ("data_folder_in", "data_folder_out", "processed_folder"):
            assert os.path.isdir(options[key]), f"{key} {options[key]} does not exist"
            assert os.path.realpath(options[key]).startswith(os.path.realpath(var_dir))
        assert str(celery_app.conf.result_backend).startswith("file://")
        assert celery_app.conf.worker_enable_remote_control is False
