"""Thin Celery wrappers (beat: aragora_support/settings.py, CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from . import services


@shared_task(name="onboarding.tasks.checkins_tick", acks_late=True, ignore_result=True)
def checkins_tick() -> dict:
    """Hourly: extend the rolling horizon of check-ins, then remind of the next day's meetings."""
    return {"generated": services.checkins_generate(), "reminded": services.checkin_reminders_send()}


@shared_task(name="onboarding.tasks.included_services_tick", acks_late=True, ignore_result=True)
def included_services_tick() -> int:
    """Hourly (cheap, idempotent): remind account managers of reviews and trainings falling due."""
    return services.included_service_reminders_send()
