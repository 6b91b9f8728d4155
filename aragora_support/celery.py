import logging.config
import os

from celery import Celery
from celery.signals import setup_logging
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aragora_support.settings")

app = Celery("aragora_support")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# django-structlog in the worker (docs/logging.md): each task's lines carry its task_id and the
# request_id (user, organisation, ticket) of the request or task that queued it.
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def _logging_as_the_web_processes(**kwargs):
    # Connected, so Celery leaves the root logger alone: the worker and beat log in settings.LOGGING's
    # format (JSON lines in production) at LOG_LEVEL, like the web processes.
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
