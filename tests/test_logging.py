"""Structured logs (docs/logging.md): one JSON line a request with its request id, user,
organisation and ticket; the same request id in the tasks it queues; no secrets in any line.

Lines are rendered by the formatter settings.LOGGING configures for LOG_FORMAT=json (the same
processors production runs) and read back with json.loads."""
import io
import json
import logging
import logging.config
import uuid

import pytest
import structlog
from django.conf import settings

from aragora_support.request_logging import forget_account_ids
from tests.conftest import api_as, login
from tests.factories import TicketFactory
from tests.processes import wait_until


class JsonLog:
    def __init__(self):
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def events(self, name: str) -> list[dict]:
        return [line for line in self.lines() if line["event"] == name]


@pytest.fixture
def json_log():
    """Every record the root logger handles, rendered as production renders it."""
    forget_account_ids()  # SQLite reuses ids across rolled-back tests
    config = dict(settings.LOGGING["formatters"]["json"])
    formatter = config.pop("()")(**config)
    log = JsonLog()
    handler = logging.StreamHandler(log.stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    yield log
    root.removeHandler(handler)


def test_a_portal_ticket_page_logs_one_line_with_request_user_organisation_and_ticket(client, customer, json_log):
    ticket = TicketFactory(requester=customer)
    response = login(client, customer).get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    [line] = json_log.events("request_finished")
    assert line["request_id"] == response["X-Request-ID"]
    uuid.UUID(line["request_id"])  # none came in: django-structlog's own
    assert (line["user_id"], line["organization"], line["ticket_id"]) == (
        customer.pk, customer.organization.account_id, ticket.pk)
    assert line["code"] == 200 and line["request"] == f"GET /tickets/{ticket.pk}/"
    assert not json_log.events("request_started")  # one line a request at INFO


def test_an_api_request_by_token_logs_the_token_user_and_ticket(customer, json_log):
    ticket = TicketFactory(requester=customer)
    response = api_as(customer).get(f"/api/v1/tickets/{ticket.pk}/")
    assert response.status_code == 200
    [line] = json_log.events("request_finished")
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["user_id"], line["organization"], line["ticket_id"]) == (
        customer.pk, customer.organization.account_id, ticket.pk)


def test_a_sane_incoming_request_id_is_kept(client, db, json_log):
    response = client.get("/bench/trivial", headers={"X-Request-ID": "lb-7f3a9c21-0001"})
    assert response["X-Request-ID"] == "lb-7f3a9c21-0001"
    assert json_log.events("request_finished")[0]["request_id"] == "lb-7f3a9c21-0001"


@pytest.mark.parametrize("hostile", ["a" * 129, "abcdefgh\nforged=1", "abc def ghi", "short"])
def test_a_hostile_incoming_request_id_is_replaced(client, db, json_log, hostile):
    response = client.get("/bench/trivial", headers={"X-Request-ID": hostile})
    request_id = response["X-Request-ID"]
    assert request_id != hostile
    uuid.UUID(request_id)
    assert json_log.events("request_finished")[0]["request_id"] == request_id
    assert hostile not in json_log.text


def test_secret_keys_are_masked_at_any_depth(json_log):
    structlog.get_logger("tests.logging").info(
        "probe", password="hunter2", api_key="k-123", Authorization="Bearer abc",
        payload={"Access-Token": "t-456", "ok": 1, "messages": [{"body": "the customer's text"}]},
        description="what they wrote", ticket_id=7)
    [line] = json_log.events("probe")
    assert line["password"] == line["api_key"] == line["Authorization"] == line["description"] == "***"
    assert line["payload"] == {"Access-Token": "***", "ok": 1, "messages": [{"body": "***"}]}
    assert line["ticket_id"] == 7
    for secret in ("hunter2", "k-123", "Bearer abc", "t-456", "the customer's text", "what they wrote"):
        assert secret not in json_log.text


@pytest.mark.parametrize("url, secret", [
    ("/status/unsubscribe/{s}/", "unsub-s3cr3t-token"),
    ("/status/subscribe/confirm/{s}/", "confirm-s3cr3t-token"),
    ("/calendar/{s}.ics", "feed-s3cr3t-value"),
    ("/feedback/rate/1/{s}/", "rate-s3cr3t-token"),
    ("/feedback/nps/{s}/", "nps-s3cr3t-token"),
    ("/accounts/password/reset/key/1a-{s}/", "reset-s3cr3t-key"),
    ("/status/?token={s}", "query-s3cr3t-token"),
])
def test_a_secret_in_the_url_appears_in_no_log_line(client, db, json_log, url, secret):
    client.get(url.format(s=secret))  # mostly 404s: Django's own "Not Found: <path>" line too
    [line] = json_log.events("request_finished")
    assert "***" in line["request"]
    assert secret not in json_log.text


