"""A real Celery worker process, on the configured broker (Redis in CI) and database
(PostgreSQL in CI), runs the tasks beat schedules."""
import uuid

import pytest
from django.conf import settings

from accounts.models import Heartbeat
from accounts.tasks import record_heartbeat

from tests.processes import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_worker_runs_the_heartbeat_task_and_writes_to_the_shared_database(worker):
    name = f"probe-{uuid.uuid4().hex[:6]}"
    record_heartbeat.apply_async(args=[name], queue=worker)
    assert wait_until(Heartbeat.objects.filter(name=name).exists, timeout=60), \
        "the worker did not run the task within 60 s"


def test_beat_schedules_the_heartbeat_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == record_heartbeat.name and entry["schedule"] == 60.0
