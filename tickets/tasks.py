from celery import shared_task


@shared_task(name="tickets.tasks.sla_sweep", acks_late=True, ignore_result=True)
def sla_sweep() -> dict:
    """Beat runs this every minute; `manage.py sla_sweep` runs the same code now."""
    from .sla.sweep import sla_sweep as run

    return dict(run())


@shared_task(name="tickets.tasks.new_tickets_digest", acks_late=True, ignore_result=True)
def new_tickets_digest() -> int:
    """Beat runs this hourly: the queue's people get the P3/P4 tickets of the last whole hour."""
    from django.utils import timezone

    from .alerts import new_tickets_digest as run

    return run(hour_end=timezone.now().replace(minute=0, second=0, microsecond=0))
