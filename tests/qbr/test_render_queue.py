"""Report renders on a queue of their own (issue 17, docs/deploy.md "Processes"): REPORT_QUEUE
routes qbr's render task there, so a worker started with `-Q reports` takes only renders and a
month-end batch cannot delay the SLA sweep or the outbox. Settings are read once per process, so
each environment runs in a process of its own."""
import json

from tests.security.support import run_django

ROUTE = """
import json, django
django.setup()
from aragora_support.celery import app
from qbr.tasks import render_report
from notifications.tasks import send_notification
from tickets.tasks import sla_sweep
print(json.dumps({task.name: app.amqp.router.route({}, task.name)["queue"].name
                  for task in (render_report, send_notification, sla_sweep)}))
"""


def _queues(tmp_path, **env):
    result = run_django(["-c", ROUTE], {"ARAGORA_DEMO": "1", "CELERY_BROKER_URL": "memory://", **env}, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_report_renders_go_to_the_report_queue_when_it_is_set_and_nothing_else_does(tmp_path):
    queues = _queues(tmp_path, REPORT_QUEUE="reports")
    assert queues == {"qbr.tasks.render_report": "reports", "notifications.tasks.send_notification": "celery",
                      "tickets.tasks.sla_sweep": "celery"}


def test_without_report_queue_renders_stay_on_the_default_queue(tmp_path):
    assert _queues(tmp_path)["qbr.tasks.render_report"] == "celery"
