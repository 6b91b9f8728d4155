"""Prepared statements (PostgreSQL): the ticket list's page is prepared, nothing else is.

A prepared statement may be given a generic plan (blind to its values) after five runs; for an
admin filter or a search that plan took 300-700 ms instead of 45 at a million tickets. So psycopg
prepares nothing by itself and the one statement whose plan fits every value asks
(common.db.prepared, docs/performance.md)."""
import pytest
from django.db import connection

from tests.conftest import api_as
from tests.factories import TicketFactory
from tickets.models import Ticket

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")


def _prepared(fragment: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"])
        return cursor.fetchone()[0]


def test_the_plain_ticket_list_is_prepared_once_and_reused(customer_admin):
    TicketFactory.create_batch(3, requester=customer_admin)
    client = api_as(customer_admin)
    for _ in range(3):
        assert client.get("/api/v1/tickets/").status_code == 200
    assert _prepared("unnest(ARRAY(") == 1


def test_a_searched_or_filtered_list_is_planned_for_its_values(customer_admin):
    TicketFactory.create_batch(3, requester=customer_admin, subject="Connector timeout")
    client = api_as(customer_admin)
    for _ in range(7):  # past PostgreSQL's five custom plans
        assert client.get("/api/v1/tickets/", {"q": "connector"}).status_code == 200
        assert client.get("/api/v1/tickets/", {"severity": "P1"}).status_code == 200
    assert _prepared("unnest(ARRAY(") == 0


def test_a_statement_a_connection_repeats_is_not_prepared_by_itself(customer_admin):
    TicketFactory.create_batch(2, requester=customer_admin)
    for _ in range(10):
        Ticket.objects.filter(severity="P1", status="new").count()
    assert _prepared('"tickets_ticket"."severity"') == 0
