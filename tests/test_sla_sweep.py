"""The sweep records warnings, breaches and escalation steps once, and tells the right people."""
import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from tickets import services
from tickets.models import EventKind, Ticket, TicketEvent
from tickets.sla.sweep import sla_sweep
from tests.factories import CustomerFactory, OrganizationFactory, StaffFactory, TicketFactory, tier

pytestmark = pytest.mark.django_db

UTC = dt.timezone.utc


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def people(enterprise_org):
    """The Enterprise organisation's account manager and dedicated engineer, and one of each role."""
    am = StaffFactory(username="am", email="am@aragora.ai", role="Account manager")
    se = StaffFactory(username="se", email="se@aragora.ai", role="Support engineer")
    StaffFactory(username="senior", email="senior@aragora.ai", role="Senior engineer")
    StaffFactory(username="lead", email="lead@aragora.ai", role="Engineering lead")
    StaffFactory(username="vp", email="vp@aragora.ai", role="VP engineering")
    StaffFactory(username="ceo", email="ceo@aragora.ai", role="Executive")
    enterprise_org.account_manager, enterprise_org.support_engineer = am, se
    enterprise_org.slack_channel = "C0ACME"
    enterprise_org.slack_posts_all_tickets = True  # the admins asked for every ticket in the channel
    enterprise_org.save()
    return {"am": am, "se": se}


def open_p1(org, when=at(2026, 12, 1, 10, 0), severity="P1", **extra):
    with time_machine.travel(when, tick=False):
        ticket, _ = services.ticket_create(organization=org, requester=CustomerFactory(organization=org, email="c@x.io"),
                                           subject="API down", description="5xx", severity=severity,
                                           channel="portal", **extra)
    return ticket


def sweep_at(when):
    with time_machine.travel(when, tick=False):
        return sla_sweep()


def kinds(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).exclude(kind="created").values_list("kind", "data"))


def test_warning_is_recorded_once_with_one_notification_per_recipient(enterprise_org, people):
    ticket = open_p1(enterprise_org, severity="P3")  # response 4 h: warned at 3 h
    sweep_at(at(2026, 12, 1, 13, 1))
    sweep_at(at(2026, 12, 1, 13, 2))
    assert kinds(ticket) == [("sla_warning", {"clock": "response", "due_at": "2026-12-01T14:00:00+00:00"})]
    keys = list(Notification.objects.filter(ticket=ticket).values_list("key", flat=True))
    assert len(keys) == len(set(keys)) > 0
    assert {n.recipient for n in Notification.objects.filter(ticket=ticket, channel="email",
                                                             template="sla_warning")} == {"se@aragora.ai"}


def test_breach_is_recorded_once_even_when_swept_again(enterprise_org, people):
    ticket = open_p1(enterprise_org, severity="P3")
    for minute in (1, 2, 3):
        sweep_at(at(2026, 12, 1, 14, minute))
    events = [k for k, d in kinds(ticket) if k == "sla_breached"]
    assert events == ["sla_breached"]
    emails = Notification.objects.filter(ticket=ticket, channel="email", template="sla_breach")
    assert sorted(emails.values_list("recipient", flat=True)) == ["se@aragora.ai"]


def test_enterprise_p1_not_acknowledged_in_30_minutes_escalates_at_once(enterprise_org, people):
    ticket = open_p1(enterprise_org)
    sweep_at(at(2026, 12, 1, 10, 31))
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2
    steps = [d for k, d in kinds(ticket) if k == "escalated"]
    assert steps == [{"level": 2, "title": "Account manager + senior engineer", "trigger": "p1_not_acknowledged",
                      "reason": ""}]
    recipients = set(Notification.objects.filter(ticket=ticket, template="escalation", channel="email")
                     .values_list("recipient", flat=True))
    assert recipients == {"am@aragora.ai", "se@aragora.ai", "senior@aragora.ai", "c@x.io"}
    slack = set(Notification.objects.filter(ticket=ticket, template="escalation", channel="slack")
                .values_list("recipient", flat=True))
    assert slack == {"#support-escalations", "C0ACME"}


def test_enterprise_ladder_climbs_by_elapsed_time_to_the_executive(enterprise_org, people):
    ticket = open_p1(enterprise_org, severity="P2")
    services.ticket_acknowledge(ticket=ticket, actor=people["se"])
    levels = []
    for when in (at(2026, 12, 1, 10, 59), at(2026, 12, 1, 11, 0), at(2026, 12, 1, 12, 0), at(2026, 12, 1, 14, 0)):
        sweep_at(when)
        ticket.refresh_from_db()
        levels.append(ticket.escalation_level)
    assert levels == [1, 2, 3, 4]
    assert [d["trigger"] for k, d in kinds(ticket) if k == "escalated"] == ["elapsed"] * 3


def test_a_late_sweep_takes_every_step_that_came_due(enterprise_org, people):
    ticket = open_p1(enterprise_org, severity="P2")
    services.ticket_acknowledge(ticket=ticket, actor=people["se"])
    sweep_at(at(2026, 12, 1, 15, 0))
    ticket.refresh_from_db()
    assert ticket.escalation_level == 4
    assert [d["level"] for k, d in kinds(ticket) if k == "escalated"] == [2, 3, 4]


