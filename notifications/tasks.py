"""Thin Celery wrappers: ids in, services do the work."""
from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(name="notifications.tasks.send_notification", bind=True, acks_late=True, max_retries=5)
def send_notification(self, notification_id: int) -> str:
    """Send one outbox row. A provider failure is not retried here: the row records it and the
    outbox flush sends it again on its backoff schedule. Only a database outage retries the task."""
    try:
        return services.notification_send(notification_id)
    except (OperationalError, InterfaceError) as exc:
        # The row is unchanged (still queued) or leased: a retry, or the flush, picks it up.
        raise self.retry(exc=exc, countdown=min(300, 5 * 2 ** self.request.retries))


@shared_task(name="notifications.tasks.send_notifications", bind=True, acks_late=True, max_retries=5)
def send_notifications(self, notification_ids: list[int]) -> int:
    """Send a chunk of outbox rows, one after the other; each is claimed on its own, so a
    redelivered or retried chunk skips the rows already sent."""
    try:
        return sum(services.notification_send(i) == "sent" for i in notification_ids)
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(exc=exc, countdown=min(300, 5 * 2 ** self.request.retries))


@shared_task(name="notifications.tasks.flush_outbox", acks_late=True)
def flush_outbox() -> int:
    """Beat runs this every 30 s: dispatch the due rows (see services.notification_flush)."""
    return services.notification_flush()
