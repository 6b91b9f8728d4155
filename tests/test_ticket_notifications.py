"""What people hear of tickets through the outbox, each within their preferences: the requester's
receipt, status changes and replies; the queue's staff alerted to P1/P2 at once and sent P3/P4 in
an hourly digest; the account manager told of a video-call request."""
import datetime as dt

import pytest
import time_machine

from notifications.models import Notification
from tickets import services
from tickets.alerts import new_tickets_digest
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc


def _open(org, requester, severity="P2", when=dt.datetime(2026, 12, 1, 18, 0, tzinfo=UTC)):
    with time_machine.travel(when, tick=False):
        return services.ticket_create(organization=org, requester=requester, subject="Exports time out",
                                      description="Since 09:00.", severity=severity, channel="portal")[0]


def mails(to, template):
    return list(Notification.objects.filter(recipient=to, template=template).order_by("pk"))


def test_the_requester_gets_a_receipt_with_the_targets_that_apply_and_how_to_reply(pro_org):
    requester = CustomerFactory(organization=pro_org, email="ada@initech.example", first_name="Ada")
    ticket = _open(pro_org, requester)  # Pro P2: 8 business hours to respond, 3 business days to resolve
    [receipt] = mails("ada@initech.example", "ticket_receipt")
    assert receipt.key == f"receipt:{ticket.pk}:email:ada@initech.example"
    assert f"#{ticket.pk}" in receipt.body_text and "P2" in receipt.body_text
    assert "within 8 business hours" in receipt.body_text and "within 3 business days" in receipt.body_text
    assert "reply to this email" in receipt.body_text.lower() and receipt.context["email_headers"]["Reply-To"]
    assert receipt.subject.startswith(f"[{receipt.context['token']}] Received:")
    assert "8 business hours" in receipt.body_html


def test_no_receipt_for_someone_who_turned_receipts_off(pro_org):
    requester = CustomerFactory(organization=pro_org, email="bo@initech.example", notify_ticket_receipt=False)
    _open(pro_org, requester)
    assert not mails("bo@initech.example", "ticket_receipt")


def test_the_requester_hears_when_staff_resolve_or_wait_on_them_not_of_every_step(pro_org):
    requester = CustomerFactory(organization=pro_org, email="cy@initech.example")
    ticket = _open(pro_org, requester)
    staff = StaffFactory()
    services.ticket_set_status(ticket=ticket, actor=staff, status="in_progress")
    services.ticket_set_status(ticket=ticket, actor=staff, status="waiting_on_customer")
    services.message_create(ticket=ticket, author=requester, body="Here are the logs.")  # their own: back to work
    services.ticket_set_status(ticket=ticket, actor=staff, status="resolved")
    assert [m.context["new_status_code"] for m in mails("cy@initech.example", "ticket_status")] == [
        "waiting_on_customer", "resolved"]
    assert "reopen" in mails("cy@initech.example", "ticket_status")[1].body_text


def test_status_and_reply_mails_follow_the_preferences(pro_org):
    requester = CustomerFactory(organization=pro_org, email="di@initech.example", notify_status_change=False,
                                notify_staff_reply=False)
    ticket = _open(pro_org, requester)
    staff = StaffFactory()
    services.message_create(ticket=ticket, author=staff, body="Looking into it.")
    services.ticket_set_status(ticket=ticket, actor=staff, status="resolved")
    assert not mails("di@initech.example", "ticket_status") and not mails("di@initech.example", "ticket_reply")


def test_a_new_p1_alerts_the_priority_queue_and_the_dedicated_engineer_at_once(enterprise_org):
    senior = StaffFactory(username="sasha", email="sasha@aragora.ai", role="Senior engineer")
    engineer = StaffFactory(username="sam", email="sam@aragora.ai", role="Support engineer")
    StaffFactory(username="off", email="off@aragora.ai", role="Senior engineer", is_active=False)
    enterprise_org.support_engineer = engineer
    enterprise_org.save()
    ticket = _open(enterprise_org, CustomerFactory(organization=enterprise_org), severity="P1")
    alerted = sorted(Notification.objects.filter(template="new_ticket", ticket=ticket).values_list("recipient", flat=True))
    assert alerted == ["sam@aragora.ai", "sasha@aragora.ai"]  # priority queue = senior engineers, plus theirs
    assert senior.email in alerted


def test_p3_and_p4_wait_for_the_hourly_digest_of_their_queue_sent_once(pro_org):
    StaffFactory(username="sam", email="sam@aragora.ai", role="Support engineer")
    p3 = _open(pro_org, CustomerFactory(organization=pro_org), severity="P3", when=dt.datetime(2026, 12, 1, 9, 10, tzinfo=UTC))
    _open(pro_org, CustomerFactory(organization=pro_org), severity="P4", when=dt.datetime(2026, 12, 1, 10, 5, tzinfo=UTC))
    assert not Notification.objects.filter(template="new_ticket").exists()
    assert new_tickets_digest(hour_end=dt.datetime(2026, 12, 1, 10, 0, tzinfo=UTC)) == 1
    assert new_tickets_digest(hour_end=dt.datetime(2026, 12, 1, 10, 0, tzinfo=UTC)) == 0
    [digest] = mails("sam@aragora.ai", "new_ticket_digest")
    assert [t["id"] for t in digest.context["tickets"]] == [p3.pk]  # the 10:05 ticket is the next hour's


def test_the_account_manager_hears_of_a_video_call_request(enterprise_org):
    from video_calls.services import video_call_request

    am = StaffFactory(username="alex", email="alex@aragora.ai", role="Account manager")
    enterprise_org.account_manager = am
    enterprise_org.save()
    call = video_call_request(requester=CustomerFactory(organization=enterprise_org), purpose="qbr",
                              preferred_times="Tue afternoon CET")
    [mail] = mails("alex@aragora.ai", "video_call_requested")
    assert mail.key == f"video_call:{call.pk}:requested:email:alex@aragora.ai"
    assert "Tue afternoon CET" in mail.context["preferred_times"]


def test_a_reply_that_resolves_the_ticket_reaches_the_requester_as_one_mail(pro_org):
    requester = CustomerFactory(organization=pro_org, email="ed@initech.example")
    ticket = _open(pro_org, requester)
    staff = StaffFactory()
    services.message_create(ticket=ticket, author=staff, body="Fixed in 4.2; please update.")
    services.ticket_set_status(ticket=ticket, actor=staff, status="resolved")
    # (The rating survey the resolution opens is a mail of its own: feedback, issue 13.)
    assert [m.template for m in Notification.objects.filter(recipient="ed@initech.example")
            .exclude(template="csat_request").order_by("pk")] == ["ticket_receipt", "ticket_reply"]


def test_a_ticket_that_came_by_email_gets_no_separate_receipt(pro_org):
    requester = CustomerFactory(organization=pro_org, email="fay@initech.example")
    services.ticket_create(organization=pro_org, requester=requester, subject="By mail", description="x",
                           severity="P3", channel="email")
    assert not mails("fay@initech.example", "ticket_receipt")
