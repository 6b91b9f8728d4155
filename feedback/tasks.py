"""Beat's feedback work (settings.CELERY_BEAT_SCHEDULE): thin wrappers around the services."""
from celery import shared_task

from .services import monthly_review_freeze, nps_send_quarter


@shared_task
def nps_quarterly() -> int:
    """The quarter's NPS survey; safe to run again (one survey per person per quarter)."""
    return nps_send_quarter()


@shared_task
def monthly_review() -> int:
    """Freeze last month's figures (idempotent per month)."""
    return monthly_review_freeze().pk
