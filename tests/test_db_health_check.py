"""The per-request connection health check (common/db_backends/postgresql): an idle connection is
kept without a round trip, one the server has closed is replaced before the request's first
query, and anything unexpected on the socket falls back to Django's `SELECT 1`.

Each test works on a connection of its own, outside the test's transaction, as a server worker
holds one between two requests."""
import select

import psycopg
import pytest
from django.db import connection, connections

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's check"),
              pytest.mark.django_db]


@pytest.fixture
def worker_connection():
    """A connection as a worker has it between requests: opened, used, idle, health check due."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        wrapper.backend_pid = cursor.fetchone()[0]
    _next_request(wrapper)
    yield wrapper
    wrapper.close()


@pytest.fixture
def round_trips(monkeypatch, worker_connection):
    """How often the check asks the server (Django's is_usable: SELECT 1)."""
    asked = []
    original = worker_connection.is_usable

    def counted():
        asked.append(1)
        return original()

    monkeypatch.setattr(worker_connection, "is_usable", counted)
    return asked


def _next_request(wrapper):
    # What request_started does to a kept connection: the health check is due again.
    wrapper.close_if_unusable_or_obsolete()
    assert wrapper.connection is not None and not wrapper.health_check_done


def _admin():
    params = connection.get_connection_params()
    return psycopg.connect(dbname=params["dbname"], host=params.get("host"), port=params.get("port"),
                           user=params.get("user"), autocommit=True)


def _wait_readable(wrapper, seconds=10):
    """Until the server's message (or EOF) has reached the socket: a condition, not a sleep."""
    poller = select.poll()
    poller.register(wrapper.connection.pgconn.socket, select.POLLIN)
    assert poller.poll(seconds * 1000), "the server's close never reached the socket"


def test_an_idle_connection_is_kept_without_a_round_trip(worker_connection, round_trips):
    raw = worker_connection.connection
    worker_connection.close_if_health_check_failed()
    assert round_trips == [] and worker_connection.connection is raw
    with worker_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_connection_the_server_terminated_is_replaced_before_the_first_query(worker_connection, round_trips):
    with _admin() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [worker_connection.backend_pid])
    _wait_readable(worker_connection)
    worker_connection.close_if_health_check_failed()
    assert worker_connection.connection is None  # closed: the next cursor opens a new one
    with worker_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != worker_connection.backend_pid


def test_unexpected_data_on_the_socket_is_asked_about_and_a_working_connection_kept(worker_connection, round_trips):
    with worker_connection.cursor() as cursor:
        cursor.execute("LISTEN health_check_test")
    with _admin() as admin:
        admin.execute("NOTIFY health_check_test")
    _wait_readable(worker_connection)
    _next_request(worker_connection)
    raw = worker_connection.connection
    worker_connection.close_if_health_check_failed()
    assert round_trips == [1] and worker_connection.connection is raw


def test_a_connection_not_idle_is_asked_about(worker_connection, round_trips):
    worker_connection.connection.execute("BEGIN")  # left in a transaction
    worker_connection.close_if_health_check_failed()
    assert round_trips == [1]


def test_the_check_runs_once_per_request(worker_connection, round_trips):
    worker_connection.connection.execute("BEGIN")
    worker_connection.close_if_health_check_failed()
    worker_connection.close_if_health_check_failed()
    assert round_trips == [1]
