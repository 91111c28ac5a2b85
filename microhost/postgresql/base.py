"""Django's PostgreSQL backend with a request's health check that costs no round trip (issue 7).

With CONN_HEALTH_CHECKS, Django checks a reused connection before each request's first query with a
`SELECT 1`: 0.4 ms of a Webmention receipt's ~4 ms (scenario 7), on every request that queries. A
connection the server ended while it sat idle between requests (a restart, pg_terminate_backend, an
idle timeout) has something to read: the server's FATAL message, then the end of the stream. So an
idle connection with nothing to read is taken as usable, and one with anything to read is closed and
opened again. A connection in any other state, and the check after a request that raised a database
error (close_if_unusable_or_obsolete), still run Django's `SELECT 1`.

What this cannot see is a peer gone without a word (a cut network): then the request's query fails
as it would have without health checks, and Django drops the connection after that request.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

# Anything on an idle connection's socket: data (the server's farewell), a hang-up, an error.
_ANY_EVENT = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self.pool is not None:
            return  # as Django's: the pool hands out checked connections
        usable = self._nothing_to_read() if self._is_idle() else self.is_usable()
        if not usable:
            self.close()
        self.health_check_done = True

    def _is_idle(self) -> bool:
        connection = self.connection
        return not connection.closed and connection.info.transaction_status == TransactionStatus.IDLE

    def _nothing_to_read(self) -> bool:
        """Nothing has arrived on the socket since the server's last answer (no wait, no round trip)."""
        poller = select.poll()
        poller.register(self.connection.fileno(), _ANY_EVENT)
        return not poller.poll(0)
