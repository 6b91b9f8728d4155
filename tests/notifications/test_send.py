"""Sending: an exclusive claim with a lease, a sender per channel, backoff, and the flush."""
import datetime as dt
from email import message_from_bytes, policy

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError, connection
from django.utils import timezone

from notifications import senders, services, tasks
from notifications.models import Notification
from notifications.services import notification_enqueue, notification_flush, notification_send, ticket_context

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
T0 = dt.datetime(2025, 3, 3, 12, 0, tzinfo=dt.timezone.utc)


def enqueue(ticket, channel="email", recipient="am@example.com", template="sla_breach", key=None):
    context = ticket_context(ticket, clock="resolution", due_at=T0)
    return notification_enqueue(key=key or f"sla_breach:{ticket.pk}:resolution:{channel}:{recipient}",
                                channel=channel, recipient=recipient, template=template, context=context,
                                ticket=ticket)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_email_is_sent_with_text_and_html_parts_and_a_stable_message_id(ticket, published):
    row = enqueue(ticket)
    assert notification_send(row.pk) == "sent"

    [message] = mail.outbox
    assert message.to == ["am@example.com"]
    assert message.from_email == "Aragora Support <support@aragora.ai>"
    assert message.subject.startswith(f"[P1] SLA breached: resolution was due Mon 3 Mar 2025 12:00 UTC - #{ticket.pk}")
    assert "SLA breached: the resolution target" in message.body
    assert "Checkout <b>down</b> & slow" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "SLA breached: the <strong>resolution</strong> target" in html
    assert "Checkout &lt;b&gt;down&lt;/b&gt; &amp; slow" in html

    parsed = message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]
    message_id = parsed["Message-ID"]
    assert message_id == senders.message_id(row.key) and message_id.endswith("@aragora.ai>")

    row.refresh_from_db()
    assert row.status == SENT and row.sent_at is not None and row.provider_id == message_id
    assert row.attempts == 1 and row.lease_expires_at is None

    # Sent is final: another send task for the row (a redelivered message) sends nothing.
    assert notification_send(row.pk) == "skipped"
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_resend_of_the_same_key_carries_the_same_message_id(ticket, published):
    row = enqueue(ticket)
    notification_send(row.pk)
    Notification.objects.filter(pk=row.pk).update(status=QUEUED)  # as if the worker died before recording
    notification_send(row.pk)
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]


@pytest.mark.django_db
def test_claim_is_exclusive_until_the_lease_expires(ticket, published, clock):
    row = enqueue(ticket)
    winner = services._claim(row.pk)
    loser = services._claim(row.pk)
    assert winner is not None and loser is None
    assert winner.status == SENDING and winner.attempts == 1
    assert winner.lease_expires_at == T0 + dt.timedelta(seconds=120)

    clock.move_to(T0 + dt.timedelta(seconds=119))
    assert services._claim(row.pk) is None
    clock.move_to(T0 + dt.timedelta(seconds=120))
    taken_over = services._claim(row.pk)
    assert taken_over is not None and taken_over.attempts == 2


@pytest.mark.django_db
def test_failure_backs_off_exponentially_then_fails_after_max_attempts(ticket, published, monkeypatch, settings,
                                                                       clock):
    settings.NOTIFICATION_MAX_ATTEMPTS = 4

    def smtp_down(notification):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setitem(senders.SENDERS, "email", smtp_down)
    row = enqueue(ticket)
    now = T0
    for attempt, wait in [(1, 30), (2, 60), (3, 120)]:
        assert notification_send(row.pk) == "retry"
        row.refresh_from_db()
        assert row.status == QUEUED and row.attempts == attempt
        assert row.next_attempt_at == now + dt.timedelta(seconds=wait)
        assert f"attempt {attempt}: ConnectionRefusedError" in row.last_error
        now += dt.timedelta(seconds=wait)
        clock.move_to(now)
    assert notification_send(row.pk) == "failed"
    row.refresh_from_db()
    assert row.status == FAILED and row.attempts == 4 and "attempt 4" in row.last_error
    assert notification_send(row.pk) == "skipped"  # failed is final until someone retries it