def test_django_request_warning_lines_are_masked_too(client, db, json_log):
    client.get("/status/unsubscribe/nosuch-s3cr3t-token/")
    warnings = [line for line in json_log.lines() if line["logger"] == "django.request"]
    assert warnings and all("/status/unsubscribe/***/" in line["event"] for line in warnings)


def test_runserver_request_lines_are_masked(json_log):
    server = logging.getLogger("django.server")
    server.info('"%s" %s %s', "GET /calendar/feed-s3cr3t-value.ics HTTP/1.1", "200", "12")
    server.info('"%s" %s %s', "GET /status/?token=query-s3cr3t&page=2 HTTP/1.1", "200", "12")
    lines = [line["event"] for line in json_log.lines() if line["logger"] == "django.server"]
    assert lines == ['"GET /calendar/***.ics HTTP/1.1" 200 12', '"GET /status/?token=***&page=2 HTTP/1.1" 200 12']


def test_request_started_at_debug_is_masked_too(client, db, json_log, settings):
    logger = logging.getLogger("django_structlog.middlewares.request")
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        client.get("/status/unsubscribe/started-s3cr3t-token/")
    finally:
        logger.setLevel(previous)
    [line] = json_log.events("request_started")
    assert line["request"] == "GET /status/unsubscribe/***/"
    assert "started-s3cr3t-token" not in json_log.text


@pytest.fixture
def json_worker(monkeypatch, tmp_path, request, settings):
    """A real worker (tests/conftest.py) logging JSON lines into tmp_path/worker.log."""
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    queue = request.getfixturevalue("worker")
    settings.NOTIFICATION_QUEUE = queue  # the ticket's notifications go to this worker
    return tmp_path / "worker.log"


def test_a_probe_that_answers_well_logs_no_line_and_one_that_fails_does(client, db, json_log, settings):
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz?from=lb").status_code == 200
    assert not json_log.events("request_finished")
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens: /readyz fails
    assert client.get("/readyz").status_code == 503
    [line] = json_log.events("request_finished")
    assert line["request"] == "GET /readyz" and line["code"] == 503


def _json_lines(path) -> list[dict]:
    lines = []
    for text in path.read_text().splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue  # the worker's banner
        if isinstance(line, dict):
            lines.append(line)
    return lines


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_queued_by_a_request_logs_with_its_request_id(customer, json_log, json_worker):
    receivers = logging.getLogger("django_structlog.celery.receivers")
    previous = receivers.level
    receivers.setLevel(logging.DEBUG)  # task_enqueued is a DEBUG line (the test below)
    try:
        _a_task_queued_by_a_request_logs_with_its_request_id(customer, json_log, json_worker)
    finally:
        receivers.setLevel(previous)


def _a_task_queued_by_a_request_logs_with_its_request_id(customer, json_log, json_worker):
    response = api_as(customer).post(
        "/api/v1/tickets/", {"subject": "Logs probe", "description": "secret-ish text of the customer",
                             "severity": "P3", "environment": "production"},
        format="json", headers={"X-Request-ID": "probe-request-0001"})
    assert response.status_code == 201, response.content
    ticket_id = response.json()["id"]
    queued = [line for line in json_log.events("task_enqueued") if line.get("request_id") == "probe-request-0001"]
    assert queued, "the request queued no task"

    def worker_lines():
        return [line for line in _json_lines(json_worker)
                if line.get("event") == "task_succeeded" and line.get("request_id") == "probe-request-0001"]

    assert wait_until(lambda: worker_lines(), timeout=60), json_worker.read_text()[-3000:]
    line = worker_lines()[0]
    assert line["task_id"] in {q["child_task_id"] for q in queued}
    assert (line["user_id"], line["organization"]) == (customer.pk, customer.organization.account_id)
    assert "secret-ish text" not in json_worker.read_text() and ticket_id



def test_queuing_a_task_writes_no_line_at_info_and_one_at_debug(json_log):
    # The signal Celery sends after publishing a task; django-structlog's receiver writes the line.
    from celery.signals import after_task_publish

    def publish():
        after_task_publish.send(sender="tickets.tasks.example", headers={"id": "t-1", "task": "example"},
                                body={}, routing_key="celery")

    publish()
    assert not json_log.events("task_enqueued")
    receivers = logging.getLogger("django_structlog.celery.receivers")
    previous = receivers.level
    receivers.setLevel(logging.DEBUG)
    try:
        publish()
    finally:
        receivers.setLevel(previous)
    [line] = json_log.events("task_enqueued")
    assert line["child_task_id"] == "t-1"
