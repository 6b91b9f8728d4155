"""Celery tasks of the reports (thin: ids in, services do the work)."""
from celery import shared_task
from django.utils import timezone

from feedback.figures import quarter_of

from . import documents, monthly, periods, services


# acks_late (the project default) and reject_on_worker_lost: a worker killed mid-render leaves
# the message to be delivered again; the claim's lease lets the redelivery take the row.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def render_report(document_id: int) -> str:
    return documents.document_render(document_id)


@shared_task
def usage_reports_monthly() -> dict:
    return monthly.usage_reports_due()


@shared_task
def qbr_drafts() -> int:
    """The quarter that just ended gets its drafts (idempotent; hourly beat catches a missed day)."""
    year, quarter = periods.previous_quarter(*quarter_of(timezone.now().date()))
    return services.qbr_drafts_for_quarter(year=year, quarter=quarter)
