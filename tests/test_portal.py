"""Customer portal pages: dashboard, new ticket form with the tier's targets, thread, replies."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets import services
from tickets.models import Attachment, Ticket
from tests.conftest import login
from tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db

FORM = {"subject": "SSO login loops", "severity": "P2", "environment": "production", "affected_users": "all",
        "description": "Login redirects forever", "business_impact": "Nobody can log in", "already_tried": "Cleared cookies"}


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_sign_in_page_renders_and_signs_in(client, customer):
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": customer.username, "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_staff_are_sent_to_the_back_office(client, staff):
    response = login(client, staff).get("/")
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")


def test_dashboard_lists_open_tickets_with_severity_status_and_due_columns(client, customer):
    TicketFactory(requester=customer, subject="Open one", severity="P1")
    TicketFactory(requester=customer, subject="Done one", status="closed")
    page = login(client, customer).get("/").content.decode()
    assert "Open one" in page and "Done one" not in page
    assert "Response due" in page and "Resolution due" in page and "P1" in page
    assert "Done one" in client.get("/?status=all").content.decode()


def test_member_sees_own_tickets_and_admin_sees_the_organisations(client, customer, customer_admin):
    TicketFactory(requester=customer, subject="Member ticket")
    TicketFactory(requester=customer_admin, subject="Admin ticket")
    member_page = login(client, customer).get("/").content.decode()
    assert "Member ticket" in member_page and "Admin ticket" not in member_page
    client.logout()
    admin_page = login(client, customer_admin).get("/").content.decode()
    assert "Member ticket" in admin_page and "Admin ticket" in admin_page


def test_new_ticket_form_shows_severity_definitions_and_the_tiers_targets(client, customer):
    page = login(client, customer).get("/tickets/new/").content.decode()
    assert "Service completely unavailable; business operations stopped" in page
    assert "4 business hours" in page and "1 business week" in page and "Best effort" in page


def test_enterprise_form_shows_enterprise_targets(client, enterprise_org):
    user = CustomerFactory(organization=enterprise_org)
    page = login(client, user).get("/tickets/new/").content.decode()
    assert "Response 1 hour · resolution 4 hours" in page and "24/7/365" in page


def test_free_tier_sees_its_channels_instead_of_a_form(client, free_org):
    user = CustomerFactory(organization=free_org)
    page = login(client, user).get("/tickets/new/").content.decode()
    assert "Community forums" in page and "GitHub issues" in page and 'name="subject"' not in page
    assert login(client, user).post("/tickets/new/", FORM).status_code == 200
    assert not Ticket.objects.exists()


def test_submitting_the_form_opens_a_portal_ticket_with_its_attachment(client, customer):
    data = {**FORM, "attachment": SimpleUploadedFile("trace.har", b"{}", content_type="application/json")}
    response = login(client, customer).post("/tickets/new/", data)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert (ticket.channel, ticket.severity, ticket.requester) == ("portal", "P2", customer)
    assert ticket.attachments.get().filename == "trace.har"


def test_invalid_form_shows_errors_and_writes_nothing(client, customer):
    response = login(client, customer).post("/tickets/new/", {**FORM, "severity": "P9", "subject": ""})
    page = response.content.decode()
    assert response.status_code == 200 and "This field is required." in page and "Select a valid choice" in page
    assert not Ticket.objects.exists()


def test_oversized_attachment_shows_the_limit_and_opens_no_ticket(client, customer, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    data = {**FORM, "attachment": SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))}
    page = login(client, customer).post("/tickets/new/", data).content.decode()
    assert "limited to 1 MB" in page
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_ticket_page_shows_thread_without_internal_notes(client, customer, staff):
    ticket = TicketFactory(requester=customer, description="The details")
    services.message_create(ticket=ticket, author=staff, body="Public answer")
    services.message_create(ticket=ticket, author=staff, body="Internal only", is_internal=True)
    page = login(client, customer).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "The details" in page and "Public answer" in page and "Internal only" not in page


def test_reply_with_attachment_from_the_ticket_page(client, customer):
    ticket = TicketFactory(requester=customer)
    data = {"body": "Here you go", "attachment": SimpleUploadedFile("shot.png", b"\x89PNG")}
    response = login(client, customer).post(f"/tickets/{ticket.pk}/", data)
    assert response.status_code == 302
    message = ticket.messages.get()
    assert message.body == "Here you go" and message.attachments.get().filename == "shot.png"
    download = client.get(f"/tickets/{ticket.pk}/attachments/{message.attachments.get().pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"\x89PNG"


def test_empty_reply_shows_an_error(client, customer):
    ticket = TicketFactory(requester=customer)
    response = login(client, customer).post(f"/tickets/{ticket.pk}/", {"body": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()


def test_closed_ticket_offers_a_new_ticket_instead_of_a_reply_box(client, customer):
    ticket = TicketFactory(requester=customer, status="closed")
    page = login(client, customer).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "This ticket is closed" in page and 'name="body"' not in page


def test_ticket_page_shows_times_in_the_viewers_time_zone(client, customer):
    import datetime

    customer.timezone = "America/Los_Angeles"
    customer.save()
    TicketFactory(requester=customer, created_at=datetime.datetime(2026, 7, 1, 16, 0, tzinfo=datetime.UTC))
    page = login(client, customer).get("/?status=all").content.decode()
    assert "1 Jul 2026, 09:00" in page


def test_ticket_page_states_the_targets_for_its_severity(client, enterprise_org):
    user = CustomerFactory(organization=enterprise_org)
    ticket = TicketFactory(requester=user, severity="P1")
    page = login(client, user).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Targets for P1: first response 1 hour, resolution 4 hours." in page


@pytest.mark.parametrize("query", [
    "", "?q=something+broke&severity=P3&status=all&requester={me}&opened_from=2020-01-01&opened_to=2999-01-01&sort=-updated",
], ids=["default", "searched-filtered-sorted"])
def test_dashboard_and_ticket_page_query_counts_do_not_grow_with_data(client, customer_admin, staff, query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    login(client, customer_admin)
    dashboard = "/" + query.format(me=customer_admin.pk)
    ticket = TicketFactory(requester=customer_admin)
    services.message_create(ticket=ticket, author=staff, body="first")
    count(dashboard)  # the process's first request for an organisation looks up its account id (logs)
    few = (count(dashboard), count(f"/tickets/{ticket.pk}/"))
    assert ticket.subject in client.get(dashboard).content.decode()
    TicketFactory.create_batch(20, requester=customer_admin)
    for n in range(10):
        services.message_create(ticket=ticket, author=staff, body=f"reply {n}")
    assert (count(dashboard), count(f"/tickets/{ticket.pk}/")) == few


def test_ticket_page_shows_clock_states_and_time_left_in_the_viewers_zone(client, enterprise_org):
    import datetime as dt

    import time_machine

    user = CustomerFactory(organization=enterprise_org, timezone="Europe/Paris")
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone.utc), tick=False):
        ticket, _ = services.ticket_create(organization=enterprise_org, requester=user, subject="s",
                                           description="d", severity="P1", channel="portal")
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 50, tzinfo=dt.timezone.utc), tick=False):
        page = login(client, user).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "At risk" in page and "10\xa0minutes left" in page  # response due 11:00 UTC
    assert "Tue 1 Dec, 12:00 CET" in page  # 11:00 UTC shown in Paris time
    assert "Breached" in page and "overdue by 20\xa0minutes" in page  # acknowledgement was due 10:30


def test_customer_requests_escalation_from_the_ticket_page(client, enterprise_org):
    ticket = TicketFactory(requester=CustomerFactory(organization=enterprise_org))
    login(client, ticket.requester)
    assert "Request escalation" in client.get(f"/tickets/{ticket.pk}/").content.decode()
    response = client.post(f"/tickets/{ticket.pk}/escalate/", {"reason": "Launch tomorrow"}, follow=True)
    page = response.content.decode()
    assert "Escalated to level 2" in page and "Customer request" in page
    ticket.refresh_from_db()
    assert ticket.escalation_level == 2


def test_the_ticket_page_states_the_escalation_rule_and_why_it_cannot_be_asked_now(client, enterprise_org):
    ticket = TicketFactory(requester=CustomerFactory(organization=enterprise_org))
    login(client, ticket.requester)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "executives are brought in for P1 and P2 tickets only" in page and "Request escalation" in page
    client.post(f"/tickets/{ticket.pk}/escalate/", {"reason": "Launch tomorrow"})
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "You can ask again in 29 minutes" in page or "You can ask again in 30 minutes" in page
    assert "Request escalation" not in page


def test_escalation_request_without_reason_shows_an_error(client, enterprise_org):
    ticket = TicketFactory(requester=CustomerFactory(organization=enterprise_org))
    response = login(client, ticket.requester).post(f"/tickets/{ticket.pk}/escalate/", {"reason": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
