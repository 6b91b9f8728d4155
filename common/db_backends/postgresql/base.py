"""PostgreSQL as django-prometheus instruments it, with a health check that costs no round trip.

Django's CONN_HEALTH_CHECKS runs `SELECT 1` before a request's first query on a reused
connection: a round trip on every request that touches the database, ~0.13 ms of the ticket
list's ~3 ms (bench/api_tickets.py, docs/performance.md). Between requests an idle connection
in autocommit has nothing to read, so what would make it unusable shows on the socket without
asking: the server closing it (a restart, `pg_terminate_backend`, `idle_session_timeout`) sends
its FATAL message and an EOF, and the socket turns readable. This check polls the socket
(no wait, as urllib3 checks a pooled HTTP connection) and only when something is there, or the
connection is not idle, falls back to Django's `SELECT 1`. What neither check sees the same way
(a peer gone without a FIN) the first query meets as before.

After an error inside a request (`errors_occurred`) Django still asks with `SELECT 1`.
"""
import select

from django_prometheus.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if self.pool or self.connection is None or not self.health_check_enabled or self.health_check_done:
            return super().close_if_health_check_failed()
        if not (self.connection_looks_idle() or self.is_usable()):
            self.close()
        self.health_check_done = True

    def connection_looks_idle(self) -> bool:
        """True when the connection is open, idle, and nothing has arrived on it since its last
        result; False means "ask it" (not necessarily broken)."""
        raw = self.connection
        if raw.closed or raw.pgconn.status != pq.ConnStatus.OK or raw.pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        poller = select.poll()
        poller.register(raw.pgconn.socket, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)
