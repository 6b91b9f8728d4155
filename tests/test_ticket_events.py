"""Ticket changes reach other apps by subscription (tickets.events), inside the change's
transaction; the core calls none of them."""
import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction

from notifications.models import Notification
from notifications.services import notification_enqueue, ticket_context
from tickets import events, services
from tickets.models import EventKind, Ticket, TicketEvent
from tickets.sla.sweep import sla_sweep
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc


@pytest.fixture
def heard():
    """A subscriber for the test's duration: what it heard, batch by batch."""
    batches = []

    def listen(changes):
        batches.append([(c.ticket.pk, c.event.kind, connection.in_atomic_block) for c in changes])

    events.subscribe("test.listener", listen)
    yield batches
    events.unsubscribe("test.listener")


def _open(org, requester=None, **extra):
    requester = requester or CustomerFactory(organization=org, email="c@example.com")
    ticket, _ = services.ticket_create(organization=org, requester=requester, subject="API down",
                                       description="5xx", severity=extra.pop("severity", "P3"), channel="portal",
                                       **extra)
    return ticket


def test_every_app_that_reacts_is_subscribed_by_its_own_app_config():
    names = set(events.subscribers())
    assert {"tickets.list_cache", "slack_connect.ticket_updates", "email_intake.staff_replies_mail"} <= names


def test_a_change_is_announced_once_inside_its_transaction(pro_org, heard):
    ticket = _open(pro_org)
    assert heard == [[(ticket.pk, EventKind.CREATED, True)]]


def test_a_subscriber_hears_only_the_kinds_it_asked_for(pro_org):
    heard = []
    events.subscribe("test.replies", lambda changes: heard.extend(c.kind for c in changes), kinds=[EventKind.REPLIED])
    try:
        ticket = _open(pro_org)
        services.ticket_set_status(ticket=ticket, actor=StaffFactory(), status="in_progress")
        services.message_create(ticket=ticket, author=ticket.requester, body="Any news?")
    finally:
        events.unsubscribe("test.replies")
    assert heard == [EventKind.REPLIED]


def test_subscribing_again_under_the_same_name_replaces_the_subscription(pro_org):
    heard = []
    for _ in range(2):  # as a ready() that runs twice
        events.subscribe("test.twice", lambda changes: heard.extend(changes))
    try:
        _open(pro_org)
    finally:
        events.unsubscribe("test.twice")
    assert len(heard) == 1


def test_an_outbox_row_written_by_a_subscriber_rolls_back_with_the_change(pro_org):
    def notify(changes):
        for change in changes:
            notification_enqueue(key=f"test:{change.event.pk}", channel="email", recipient="x@example.com",
                                 template="test_message", context=ticket_context(change.ticket), ticket=change.ticket)

    events.subscribe("test.outbox", notify, kinds=[EventKind.CREATED])
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            _open(pro_org)
            assert Notification.objects.filter(key__startswith="test:").count() == 1
            raise RuntimeError("the change fails after the subscriber ran")
    finally:
        events.unsubscribe("test.outbox")
    assert not Ticket.objects.exists() and not Notification.objects.filter(key__startswith="test:").exists()


def test_a_failing_subscriber_fails_the_change_it_heard_of(pro_org):
    def broken(changes):
        raise RuntimeError("subscriber bug")

    events.subscribe("test.broken", broken)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():  # the caller's transaction, as a view's
            _open(pro_org)
    finally:
        events.unsubscribe("test.broken")
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_the_sweep_announces_a_batch_of_events_in_one_call(enterprise_org, heard):
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=UTC), tick=False):
        tickets = [_open(enterprise_org, severity="P3") for _ in range(3)]
    heard.clear()
    with time_machine.travel(dt.datetime(2026, 12, 1, 13, 1, tzinfo=UTC), tick=False):
        sla_sweep()
    assert len(heard) == 1
    assert sorted(pk for pk, kind, _ in heard[0] if kind == EventKind.SLA_WARNING) == [t.pk for t in tickets]
    assert all(in_atomic for _, _, in_atomic in heard[0])


def test_a_staff_reply_is_mailed_to_the_requester_by_the_email_app_subscription(pro_org):
    ticket = _open(pro_org)
    reply = services.message_create(ticket=ticket, author=StaffFactory(first_name="Sam"), body="Fixed it.")
    mail = Notification.objects.get(key=f"reply:{reply.pk}:email:c@example.com")
    assert mail.template == "ticket_reply" and mail.context["reply"] == "Fixed it."
    events.unsubscribe("email_intake.staff_replies_mail")
    try:
        second = services.message_create(ticket=ticket, author=StaffFactory(), body="And again.")
    finally:
        from email_intake.outbound import REPLY_EVENTS, staff_replies_mail

        events.subscribe("email_intake.staff_replies_mail", staff_replies_mail, kinds=REPLY_EVENTS)
    # Without the subscription the core mails nothing itself.
    assert not Notification.objects.filter(key__startswith=f"reply:{second.pk}:").exists()
