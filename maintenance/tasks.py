from celery import shared_task

from .services import maintenance_remind_due


@shared_task(ignore_result=True)
def remind() -> int:
    return maintenance_remind_due()
