"""The API list's rows, written by PostgreSQL (tickets/page_json.py), are exactly what the ticket's
own endpoint (DRF's TicketSerializer) shows: every clock state, stopped and paused clocks, times
with and without microseconds, escalation history, empty and filled relations, text that JSON
must escape. On SQLite the list takes the Python rows, held equal by the same assertions."""
import datetime as dt

import pytest
import time_machine

from status.models import Component
from tests.conftest import api_as
from tests.factories import CustomerAdminFactory, CustomerFactory, StaffFactory, TicketFactory, UserFactory
from tickets import page_json, selectors, services

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone.utc)  # a Tuesday: Pro clocks run too


def _at(minutes: float):
    return time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False)


def _open(org, requester, subject, severity="P2", **extra):
    ticket, _ = services.ticket_create(organization=org, requester=requester, subject=subject,
                                       description=extra.pop("description", "d"), severity=severity,
                                       channel="api", **extra)
    return ticket


@pytest.fixture
def tickets_in_every_state(enterprise_org, pro_org):
    admin, staff = CustomerAdminFactory(organization=enterprise_org), StaffFactory()
    pro_admin = CustomerAdminFactory(organization=pro_org)
    made = {}
    with _at(0):
        made["running"] = _open(enterprise_org, admin, "Quotes \" and \\ backslash, tab\t, é, 中文, </script>",
                                severity="P1", component=Component.objects.first(),
                                business_impact="line\nbreak", affected_users="25%")
        made["met"] = _open(enterprise_org, admin, "acknowledged and answered in time")
        made["late"] = _open(enterprise_org, admin, "answered after its due time", severity="P1")
        made["paused"] = _open(enterprise_org, admin, "waiting on the customer")
        made["resolved"] = _open(enterprise_org, admin, "resolved", severity="P3")
        made["escalated"] = _open(enterprise_org, admin, "escalated twice", severity="P1")
        made["pro"] = _open(pro_org, pro_admin, "business hours clock", severity="P4")
    with time_machine.travel(T0 + dt.timedelta(minutes=10, microseconds=123450), tick=False):
        services.ticket_assign(ticket=made["met"], actor=staff, assignee=staff)
        services.message_create(ticket=made["met"], author=staff, body="On it.")
    with _at(95):
        services.message_create(ticket=made["late"], author=staff, body="Sorry for the wait.")
        services.message_create(ticket=made["paused"], author=staff, body="Could you send a HAR file?")
        services.ticket_set_status(ticket=made["paused"], actor=staff, status="waiting_on_customer")
        services.ticket_resolve(ticket=made["resolved"], actor=staff)
        services.escalation_request(ticket=made["escalated"], actor=admin, reason="Board demo at noon")
    return made, admin, staff


def _same_as_detail(client, rows):
    for row in rows:
        assert row == client.get(f"/api/v1/tickets/{row['id']}/").json(), row["subject"]


def test_list_rows_equal_each_tickets_own_view_in_every_clock_state(tickets_in_every_state):
    made, admin, staff = tickets_in_every_state
    for minutes in (20, 50, 200, 60 * 30):  # on track / at risk / breached, clocks running or stopped
        with _at(minutes):
            for viewer in (admin, staff):
                client = api_as(viewer)
                rows = client.get("/api/v1/tickets/").json()["results"]
                assert {r["id"] for r in rows} >= {t.pk for t in made.values() if t.organization == admin.organization}
                _same_as_detail(client, rows)
    states = {(clock["state"]) for r in rows for clock in r["sla"].values()}
    assert {"breached", "met", "paused", "none"} <= states  # the states the check went through
    escalated = next(r for r in rows if r["id"] == made["escalated"].pk)
    assert [e["reason"] for e in escalated["escalations"]] == ["Board demo at noon"]


def test_a_time_with_microseconds_keeps_them_and_one_without_has_no_fraction(tickets_in_every_state):
    made, admin, _ = tickets_in_every_state
    with _at(20):
        rows = {r["id"]: r for r in api_as(admin).get("/api/v1/tickets/").json()["results"]}
    assert rows[made["running"].pk]["created_at"] == "2026-12-01T10:00:00Z"
    assert rows[made["met"].pk]["sla"]["acknowledgement"]["stopped_at"] == "2026-12-01T10:10:00.123450Z"


def test_searched_sorted_and_filtered_pages_keep_their_order_and_scope(tickets_in_every_state, other_org):
    made, admin, staff = tickets_in_every_state
    CustomerAdminFactory(organization=other_org)
    client = api_as(admin)
    with _at(20):
        for query in ("?sort=severity", "?sort=-response_due", "?status=resolved", "?q=clock", "?page_size=2&page=2"):
            page = client.get(f"/api/v1/tickets/{query}").json()
            assert all(r["organization"] == admin.organization.account_id for r in page["results"])
            _same_as_detail(client, page["results"])
        ordered = client.get("/api/v1/tickets/?sort=severity").json()["results"]
        assert [r["severity"] for r in ordered] == sorted(r["severity"] for r in ordered)


@pytest.mark.skipif("not page_json.supported()")
def test_the_postgresql_page_is_used_on_postgresql(tickets_in_every_state):
    """One statement for the page on PostgreSQL: the ids and their JSON together (the auth token
    and the user are read before it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    made, admin, _ = tickets_in_every_state
    client = api_as(admin)
    client.get("/api/v1/tickets/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/tickets/").status_code == 200
    assert sum("unnest(ARRAY(" in q["sql"] for q in queries.captured_queries) == 1


@pytest.mark.skipif("not page_json.supported()")
def test_the_plain_list_compiled_once_per_kind_of_scope_binds_each_viewers_own_ids(pro_org, other_org, staff):
    """The plain list's SQL is compiled once per kind of scope (ScopePage) and each viewer's ids are
    bound in the stand-ins' places: the statement is exactly the ORM's for that viewer, and a page
    never holds another organisation's or another member's tickets, whoever's request compiled it."""
    admin_a, admin_b = CustomerAdminFactory(organization=pro_org), CustomerAdminFactory(organization=other_org)
    member_a, colleague_a = CustomerFactory(organization=pro_org), CustomerFactory(organization=pro_org)
    member_b = CustomerFactory(organization=other_org)
    for requester in (admin_a, admin_b, member_a, colleague_a, member_b):
        TicketFactory.create_batch(2, requester=requester)
    viewers = [member_b, admin_a, staff, colleague_a, admin_b, member_a]
    for viewer in viewers:
        page = page_json.ScopePage(selectors.ticket_scope(viewer), None)
        for window in (slice(0, 51), slice(2, 5)):
            sql, params = selectors.tickets_visible_to(viewer).values_list("pk", flat=True)[window].query.sql_with_params()
            assert page.statement(window) == (page_json.PAGE_SQL.replace("{ids}", sql), list(params))
    for viewer in viewers * 2:  # alternating: each request binds into SQL another viewer's compiled
        rows = api_as(viewer).get("/api/v1/tickets/").json()["results"]
        assert [r["id"] for r in rows] == list(selectors.tickets_visible_to(viewer).values_list("pk", flat=True))
    assert {len(api_as(viewer).get("/api/v1/tickets/").json()["results"]) for viewer in (member_a, admin_b)} == {2, 4}


def test_a_customer_without_an_organisation_lists_no_tickets(customer):
    TicketFactory.create_batch(2, requester=customer)
    nobody = UserFactory()
    for query in ("", "?q=connector", "?q=connector timeout failing", "?status=new", "?count=true"):
        response = api_as(nobody).get(f"/api/v1/tickets/{query}")
        assert response.status_code == 200 and response.json()["results"] == [], query
