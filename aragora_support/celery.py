import logging.config
import os

from celery import Celery
from celery.signals import after_task_publish, before_task_publish, setup_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aragora_support.settings")

app = Celery("aragora_support")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class WorkerLogStep(DjangoStructLogInitStep):
    """django-structlog in the worker (docs/logging.md): each task's lines carry its task_id and
    the request_id (user, organisation, ticket) of the request or task that queued it.

    Its publishing half is already connected in every process by django-structlog's app config
    (DJANGO_STRUCTLOG_CELERY_ENABLED); connected twice, a task queued by a task is logged twice."""

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        before_task_publish.disconnect(self.receiver.receiver_before_task_publish)
        after_task_publish.disconnect(self.receiver.receiver_after_task_publish)


app.steps["worker"].add(WorkerLogStep)


@setup_logging.connect
def _logging_as_the_web_processes(**kwargs):
    # Connected, so Celery leaves the root logger alone: the worker and beat log in settings.LOGGING's
    # format (JSON lines in production) at LOG_LEVEL, like the web processes.
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
