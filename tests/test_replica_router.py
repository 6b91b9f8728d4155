"""Reports and metrics read from the replica when one is configured (common/replica.py); writes,
and reads that must see a transaction's own writes, go to the primary.

How it is shown: the "replica" alias is a second connection, with its own DatabaseWrapper and its
own session, to the same test database (what Django's TEST {"MIRROR": "default"} makes of it in
a test run). CaptureQueriesContext records each wrapper's queries apart, so which alias ran a
query is what the wrapper it ran on says, not what the router was asked. The tests commit
(transaction=True): the replica's session sees only committed rows, as a real replica does, so
figures read through it that count the test's tickets were read from committed data.
"""
import datetime as dt
import subprocess
import sys

import pytest
from django.db import connections, router, transaction
from django.utils import timezone
from django.test.utils import CaptureQueriesContext

from common.replica import REPLICA, reading_replica
from feedback import metrics
from feedback.models import TicketTiming
from qbr import documents, monthly
from qbr.models import RenderedReport, RenderStatus, ReportKind
from tests.conftest import api_as
from tests.factories import CustomerFactory, OrganizationFactory, StaffFactory, TicketFactory, tier
from tickets.models import Ticket

NEW = {"subject": "Debates not completing", "description": "Since 09:00", "severity": "P2",
       "environment": "staging", "affected_users": "40%", "business_impact": "Analysts blocked",
       "already_tried": "Restarted the client"}
BOTH = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])


@pytest.fixture(scope="class")
def replica(django_db_setup):
    """DATABASES["replica"] as settings.py makes it from DATABASE_REPLICA_URL, pointed (as a test
    mirror) at the test database: added here, after the test database exists, because this run's
    settings were read without a replica."""
    connections.settings[REPLICA] = {**connections["default"].settings_dict,
                                     "TEST": {**connections["default"].settings_dict["TEST"], "MIRROR": "default"}}
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


def tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


def reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]


@pytest.mark.usefixtures("replica")
class TestWithAReplica:
    @BOTH
    def test_the_two_aliases_are_two_sessions(self):
        sessions = []
        for alias in ("default", REPLICA):
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()" if connections[alias].vendor == "postgresql" else "SELECT 1")
                sessions.append((connections[alias].connection, cursor.fetchone()[0]))
        assert sessions[0][0] is not sessions[1][0]
        if connections["default"].vendor == "postgresql":
            assert sessions[0][1] != sessions[1][1]  # two server processes

    @BOTH
    def test_the_metrics_api_reads_its_figures_from_the_replica(self):
        org = OrganizationFactory(tier=tier("pro"))
        now = timezone.now()
        for seconds in (60.0, 120.0, 180.0):
            ticket = TicketFactory(organization=org, requester=CustomerFactory(organization=org))
            TicketTiming.objects.create(ticket=ticket, organization=org, tier=org.tier, severity=ticket.severity,
                                        resolved_at=now, resolution_seconds=seconds,
                                        resolution_business_seconds=seconds, first_resolved_at=now)
        client = api_as(StaffFactory())
        with CaptureQueriesContext(connections["default"]) as primary, \
                CaptureQueriesContext(connections[REPLICA]) as on_replica:
            response = client.get("/api/v1/metrics/")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["tickets_opened"] == 3  # committed rows, read through the replica's session
        assert body["resolution"]["calendar"]["p50_seconds"] == 120.0
        assert "feedback_" in tables(on_replica) and "tickets_ticket" in tables(on_replica)
        if connections["default"].vendor == "postgresql":  # the tallies' percentiles: raw SQL, not the router's
            assert "FROM feedback_tickettiming WHERE feedback_bucket(" in tables(on_replica)
        for table in ("feedback_", "tickets_ticket"):
            assert table not in tables(primary), primary.captured_queries

    @BOTH
    def test_a_usage_report_is_built_from_the_replica_and_its_render_recorded_on_the_primary(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path / "media"
        org = OrganizationFactory(tier=tier("enterprise"))
        type(org).objects.filter(pk=org.pk).update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
        monthly.usage_reports_due()
        document = RenderedReport.objects.get(kind=ReportKind.USAGE, organization=org)
        with CaptureQueriesContext(connections["default"]) as primary, \
                CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert documents.document_render(document.pk) == "rendered"
        assert RenderedReport.objects.get(pk=document.pk).status == RenderStatus.READY
        assert "qbr_dailyusage" in tables(on_replica) and "tickets_ticket" in tables(on_replica)
        assert not [q for q in on_replica.captured_queries if not q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
        assert "UPDATE \"qbr_renderedreport\"" in tables(primary)  # the claim and the result
        assert not [sql for sql in reads(primary) if "qbr_dailyusage" in sql or "tickets_ticket" in sql]

    @BOTH
    def test_a_ticket_write_and_everything_else_go_to_the_primary(self):
        customer = CustomerFactory(organization=OrganizationFactory(tier=tier("pro")))
        with CaptureQueriesContext(connections["default"]) as primary, \
                CaptureQueriesContext(connections[REPLICA]) as on_replica:
            response = api_as(customer).post("/api/v1/tickets/", NEW, format="json")
            listed = api_as(customer).get("/api/v1/tickets/")
        assert response.status_code == 201 and listed.status_code == 200
        assert "INSERT INTO \"tickets_ticket\"" in tables(primary)
        assert on_replica.captured_queries == []

    @BOTH
    def test_inside_a_transaction_a_report_reads_the_primary_and_sees_the_transactions_own_writes(self):
        # A write and a report in one transaction (as a QBR's snapshot is taken while it is made
        # final): the replica has not got the transaction's rows, so it is not asked.
        org = OrganizationFactory(tier=tier("pro"))
        today = timezone.now().date()
        with CaptureQueriesContext(connections[REPLICA]) as on_replica, transaction.atomic():
            TicketFactory(organization=org, requester=CustomerFactory(organization=org))
            figures = metrics.compute(metrics.Scope(today, today), fresh=True)
        assert figures["tickets_opened"] == 1
        assert on_replica.captured_queries == []
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:  # the same read, committed, outside
            assert metrics.compute(metrics.Scope(today, today), fresh=True)["tickets_opened"] == 1
        assert on_replica.captured_queries

    def test_migrations_never_run_on_the_replica(self):
        assert router.allow_migrate(REPLICA, "tickets") is False
        assert router.allow_migrate("default", "tickets") is True


@pytest.mark.django_db
def test_without_a_replica_reports_read_the_primary():
    assert REPLICA not in connections
    with reading_replica():
        assert router.db_for_read(Ticket) == "default"
    StaffFactory()
    with CaptureQueriesContext(connections["default"]) as primary:
        response = api_as(StaffFactory()).get("/api/v1/metrics/")
    assert response.status_code == 200 and "feedback_" in tables(primary)


def test_database_replica_url_adds_a_replica_that_tests_mirror_to_the_primary(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "ARAGORA_DEMO": "1", "ARAGORA_VAR_DIR": str(tmp_path),
           "DATABASE_URL": "postgres://app@primary.internal:5432/aragora",
           "DATABASE_REPLICA_URL": "postgres://reader@replica.internal:5432/aragora"}
    code = ("from aragora_support import settings as s; r = s.DATABASES['replica']; "
            "print(r['HOST'], r['USER'], r['TEST'], r['OPTIONS'], s.DATABASE_ROUTERS)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split(" ", 2)[:2] == ["replica.internal", "reader"]
    assert "{'MIRROR': 'default'}" in out and "'prepare_threshold': 2147483647" in out and "common.replica.ReplicaRouter" in out
