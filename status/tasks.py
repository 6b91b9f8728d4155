from celery import shared_task

from . import credits
from .maintenance import maintenance_remind_due, maintenance_start_due


@shared_task(ignore_result=True)
def maintenance_remind() -> int:
    """Beat, every 5 minutes: reminders before a window, and windows started on time."""
    return maintenance_remind_due() + maintenance_start_due()


@shared_task(ignore_result=True)
def month_end_credits() -> int:
    """Beat, daily: settles last month's uptime and credits once (idempotent)."""
    return credits.credits_settle_last_month()
