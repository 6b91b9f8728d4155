import logging

from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task(name="email_intake.tasks.poll_mailboxes", acks_late=True, ignore_result=True)
def poll_mailboxes() -> dict:
    """Beat runs this every minute for each mailbox in settings.IMAP_MAILBOXES."""
    from .imap import poll_mailbox

    results = {}
    for config in settings.IMAP_MAILBOXES:
        try:
            results[config["name"]] = dict(poll_mailbox(config))
        except Exception as exc:  # one unreachable mailbox must not stop the others
            logger.warning("email intake: polling %s failed: %s", config.get("name"), exc)
            results[config.get("name")] = {"error": str(exc)}
    return results
