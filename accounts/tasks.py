from celery import shared_task
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="accounts.tasks.record_heartbeat")
def record_heartbeat(name: str = "worker") -> None:
    """Beat sends this every minute; /readyz fails "worker" when no worker has run it lately."""
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})
