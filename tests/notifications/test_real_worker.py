"""The outbox with real Celery worker processes, the configured broker and database, and fake
providers: duplicates, a worker killed mid-send and a Redis outage still give exactly one
delivery per notification."""
import datetime as dt
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Heartbeat
from accounts.tasks import record_heartbeat
from aragora_support.celery import app as celery_app
from notifications.models import Notification
from notifications.services import (
    dispatch, notification_enqueue, notification_enqueue_many, notification_flush, ticket_context,
)
from notifications.tasks import flush_outbox
from tests.factories import CustomerFactory, OrganizationFactory, TicketFactory, tier
from tickets.models import Ticket
from tickets.services import ticket_create

from .support import ProviderStub, RedisServer, Workers, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DUE = dt.datetime(2025, 3, 3, 14, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def make_workers(tmp_path, provider, settings):
    """Workers on a queue of their own, sending to the fake providers; stopped at teardown."""
    started = []

    def make(broker_url: str) -> Workers:
        workers = Workers(tmp_path, broker_url, env={
            "SLACK_API_BASE_URL": provider.slack_url,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "PAGER_WEBHOOK_URL": provider.pager_url,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "NOTIFICATION_SEND_TIMEOUT": "10",
        })
        settings.NOTIFICATION_QUEUE = workers.queue  # what this process publishes goes to them
        started.append(workers)
        return workers

    yield make
    for workers in started:
        workers.stop_all()


def drain(workers: Workers, timeout: float = 60):
    """Return once the worker has run every task published before this call: the queue is
    first in, first out, and a solo worker runs one task at a time."""
    name = f"barrier-{uuid.uuid4().hex[:8]}"
    record_heartbeat.apply_async(args=[name], queue=workers.queue)
    wait_until(lambda: Heartbeat.objects.filter(name=name).exists(), timeout=timeout, message="the worker's queue")


def emails_sent(tmp_path: Path) -> list[str]:
    """Message-IDs of the emails the worker's file backend wrote."""
    folder = tmp_path / "mail"
    if not folder.exists():
        return []
    return [line.split(":", 1)[1].strip() for path in sorted(folder.iterdir())
            for line in path.read_text().splitlines() if line.startswith("Message-ID:")]


def specs_for(ticket) -> list[dict]:
    """One breach, three recipients: an account manager by email, Slack, the pager."""
    context = ticket_context(ticket, clock="response", due_at=DUE)
    event = f"sla_breach:{ticket.pk}:response"
    recipients = [(f"{event}:email:am@example.com", "email", "am@example.com"),
                  (f"{event}:slack:internal", "slack", "C0ESCALATE"),
                  (f"{event}:pager", "pager", "aragora-support")]
    return [dict(key=key, channel=channel, recipient=recipient, template="sla_breach", context=context,
                 ticket=ticket) for key, channel, recipient in recipients]


def assert_delivered_exactly_once(provider: ProviderStub, tmp_path: Path, specs: list[dict]):
    rows = list(Notification.objects.order_by("key"))
    assert [row.key for row in rows] == sorted(spec["key"] for spec in specs)
    assert {row.status for row in rows} == {"sent"}
    by_channel = {row.channel: row for row in rows}
    assert [r["json"]["channel"] for r in provider.completed("/slack/")] == [by_channel["slack"].recipient]
    assert [r["json"]["dedup_key"] for r in provider.completed("/pager/")] == [by_channel["pager"].key]
    assert emails_sent(tmp_path) == [by_channel["email"].provider_id]


def test_a_breach_leads_to_exactly_one_notification_per_recipient(make_workers, provider, tmp_path, settings):
    workers = make_workers(settings.CELERY_BROKER_URL)
    workers.start()
    ticket = TicketFactory(requester__organization=OrganizationFactory(tier=tier("enterprise")), severity="P1")
    specs = specs_for(ticket)

    with transaction.atomic():  # the first sweep records the breach
        created = [notification_enqueue(**spec) for spec in specs]
    with transaction.atomic():  # a second sweep, or a racing one, records it again
        assert notification_enqueue_many(specs) == 0
    assert all(created) and Notification.objects.count() == 3
    # Duplicate send tasks too: a redelivered message, a flush racing the commit.
    dispatch([row.pk for row in created])
    notification_flush()

    wait_until(lambda: Notification.objects.filter(status="sent").count() == 3, timeout=60,
               message="three notifications sent")
    drain(workers)
    assert_delivered_exactly_once(provider, tmp_path, specs)


def test_worker_killed_while_sending_is_replaced_and_the_message_still_goes_once(make_workers, provider,
                                                                                 settings):
    provider.block_first = True  # the provider takes the first request and never answers it
    workers = make_workers(settings.CELERY_BROKER_URL)
    first = workers.start(NOTIFICATION_LEASE_SECONDS="2")
    ticket = TicketFactory(severity="P1")
    spec = specs_for(ticket)[1]  # Slack
    with transaction.atomic():
        row = notification_enqueue(**spec)

    assert provider.arrived.wait(60), "the worker never called the provider"
    workers.kill(first)  # SIGKILL mid-request: no outcome recorded, no ack
    provider.release.set()  # the stub drops the request it never completed
    row.refresh_from_db()
    assert row.status == "sending" and row.attempts == 1 and row.sent_at is None

    workers.start(NOTIFICATION_LEASE_SECONDS="2")
    wait_until(lambda: timezone.now() > row.lease_expires_at, timeout=10, message="the lease to expire")
    flush_outbox.apply_async(queue=workers.queue)  # as beat would, run by the new worker

    wait_until(lambda: Notification.objects.get(pk=row.pk).status == "sent", timeout=60, message="the resend")
    drain(workers)
    row.refresh_from_db()
    assert row.attempts == 2 and row.provider_id
    assert len(provider.requests) == 2
    [delivery] = provider.completed()
    assert delivery["json"] == {"channel": "C0ESCALATE", "text": row.body_text, "unfurl_links": False}


@contextmanager
def publishing_to(broker_url: str):
    """Point this process's Celery producers at another broker, and back afterwards."""
    amqp = celery_app.amqp
    saved = (celery_app._pool, amqp._producer_pool, celery_app.conf.get("broker_write_url"),
             celery_app.conf.broker_transport_options)
    celery_app._pool, amqp._producer_pool = None, None
    celery_app.conf["broker_write_url"] = broker_url
    celery_app.conf["broker_transport_options"] = {}
    try:
        yield
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool, amqp._producer_pool = saved[0], saved[1]
        celery_app.conf["broker_write_url"] = saved[2]
        celery_app.conf["broker_transport_options"] = saved[3]


@pytest.fixture
def private_redis(tmp_path):
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    yield redis
    redis.stop()


def test_with_redis_stopped_tickets_are_still_created_and_nothing_is_lost(make_workers, provider, private_redis,
                                                                         tmp_path, caplog):
    workers = make_workers(private_redis.url)
    # No receipt: the test counts the three notifications it enqueues itself.
    customer = CustomerFactory(organization=OrganizationFactory(tier=tier("enterprise")), notify_ticket_receipt=False)
    with publishing_to(private_redis.url):
        workers.start()
        drain(workers)  # the worker is up and consuming from the private Redis

        private_redis.stop()
        with transaction.atomic():
            ticket, created = ticket_create(
                organization=customer.organization, requester=customer, subject="Checkout is down",
                description="Every payment fails since 09:00.", severity="P1", channel="portal")
            specs = specs_for(ticket)
            rows = [notification_enqueue(**spec) for spec in specs]
        # Committed, although nothing could be published.
        assert created and Ticket.objects.filter(pk=ticket.pk).exists()
        assert all(rows)
        assert set(Notification.objects.values_list("status", flat=True)) == {"queued"}
        assert "broker unreachable" in caplog.text

        private_redis.start()
        # The next beat flush publishes what the outage held back.
        published = []
        wait_until(lambda: published.append(notification_flush()) or sum(published) >= 3, timeout=30, interval=1,
                   message="a flush that publishes")
        wait_until(lambda: Notification.objects.filter(status="sent").count() == 3, timeout=60,
                   message="three notifications sent after Redis came back")
        drain(workers)
    assert_delivered_exactly_once(provider, tmp_path, specs)