def test_p3_does_not_climb_the_ladder_by_time(enterprise_org, people):
    ticket = open_p1(enterprise_org, severity="P3")
    sweep_at(at(2026, 12, 1, 20, 0))
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1 and ticket.next_escalation_at is None


def test_p1_not_resolved_within_target_escalates_immediately(enterprise_org, people):
    ticket = open_p1(enterprise_org)
    services.message_create(ticket=ticket, author=people["se"], body="on it")  # acked and answered
    sweep_at(at(2026, 12, 1, 11, 30))  # ladder: L2 at 1 h
    sweep_at(at(2026, 12, 1, 13, 30))  # ladder: L3 at 2 h
    sweep_at(at(2026, 12, 1, 14, 0, 1))  # resolution breached at 4 h: L4 at once
    ticket.refresh_from_db()
    steps = [(d["level"], d["trigger"]) for k, d in kinds(ticket) if k == "escalated"]
    assert steps == [(2, "elapsed"), (3, "elapsed"), (4, "p1_not_resolved")]


def test_waiting_on_customer_stops_the_ladder(enterprise_org, people):
    ticket = open_p1(enterprise_org, severity="P2")
    with time_machine.travel(at(2026, 12, 1, 10, 30), tick=False):
        services.ticket_set_status(ticket=ticket, actor=people["se"], status="waiting_on_customer")
    sweep_at(at(2026, 12, 1, 16, 0))
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1


def test_pager_is_used_for_p1_outside_business_hours_only(enterprise_org, people):
    night = open_p1(enterprise_org, when=at(2026, 12, 5, 6, 0))  # Saturday 22:00 in California
    sweep_at(at(2026, 12, 5, 6, 31))
    assert Notification.objects.filter(ticket=night, channel="pager").count() == 2  # ack breach + escalation
    day = open_p1(enterprise_org, when=at(2026, 12, 1, 18, 0))  # Tuesday 10:00 in California
    sweep_at(at(2026, 12, 1, 18, 31))
    assert not Notification.objects.filter(ticket=day, channel="pager").exists()


def test_sweep_reads_only_due_tickets_with_constant_queries(enterprise_org, people):
    first = open_p1(enterprise_org)
    with CaptureQueriesContext(connection) as few:
        sweep_at(at(2026, 12, 1, 10, 31))
    services.message_create(ticket=first, author=people["se"], body="Fixed")  # stops the response clock
    services.ticket_resolve(ticket=first, actor=people["se"])
    for minute in range(5):
        open_p1(enterprise_org, when=at(2026, 12, 1, 12, minute))
    open_p1(enterprise_org, when=at(2026, 12, 1, 13, 0))  # open but not due: not read
    with CaptureQueriesContext(connection) as more:
        counts = sweep_at(at(2026, 12, 1, 12, 31))
    assert counts["tickets"] == 5
    assert len(more.captured_queries) == len(few.captured_queries)


def test_sla_sweep_command_runs_one_sweep(enterprise_org, people, capsys):
    open_p1(enterprise_org)
    with time_machine.travel(at(2026, 12, 1, 10, 31), tick=False):
        call_command("sla_sweep")
    assert "escalated: 1" in capsys.readouterr().out


# -- systemic problems ------------------------------------------------------------------------------
def test_three_p1_p2_tickets_from_two_organisations_on_one_component_become_an_incident(enterprise_org, people):
    from status.models import Component

    api = Component.objects.get(name="API")
    other = OrganizationFactory(tier=tier("enterprise"))
    a = open_p1(enterprise_org, when=at(2026, 12, 1, 10, 0), component=api)
    b = open_p1(enterprise_org, when=at(2026, 12, 1, 10, 20), component=api, severity="P2")
    assert Ticket.objects.filter(incident__isnull=False).count() == 0  # one organisation: not systemic yet
    c = open_p1(other, when=at(2026, 12, 1, 10, 50), component=api)
    for ticket in (a, b, c):
        ticket.refresh_from_db()
    assert a.incident_id == b.incident_id == c.incident_id is not None
    assert [(d["trigger"], d["level"]) for k, d in kinds(a) if k == "escalated"] == [("systemic", 2)]
    assert {k for k, _ in kinds(c)} >= {"incident_linked", "escalated"}


def test_related_tickets_outside_the_window_are_not_systemic(enterprise_org, people):
    from status.models import Component

    api = Component.objects.get(name="API")
    other = OrganizationFactory(tier=tier("enterprise"))
    open_p1(enterprise_org, when=at(2026, 12, 1, 8, 0), component=api)
    open_p1(other, when=at(2026, 12, 1, 9, 30), component=api)
    open_p1(other, when=at(2026, 12, 1, 10, 0), component=api)
    assert Ticket.objects.filter(incident__isnull=False).count() == 0


