"""A real Celery worker (on the configured broker and database: Redis and PostgreSQL in CI)
renders a QBR deck the web asked for; the web request only queued it."""
import pytest

from qbr import documents, services
from qbr.models import RenderedReport, RenderStatus, ReportKind
from qbr.tasks import render_report
from tests.conftest import login
from tests.processes import wait_until
from tests.factories import OrganizationFactory, StaffFactory, tier

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_worker_renders_the_deck_and_the_next_request_gets_the_pdf(client, worker):
    org = OrganizationFactory(name="Worker Rockets", tier=tier("enterprise"))
    qbr = services.qbr_open(organization=org, year=2026, quarter=1)
    staff = login(client, StaffFactory())
    url = f"/reports/qbr/{org.account_id}/{qbr.period}.pdf"
    assert staff.get(url).status_code == 202
    document = RenderedReport.objects.get(kind=ReportKind.QBR, organization=org)
    render_report.apply_async(args=[document.pk], queue=worker)

    def finished():
        document.refresh_from_db()
        return document.status in (RenderStatus.READY, RenderStatus.FAILED)
    wait_until(finished, timeout=90)
    assert document.status == RenderStatus.READY, document.error or "the worker did not render within 90 s"
    assert document.data_version == documents.data_version(documents.build(ReportKind.QBR, org, qbr.period))
    response = staff.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
