"""Slack Connect outbound: what a customer's channel hears of their tickets, in one thread per
ticket, through the outbox (sent here to a local stand-in for Slack's Web API)."""
import pytest

from notifications.models import Notification
from notifications.services import notification_send
from slack_connect.models import SlackThread
from slack_connect.services import slack_event_handle
from tickets import services
from tickets.models import Message
from tests.factories import CustomerAdminFactory, StaffFactory
from tests.notifications.support import ProviderStub

pytestmark = pytest.mark.django_db


@pytest.fixture
def requester(acme):
    # The organisation asked for every ticket in its channel (the default posts only tickets
    # opened there: see the tests at the end).
    acme.slack_posts_all_tickets = True
    acme.save()
    return CustomerAdminFactory(organization=acme, slack_user_id="U123")


@pytest.fixture
def slack(settings):
    stub = ProviderStub()
    settings.SLACK_API_BASE_URL = stub.slack_url
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    yield stub
    stub.close()


def open_ticket(requester, subject="Checkout is slow", severity="P2"):
    ticket, _ = services.ticket_create(organization=requester.organization, requester=requester, subject=subject,
                                       description="Since 09:00.", severity=severity, channel="portal")
    return ticket


def posts(ticket, channel="C0ACME"):
    return list(Notification.objects.filter(ticket=ticket, channel="slack", recipient=channel,
                                            template="ticket_update").order_by("pk"))


def posted_to_slack(stub):
    return [r["json"] for r in stub.requests if r["path"].endswith("chat.postMessage")]


def test_a_ticket_opened_in_the_portal_is_announced_in_the_customers_channel(requester):
    ticket = open_ticket(requester)
    [post] = posts(ticket)
    assert post.context["update"] == "created" and post.context["thread_ticket_id"] == ticket.pk
    assert f"Ticket #{ticket.pk} opened" in post.body_text and "(P2)" in post.body_text
    # The due time in Slack's date syntax: each reader sees it in their own time zone.
    assert f"<!date^{int(ticket.response_due_at.timestamp())}^" in post.body_text


def test_staff_public_replies_are_posted_and_customer_replies_and_internal_notes_are_not(requester):
    ticket = open_ticket(requester)
    engineer = StaffFactory(first_name="Dana", last_name="Engineer")
    services.message_create(ticket=ticket, author=engineer, body="Found it.\nA fix ships at noon.")
    services.message_create(ticket=ticket, author=engineer, body="Customer is on v2.3", is_internal=True)
    services.message_create(ticket=ticket, author=requester, body="Thanks!")
    updates = [p.context["update"] for p in posts(ticket)]
    assert updates == ["created", "replied"]
    reply = posts(ticket)[1].body_text
    assert "*Dana Engineer* replied" in reply and "> Found it.\n> A fix ships at noon." in reply
    assert "v2.3" not in reply


def test_status_and_severity_changes_are_posted_in_customer_words(requester):
    ticket = open_ticket(requester)
    staff = StaffFactory()
    services.ticket_change_severity(ticket=ticket, actor=staff, severity="P1", reason="Checkout fully down")
    services.ticket_set_status(ticket=ticket, actor=staff, status="waiting_on_customer")
    severity, status = posts(ticket)[1:]
    assert "from P2 to *P1*: Checkout fully down" in severity.body_text
    assert "*waiting on customer*" in status.body_text and "reply in this thread" in status.body_text


def test_organisations_without_slack_support_or_without_a_channel_get_no_posts(pro_org, enterprise_org):
    pro_org.slack_channel = "C0PRO"
    pro_org.save()
    for organization in (pro_org, enterprise_org):  # Pro has no Slack support; this Enterprise has no channel
        open_ticket(CustomerAdminFactory(organization=organization))
    assert not Notification.objects.filter(channel="slack", template="ticket_update").exists()


def test_a_subject_cannot_ping_the_channel(requester):
    ticket = open_ticket(requester, subject="<!channel> everything is down")
    assert "<!channel>" not in posts(ticket)[0].body_text
    assert "&lt;!channel&gt;" in posts(ticket)[0].body_text


