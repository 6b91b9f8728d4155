"""Writing to the outbox: idempotent, rendered in the event's transaction, sent after commit."""
import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from notifications import services, tasks
from notifications.models import Notification, NotificationStatus
from notifications.services import notification_enqueue, notification_enqueue_many, ticket_context

DUE = dt.datetime(2025, 3, 3, 14, 0, tzinfo=dt.timezone.utc)


def breach(ticket, recipient="am@example.com", channel="email", **extra):
    context = ticket_context(ticket, clock="response", due_at=DUE, **extra)
    return dict(key=f"sla_breach:{ticket.pk}:response:{channel}:{recipient}", channel=channel, recipient=recipient,
                template="sla_breach", context=context, ticket=ticket)


@pytest.mark.django_db
def test_enqueue_twice_with_the_same_key_makes_one_row(ticket, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_enqueue(**breach(ticket))
        second = notification_enqueue(**breach(ticket))
    assert first is not None and second is None
    assert Notification.objects.count() == 1
    assert published == [first.pk]


@pytest.mark.django_db
def test_enqueue_renders_subject_text_and_html_at_enqueue_time(ticket, published):
    row = notification_enqueue(**breach(ticket))
    assert row.status == NotificationStatus.QUEUED and row.attempts == 0
    assert row.subject == (f"[P1] SLA breached: first response was due Mon 3 Mar 2025 14:00 UTC - "
                           f"#{ticket.pk} Checkout <b>down</b> & slow")
    # Plain text is not escaped; HTML is.
    assert "Checkout <b>down</b> & slow" in row.body_text
    assert "Initech & Sons (Enterprise)" in row.body_text
    assert f"https://support.example.com/admin/tickets/ticket/{ticket.pk}/change/" in row.body_text
    assert "Checkout &lt;b&gt;down&lt;/b&gt; &amp; slow" in row.body_html
    assert "<b>down</b>" not in row.body_html
    # Later edits to the ticket do not change what was decided.
    ticket.subject = "Renamed"
    ticket.save()
    row.refresh_from_db()
    assert "Checkout" in row.body_text and row.context["subject"] == "Checkout <b>down</b> & slow"


@pytest.mark.django_db
def test_slack_text_escapes_mentions_and_has_no_html_part(ticket, published):
    ticket.subject = "<!channel> pay attention"
    row = notification_enqueue(**breach(ticket, recipient="#support-escalations", channel="slack"))
    assert "&lt;!channel&gt; pay attention" in row.body_text
    assert "<!channel>" not in row.body_text
    assert row.body_html == ""


@pytest.mark.django_db
def test_customer_escalation_links_to_the_portal_not_the_back_office(ticket, published):
    context = ticket_context(ticket, level=2, level_title="Account manager + senior engineer",
                             trigger="customer_request", reason="We are losing orders", audience="customer")
    row = notification_enqueue(key="escalation:1:L2:email:c@x", channel="email", recipient="c@x",
                               template="escalation", context=context, ticket=ticket)
    assert row.subject == f"Your ticket #{ticket.pk} has been escalated"
    assert f"https://support.example.com/tickets/{ticket.pk}/" in row.body_text
    assert "/admin/" not in row.body_text and "/admin/" not in row.body_html

    staff = notification_enqueue(key="escalation:1:L2:email:am@x", channel="email", recipient="am@x",
                                 template="escalation", context={**context, "audience": "staff"}, ticket=ticket)
    assert staff.subject.startswith("[P1] Escalated to L2 Account manager + senior engineer")
    assert "the customer asked for escalation" in staff.body_text and "We are losing orders" in staff.body_text
    assert "/admin/tickets/ticket/" in staff.body_text


@pytest.mark.django_db
@pytest.mark.parametrize("template", ["sla_warning", "sla_breach", "escalation", "test_message"])
@pytest.mark.parametrize("channel", ["email", "slack", "pager"])
def test_every_template_renders_on_every_channel(ticket, published, template, channel):
    context = ticket_context(ticket, clock="ack", due_at=DUE, level=3, level_title="Engineering leadership",
                             trigger="elapsed", contact_name="Dana")
    row = notification_enqueue(key=f"{template}:{channel}", channel=channel, recipient="r", template=template,
                               context=context)
    assert row.subject and "\n" not in row.subject
    assert row.body_text.strip()
    assert bool(row.body_html) == (channel == "email")


@pytest.mark.django_db
def test_rolled_back_transaction_leaves_no_row_and_sends_nothing(ticket, published,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                notification_enqueue(**breach(ticket))
                raise RuntimeError("the event was not recorded")
    assert Notification.objects.count() == 0
    assert callbacks == [] and published == []


@pytest.mark.django_db
def test_nothing_is_published_before_commit(ticket, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = notification_enqueue(**breach(ticket))
    assert published == [] and len(callbacks) == 1
    callbacks[0]()
    assert published == [row.pk]


@pytest.mark.django_db
def test_broker_outage_at_commit_is_logged_and_the_row_stays_queued(ticket, monkeypatch, caplog,
                                                                    django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(tasks.send_notification, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        row = notification_enqueue(**breach(ticket))
    row.refresh_from_db()
    assert row.status == NotificationStatus.QUEUED
    assert "broker unreachable" in caplog.text


@pytest.mark.django_db
def test_enqueue_refuses_bad_input_without_writing(ticket, published):
    good = breach(ticket)
    with pytest.raises(ValidationError, match="Unknown channel"):
        notification_enqueue(**{**good, "channel": "fax"})
    with pytest.raises(ValidationError, match="plain JSON"):
        notification_enqueue(**{**good, "context": {"due_at": DUE}})
    with pytest.raises(ValidationError, match="No notification template"):
        notification_enqueue(**{**good, "template": "no_such_template"})
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_enqueue_many_skips_existing_and_repeated_keys(ticket, published, django_capture_on_commit_callbacks):
    notification_enqueue(**breach(ticket, "a@example.com"))
    published.clear()

    class Spec:  # the shape of tickets.sla.notify.Spec
        def __init__(self, recipient):
            data = breach(ticket, recipient)
            self.key, self.channel, self.recipient = data["key"], data["channel"], data["recipient"]
            self.template, self.context, self.ticket_id = data["template"], data["context"], ticket.pk

    specs = [Spec("a@example.com"), Spec("b@example.com"), Spec("b@example.com"), breach(ticket, "c@example.com")]
    with django_capture_on_commit_callbacks(execute=True):
        added = notification_enqueue_many(specs)
        assert notification_enqueue_many(specs) == 0
    assert added == 2
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == [
        "a@example.com", "b@example.com", "c@example.com"]
    assert sorted(published) == sorted(Notification.objects.exclude(recipient="a@example.com")
                                       .values_list("pk", flat=True))
    assert set(Notification.objects.values_list("ticket_id", flat=True)) == {ticket.pk}


@pytest.mark.django_db
def test_enqueue_many_reads_twice_and_inserts_in_batches_however_many_specs(ticket, published):
    specs = [breach(ticket, f"user{n}@example.com") for n in range(200)]
    with CaptureQueriesContext(connection) as queries:
        assert notification_enqueue_many(specs) == 200
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # The existing keys and the new ids; inserts are as few as the backend's parameter limit allows.
    assert statements.count("SELECT") == 2
    assert set(statements) <= {"SELECT", "INSERT", "SAVEPOINT", "RELEASE"}
    assert statements.count("INSERT") <= (1 if connection.vendor == "postgresql" else 200 * 16 // 999 + 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_enqueues_of_one_key_make_one_row_and_neither_fails(ticket, published):
    inserted, errors = [], []
    first_inserted = threading.Event()

    def enqueue(hold: bool):
        try:
            with transaction.atomic():
                inserted.append(notification_enqueue(**breach(ticket)))
                if hold:
                    first_inserted.set()
                    # The other transaction now waits on our uncommitted row.
                    threading.Event().wait(0.5)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    holder = threading.Thread(target=enqueue, args=(True,))
    holder.start()
    assert first_inserted.wait(10)
    racer = threading.Thread(target=enqueue, args=(False,))
    racer.start()
    holder.join(10)
    racer.join(10)
    assert errors == []
    assert Notification.objects.count() == 1
    assert sorted(row is None for row in inserted) == [False, True]


def test_backoff_doubles_from_thirty_seconds_and_is_capped(settings):
    settings.NOTIFICATION_BACKOFF_SECONDS = 30
    settings.NOTIFICATION_BACKOFF_MAX_SECONDS = 3600
    assert [services.backoff_seconds(n) for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]
