"""A real Celery worker process, on the configured broker (Redis in CI) and database
(PostgreSQL in CI), runs the tasks beat schedules."""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Heartbeat
from accounts.tasks import record_heartbeat

from tests.processes import database_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker(tmp_path):
    """Start a worker on a queue of its own, so no other worker on the same broker takes our tasks."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # The same database, broker and media folder as this test: what the worker writes, the test reads.
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
           "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    log = open(tmp_path / "worker.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "aragora_support", "worker", "-Q", queue, "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "INFO", "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    yield queue
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.seek(0)
    print(log.read()[-3000:])


def test_worker_runs_the_heartbeat_task_and_writes_to_the_shared_database(worker):
    name = f"probe-{uuid.uuid4().hex[:6]}"
    record_heartbeat.apply_async(args=[name], queue=worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Heartbeat.objects.filter(name=name).exists():
            break
        time.sleep(0.2)
    assert Heartbeat.objects.filter(name=name).exists(), "the worker did not run the task within 60 s"


def test_beat_schedules_the_heartbeat_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == record_heartbeat.name and entry["schedule"] == 60.0