@pytest.mark.django_db
def test_a_late_outcome_does_not_overwrite_the_worker_that_took_over(ticket, published, clock, monkeypatch):
    row = enqueue(ticket)
    dead = services._claim(row.pk)
    clock.move_to(T0 + dt.timedelta(minutes=5))
    assert notification_send(row.pk) == "sent"  # the lease expired: another worker sent it
    services._record_failure(dead, RuntimeError("the first worker woke up and failed"))
    row.refresh_from_db()
    assert row.status == SENT and row.last_error == ""


@pytest.mark.django_db
def test_slack_message_is_posted_to_the_slack_api(ticket, published, provider):
    row = enqueue(ticket, channel="slack", recipient="C0123456")
    assert notification_send(row.pk) == "sent"
    [request] = provider.requests
    assert request["path"] == "/slack/api/chat.postMessage"
    assert request["headers"]["Authorization"] == "Bearer xoxb-test-token"
    assert request["json"]["channel"] == "C0123456"
    assert request["json"]["text"] == row.body_text
    assert "SLA breached: the resolution target" in request["json"]["text"]
    row.refresh_from_db()
    assert row.status == SENT and row.provider_id == "1700000000.000001"


@pytest.mark.django_db
def test_slack_api_error_is_a_failed_attempt(ticket, published, provider):
    provider.fail_next = 1
    row = enqueue(ticket, channel="slack", recipient="#nowhere")
    assert notification_send(row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == QUEUED and "channel_not_found" in row.last_error


@pytest.mark.django_db
def test_slack_without_a_token_fails_the_attempt_with_a_clear_error(ticket, published, settings):
    settings.SLACK_BOT_TOKEN = ""
    row = enqueue(ticket, channel="slack", recipient="#support")
    assert notification_send(row.pk) == "retry"
    row.refresh_from_db()
    assert "SLACK_BOT_TOKEN is not set" in row.last_error


@pytest.mark.django_db
def test_pager_webhook_gets_routing_key_dedup_key_summary_and_severity(ticket, published, provider):
    row = enqueue(ticket, channel="pager", recipient="routing-key-1")
    assert notification_send(row.pk) == "sent"
    [request] = provider.requests
    assert request["path"] == "/pager/enqueue"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["json"]
    assert body["routing_key"] == "routing-key-1"
    assert body["dedup_key"] == row.key
    assert body["summary"] == row.subject
    assert body["severity"] == "critical"
    row.refresh_from_db()
    assert row.status == SENT and row.provider_id == row.key


@pytest.mark.django_db
def test_pager_server_error_is_a_failed_attempt(ticket, published, provider):
    provider.fail_next = 1
    row = enqueue(ticket, channel="pager", recipient="routing-key-1")
    assert notification_send(row.pk) == "retry"
    row.refresh_from_db()
    assert "HTTP Error 503" in row.last_error


def _row(ticket, name, **fields):
    row = enqueue(ticket, recipient=f"{name}@example.com")
    Notification.objects.filter(pk=row.pk).update(**fields)
    return row.pk


@pytest.mark.django_db
def test_flush_dispatches_only_due_rows_and_not_again_while_they_wait(ticket, published, clock):
    lease = dt.timedelta(seconds=120)
    due = _row(ticket, "due", next_attempt_at=T0 - dt.timedelta(seconds=1))
    due_now = _row(ticket, "due-now", next_attempt_at=T0)
    _row(ticket, "backing-off", next_attempt_at=T0 + dt.timedelta(seconds=30))
    dead = _row(ticket, "dead-sender", status=SENDING, attempts=1, lease_expires_at=T0 - dt.timedelta(seconds=1))
    _row(ticket, "live-sender", status=SENDING, attempts=1, lease_expires_at=T0 + dt.timedelta(seconds=60))
    _row(ticket, "sent", status=SENT, next_attempt_at=T0 - dt.timedelta(hours=1))
    _row(ticket, "failed", status=FAILED, next_attempt_at=T0 - dt.timedelta(hours=1))
    published.clear()

    assert notification_flush() == 3
    assert sorted(published) == sorted([due, due_now, dead])
    # Published rows wait a lease before the flush publishes them again (their task is queued).
    assert Notification.objects.get(pk=due).next_attempt_at == T0 + lease
    published.clear()
    assert notification_flush() == 1 and published == [dead]  # still dead: nobody claimed it yet

    published.clear()
    clock.move_to(T0 + lease)
    notification_flush()
    assert due in published and due_now in published


@pytest.mark.django_db
def test_flush_batch_is_limited(ticket, published):
    for n in range(5):
        _row(ticket, f"r{n}", next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    published.clear()
    assert notification_flush(limit=2) == 2
    assert notification_flush(limit=10) == 3


@pytest.mark.django_db
def test_a_sender_lost_on_the_last_attempt_is_marked_failed_by_the_flush(ticket, published, settings, clock):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    lost = _row(ticket, "lost", status=SENDING, attempts=3, lease_expires_at=T0 - dt.timedelta(seconds=1))
    published.clear()
    assert notification_flush() == 0
    row = Notification.objects.get(pk=lost)
    assert row.status == FAILED and "lease expired" in row.last_error


@pytest.mark.django_db
def test_flush_with_the_broker_down_leaves_rows_due_for_the_next_flush(ticket, monkeypatch, clock):
    def broker_down(*args, **kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(tasks.send_notification, "apply_async", broker_down)
    row = enqueue(ticket)
    assert notification_flush() == 0
    row.refresh_from_db()
    assert row.status == QUEUED and row.next_attempt_at <= T0


@pytest.mark.django_db
def test_flush_reads_only_through_the_partial_indexes(ticket):
    now = timezone.now()
    queries = [
        Notification.objects.filter(status=QUEUED, next_attempt_at__lte=now).order_by("next_attempt_at"),
        Notification.objects.filter(status=SENDING, lease_expires_at__lte=now).order_by("lease_expires_at"),
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
    plans = [q.values_list("pk").explain() for q in queries]
    assert "notif_queued_due" in plans[0]
    assert "notif_sending_lease" in plans[1]


@pytest.mark.django_db
def test_retry_requeues_failed_and_queued_rows_with_fresh_attempts(ticket, published,
                                                                   django_capture_on_commit_callbacks):
    failed = _row(ticket, "failed", status=FAILED, attempts=8, last_error="boom",
                  next_attempt_at=timezone.now() - dt.timedelta(days=1))
    waiting = _row(ticket, "waiting", attempts=2, next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    sent = _row(ticket, "sent", status=SENT, attempts=1)
    sending = _row(ticket, "sending", status=SENDING, attempts=1,
                   lease_expires_at=timezone.now() + dt.timedelta(minutes=1))
    published.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_retry(notification_ids=[failed, waiting, sent, sending]) == 2
    assert sorted(published) == sorted([failed, waiting])
    row = Notification.objects.get(pk=failed)
    assert row.status == QUEUED and row.attempts == 0 and row.next_attempt_at <= timezone.now()
    assert row.last_error == "boom"  # history is kept until the next attempt
    assert Notification.objects.get(pk=sent).status == SENT
    assert Notification.objects.get(pk=sending).status == SENDING
    assert notification_send(failed) == "sent"


@pytest.mark.django_db
def test_send_task_retries_when_the_database_is_unavailable(monkeypatch):
    calls = []

    def database_down(notification_id):
        calls.append(notification_id)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "notification_send", database_down)
    result = tasks.send_notification.apply(args=[7])
    assert result.failed() and isinstance(result.result, OperationalError)
    assert calls == [7] * (tasks.send_notification.max_retries + 1)


def test_send_task_is_acknowledged_late_so_a_lost_worker_does_not_lose_the_message():
    assert tasks.send_notification.acks_late is True
    assert tasks.send_notification.name == "notifications.tasks.send_notification"
    assert tasks.flush_outbox.name == "notifications.tasks.flush_outbox"


def test_beat_flushes_the_outbox_every_thirty_seconds(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-flush"]
    assert entry == {"task": "notifications.tasks.flush_outbox", "schedule": 30.0}

