from celery import shared_task


@shared_task(name="tickets.tasks.sla_sweep", acks_late=True, ignore_result=True)
def sla_sweep() -> dict:
    """Beat runs this every minute; `manage.py sla_sweep` runs the same code now."""
    from .sla.sweep import sla_sweep as run

    return dict(run())