# -- customer escalation requests -----------------------------------------------------------------------
def test_customer_request_escalates_one_level_and_is_recorded(enterprise_org, people):
    ticket = open_p1(enterprise_org, severity="P3")
    ticket = services.escalation_request(ticket=ticket, actor=ticket.requester, reason="Board demo at 3pm")
    assert ticket.escalation_level == 2
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATED)
    assert event.actor == ticket.requester and event.data["trigger"] == "customer_request"
    assert event.data["reason"] == "Board demo at 3pm"


def test_customer_cannot_escalate_past_the_top_or_a_resolved_ticket(enterprise_org, people):
    from django.core.exceptions import ValidationError

    ticket = open_p1(enterprise_org, severity="P1")
    for hour in (11, 12, 13):  # each past the cool-down of the one before
        with time_machine.travel(at(2026, 12, 1, hour, 0), tick=False):
            ticket = services.escalation_request(ticket=ticket, actor=ticket.requester, reason="urgent")
    assert ticket.escalation_level == 4
    with time_machine.travel(at(2026, 12, 1, 14, 0), tick=False), pytest.raises(ValidationError, match="highest level"):
        services.escalation_request(ticket=ticket, actor=ticket.requester, reason="urgent")
    services.ticket_resolve(ticket=ticket, actor=people["se"])
    with pytest.raises(ValidationError, match="resolved"):
        services.escalation_request(ticket=ticket, actor=ticket.requester, reason="urgent")
    with pytest.raises(ValidationError):
        services.escalation_request(ticket=ticket, actor=ticket.requester, reason="  ")


def test_a_customer_asks_again_only_after_the_cool_down(enterprise_org, people, settings):
    from django.core.exceptions import ValidationError

    settings.CUSTOMER_ESCALATION_COOLDOWN_MINUTES = 30
    ticket = open_p1(enterprise_org, severity="P2")
    with time_machine.travel(at(2026, 12, 1, 10, 5), tick=False):
        ticket = services.escalation_request(ticket=ticket, actor=ticket.requester, reason="Launch today")
    with time_machine.travel(at(2026, 12, 1, 10, 34), tick=False), \
            pytest.raises(ValidationError, match="ask again in 1 minute"):
        services.escalation_request(ticket=ticket, actor=ticket.requester, reason="Still urgent")
    assert Ticket.objects.get(pk=ticket.pk).escalation_level == 2
    with time_machine.travel(at(2026, 12, 1, 10, 35), tick=False):
        assert services.escalation_request(ticket=ticket, actor=ticket.requester, reason="Still urgent").escalation_level == 3


def test_a_customer_cannot_bring_executives_into_a_p3_or_p4(enterprise_org, people):
    from django.core.exceptions import ValidationError

    ticket = open_p1(enterprise_org, severity="P4")
    for hour in (11, 12):
        with time_machine.travel(at(2026, 12, 1, hour, 0), tick=False):
            ticket = services.escalation_request(ticket=ticket, actor=ticket.requester, reason="please")
    assert ticket.escalation_level == 3  # Enterprise L3 is engineering leadership; L4 is the executives
    with time_machine.travel(at(2026, 12, 1, 13, 0), tick=False), \
            pytest.raises(ValidationError, match="executives are brought in for P1 and P2 tickets only"):
        services.escalation_request(ticket=ticket, actor=ticket.requester, reason="please")
    assert not Notification.objects.filter(ticket=ticket, key__contains=":L4:").exists()


def test_customers_get_customer_wording_and_a_portal_link(enterprise_org, people):
    from notifications.services import render

    ticket = open_p1(enterprise_org)
    sweep_at(at(2026, 12, 1, 10, 31))
    to_customer = Notification.objects.get(ticket=ticket, template="escalation", recipient="c@x.io")
    to_slack_connect = Notification.objects.get(ticket=ticket, template="escalation", recipient="C0ACME")
    for notification in (to_customer, to_slack_connect):
        assert notification.context["audience"] == "customer"
        _, text, _ = render(channel=notification.channel, template="escalation", context=notification.context)
        assert "/admin/" not in text and f"/tickets/{ticket.pk}/" in text
    staff = Notification.objects.get(ticket=ticket, template="escalation", recipient="am@aragora.ai")
    assert "audience" not in staff.context


def test_notifications_queued_by_the_sweep_are_rendered_when_sent(enterprise_org, people, settings):
    from django.core import mail

    from notifications.services import notification_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ticket = open_p1(enterprise_org, severity="P3")
    sweep_at(at(2026, 12, 1, 14, 1))
    row = Notification.objects.get(ticket=ticket, template="sla_breach", recipient="se@aragora.ai")
    assert row.body_text == ""  # the sweep leaves rendering to the sender
    assert notification_send(row.pk) == "sent"
    message = mail.outbox[-1]
    assert message.to == ["se@aragora.ai"] and f"#{ticket.pk}" in message.subject
    assert "response" in message.body and message.alternatives[0][1] == "text/html"
    row.refresh_from_db()
    assert row.status == "sent" and row.body_text
