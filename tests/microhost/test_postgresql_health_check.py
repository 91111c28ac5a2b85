"""The per-request health check of a PostgreSQL connection: no round trip while it is sound, and a
connection the server ended is replaced before the request's first query (microhost/postgresql)."""

from __future__ import annotations

import time

import pytest
from django.db import connections

from tests.test_services import USE_POSTGRES

if USE_POSTGRES:
    pytestmark = [pytest.mark.services, pytest.mark.django_db]

    @pytest.fixture
    def reused():
        """A connection of its own (outside the test's transaction), as one request left it."""
        wrapper = connections.create_connection("default")
        wrapper.settings_dict["CONN_HEALTH_CHECKS"] = True
        wrapper.connect()
        yield wrapper
        wrapper.close()

    @pytest.fixture
    def watcher():
        wrapper = connections.create_connection("default")
        yield wrapper
        wrapper.close()

    def new_request(wrapper) -> None:
        """What Django does between two requests on a kept connection."""
        wrapper.close_if_unusable_or_obsolete()

    def last_statement(watcher, pid: int) -> str:
        with watcher.cursor() as cursor:
            cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
            return cursor.fetchone()[0]

    def test_a_sound_idle_connection_is_checked_without_a_query(reused, watcher):
        """The server sees no `SELECT 1`: the last statement it ran is still the request's own."""
        with reused.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), 'the last request'")
            pid = cursor.fetchone()[0]
        new_request(reused)
        with reused.cursor() as cursor:  # the check runs here, before the cursor
            assert last_statement(watcher, pid) == "SELECT pg_backend_pid(), 'the last request'"
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] == pid  # the same connection, kept

    def test_a_connection_the_server_ended_is_replaced_before_the_first_query(reused, watcher):
        """pg_terminate_backend (a restart, an idle timeout) between requests: the next request's first
        query runs on a new connection instead of failing."""
        with reused.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with watcher.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while last_statement_exists(watcher, pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        new_request(reused)
        with reused.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid

    def last_statement_exists(watcher, pid: int) -> bool:
        with watcher.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            return cursor.fetchone()[0] > 0

    def test_a_connection_in_a_transaction_is_asked_as_before(reused, watcher):
        """Not idle (here: a transaction left open), the check is Django's own `SELECT 1`."""
        reused.connection.execute("BEGIN")
        pid = reused.connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        reused.health_check_done = False
        reused.close_if_health_check_failed()
        assert last_statement(watcher, pid) == "SELECT 1"
        reused.connection.execute("ROLLBACK")