def test_the_first_post_starts_the_tickets_thread_and_later_posts_and_slack_replies_join_it(requester, slack):
    ticket = open_ticket(requester)
    assert notification_send(posts(ticket)[0].pk) == "sent"
    first = posted_to_slack(slack)[0]
    assert first["channel"] == "C0ACME" and "thread_ts" not in first
    thread = SlackThread.objects.get(ticket=ticket)
    assert thread.thread_ts == "1700000000.000001"  # what the stand-in for Slack answered

    services.message_create(ticket=ticket, author=StaffFactory(), body="Looking into it.")
    assert notification_send(posts(ticket)[1].pk) == "sent"
    assert posted_to_slack(slack)[1]["thread_ts"] == thread.thread_ts

    # The customer answers in that thread: it joins the ticket.
    slack_event_handle({"event_id": "Ev1", "event": {
        "type": "message", "channel": "C0ACME", "user": "U123", "text": "Thanks, waiting",
        "ts": "1800000000.000001", "thread_ts": thread.thread_ts}})
    assert Message.objects.filter(ticket=ticket, author=requester, body__startswith="Thanks, waiting").exists()


def test_a_post_waits_while_an_earlier_one_is_starting_the_thread(requester, slack):
    ticket = open_ticket(requester)
    services.message_create(ticket=ticket, author=StaffFactory(), body="Looking into it.")
    created, reply = posts(ticket)
    # Two workers: the reply would go out first and start a second thread. It waits instead.
    assert notification_send(reply.pk) == "retry"
    reply.refresh_from_db()
    assert "Slack thread" in reply.last_error and posted_to_slack(slack) == []

    notification_send(created.pk)
    Notification.objects.filter(pk=reply.pk).update(next_attempt_at=reply.created_at)
    assert notification_send(reply.pk) == "sent"
    assert posted_to_slack(slack)[1]["thread_ts"] == SlackThread.objects.get(ticket=ticket).thread_ts
    assert SlackThread.objects.filter(ticket=ticket).count() == 1


def test_when_the_first_post_failed_for_good_the_next_one_starts_the_thread(requester, slack):
    ticket = open_ticket(requester)
    services.message_create(ticket=ticket, author=StaffFactory(), body="Looking into it.")
    created, reply = posts(ticket)
    Notification.objects.filter(pk=created.pk).update(status="failed")
    assert notification_send(reply.pk) == "sent"
    assert "thread_ts" not in posted_to_slack(slack)[0]
    assert SlackThread.objects.get(ticket=ticket).thread_ts == "1700000000.000001"  # the stub's ts for it


def test_a_ticket_from_slack_gets_its_updates_in_the_customers_own_thread(requester, slack):
    slack_event_handle({"event_id": "Ev2", "event": {
        "type": "message", "channel": "C0ACME", "user": "U123", "text": "[P2] Exports fail",
        "ts": "1800000000.000100"}})
    [post] = Notification.objects.filter(template="ticket_update")
    notification_send(post.pk)
    assert posted_to_slack(slack)[0]["thread_ts"] == "1800000000.000100"


def test_escalations_reach_the_customers_channel_in_the_tickets_thread(requester):
    ticket = open_ticket(requester)
    services.escalation_request(ticket=ticket, actor=requester, reason="Revenue impact")
    customer_post = Notification.objects.get(ticket=ticket, template="escalation", recipient="C0ACME")
    assert customer_post.context["thread_ticket_id"] == ticket.pk
    assert customer_post.context["audience"] == "customer"


def test_by_default_the_channel_hears_only_of_tickets_opened_in_it(acme):
    from tests.factories import CustomerFactory

    member = CustomerFactory(organization=acme, slack_user_id="U555")
    private = open_ticket(member, subject="Payroll export for Jane Doe")
    services.ticket_set_status(ticket=private, actor=StaffFactory(), status="in_progress")
    assert not Notification.objects.filter(ticket=private, channel="slack", recipient="C0ACME").exists()
    in_channel = services.ticket_create(organization=acme, requester=member, subject="Checkout is slow",
                                        description="From Slack.", severity="P2", channel="slack")[0]
    assert [p.context["update"] for p in posts(in_channel)] == ["created"]


def test_escalations_of_a_portal_ticket_stay_out_of_the_channel_by_default(acme):
    from tests.factories import CustomerFactory

    member = CustomerFactory(organization=acme)
    ticket = open_ticket(member, severity="P1")
    services.escalation_request(ticket=ticket, actor=member, reason="Board demo")
    assert not Notification.objects.filter(ticket=ticket, channel="slack", recipient="C0ACME").exists()
    assert Notification.objects.filter(ticket=ticket, template="escalation", recipient=member.email).exists()
