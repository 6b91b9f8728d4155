"""Professional services (catalogue, requests, the account manager's steps) and support
boundaries (out of scope: a courteous reply, and for Enterprise a one-click request)."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from notifications.models import Notification
from notifications.services import render
from onboarding import services
from onboarding.models import EngagementRequest, EngagementStep, ScopeCategory, ServiceOffering
from tickets import services as ticket_services
from tickets.models import Message, Ticket
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _offering(code="custom-integration"):
    return ServiceOffering.objects.get(code=code)


@pytest.fixture
def engagement(acme, acme_admin):
    return services.engagement_request_create(organization=acme, requester=acme_admin, offering=_offering(),
                                              summary="CRM sync", details="Push debate results to our CRM.")


PROPOSAL = dict(estimate="3 weeks", price="12000", start_date=date(2026, 3, 16), end_date=date(2026, 4, 3))


def test_catalogue_is_seeded_from_the_guide():
    assert list(ServiceOffering.objects.values_list("name", "typical_duration")) == [
        ("Custom Integration", "2-4 weeks"), ("Custom Personas", "1-2 weeks"), ("On-Site Training", "1-2 days"),
        ("Architecture Review", "1 week"), ("Performance Tuning", "1-2 weeks"), ("Compliance Mapping", "2-4 weeks")]
    assert list(ScopeCategory.objects.filter(in_scope=False).values_list("name", flat=True)) == [
        "Custom code development", "Third-party system debugging", "AI model training or fine-tuning",
        "General programming questions", "Infrastructure management (customer-managed)"]
    assert ScopeCategory.objects.filter(in_scope=True).count() == 7


def test_enterprise_customer_requests_an_engagement_in_the_portal(client, acme_admin, am):
    login(client, acme_admin)
    page = client.get("/services/")
    assert b"Request an engagement" in page.content and b"Custom Personas" in page.content
    response = client.post("/services/", {"offering": _offering().pk, "summary": "CRM sync",
                                          "details": "Push debate results to our CRM."})
    engagement = EngagementRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/services/requests/{engagement.pk}/"
    assert (engagement.status, engagement.account_manager, engagement.requested_by) == ("scoping", am, acme_admin)
    assert {n.recipient for n in Notification.objects.filter(template="engagement_update")} == {
        "ada@acme.example", "alex@aragora.ai"}


def test_other_tiers_see_the_catalogue_and_contact_sales_but_cannot_request(client, initech_admin):
    login(client, initech_admin)
    page = client.get("/services/").content.decode()
    assert "Custom Integration" in page and "mailto:sales@aragora.ai" in page and "Request an engagement" not in page
    response = client.post("/services/", {"offering": _offering().pk, "summary": "x", "details": "y"})
    assert response.status_code == 400 and "available to Enterprise customers" in response.content.decode()
    assert not EngagementRequest.objects.exists()
    with pytest.raises(ValidationError, match="Initech is on Pro"):
        services.engagement_request_create(organization=initech_admin.organization, requester=initech_admin,
                                           offering=_offering(), summary="x", details="y")


def test_an_empty_request_is_refused_field_by_field(client, acme_admin):
    login(client, acme_admin)
    response = client.post("/services/", {"offering": _offering().pk, "summary": " ", "details": ""})
    assert response.status_code == 400 and not EngagementRequest.objects.exists()


def test_account_manager_takes_a_request_through_every_step_and_the_customer_sees_each(client, engagement, am,
                                                                                        acme_admin):
    services.engagement_advance(engagement=engagement, actor=am, to_status="proposal", note="As discussed.",
                                **PROPOSAL)
    services.engagement_advance(engagement=engagement, actor=acme_admin, to_status="accepted")
    services.engagement_advance(engagement=engagement, actor=am, to_status="in_progress")
    services.engagement_advance(engagement=engagement, actor=am, to_status="delivered")
    engagement.refresh_from_db()
    assert engagement.price == Decimal("12000") and engagement.estimate == "3 weeks"
    assert list(EngagementStep.objects.filter(engagement=engagement).values_list("status", flat=True)) == [
        "scoping", "proposal", "accepted", "in_progress", "delivered"]
    page = login(client, acme_admin).get(f"/services/requests/{engagement.pk}/").content.decode()
    for label in ("Scoping", "Proposal sent", "Accepted", "In progress", "Delivered", "As discussed.", "12,000.00"):
        assert label in page
    mails = Notification.objects.filter(template="engagement_update", recipient="ada@acme.example")
    # Received, proposal, in progress, delivered: not her own acceptance.
    assert mails.count() == 4
    proposal = next(m for m in mails if m.context["status"] == "proposal")
    subject, text, _ = render(channel="email", template="engagement_update", context=proposal.context)
    assert subject == f"PS-{engagement.pk} Custom Integration: proposal ready"
    assert "USD 12,000.00" in text and "2026-03-16 to 2026-04-03" in text


@pytest.mark.parametrize("moves, target, reason", [
    ([], "accepted", "the next step is proposal"),
    ([], "delivered", "cannot become delivered"),
    (["proposal"], "in_progress", "the next step is accepted"),
    (["proposal", "declined"], "proposal", "does not move any more"),
])
def test_a_transition_that_skips_a_step_is_refused(engagement, am, moves, target, reason):
    for move in moves:
        services.engagement_advance(engagement=engagement, actor=am, to_status=move, **PROPOSAL)
    with pytest.raises(ValidationError, match=reason):
        services.engagement_advance(engagement=engagement, actor=am, to_status=target, **PROPOSAL)


def test_a_proposal_needs_estimate_price_and_dates(engagement, am):
    with pytest.raises(ValidationError) as exc:
        services.engagement_advance(engagement=engagement, actor=am, to_status="proposal", price="-5",
                                    start_date=date(2026, 3, 20), end_date=date(2026, 3, 10))
    assert set(exc.value.message_dict) == {"estimate", "price", "end_date"}
    assert EngagementRequest.objects.get(pk=engagement.pk).status == "scoping"


def test_only_a_customer_admin_answers_a_proposal(client, engagement, am, acme_member):
    services.engagement_advance(engagement=engagement, actor=am, to_status="proposal", **PROPOSAL)
    with pytest.raises(PermissionDenied):
        services.engagement_advance(engagement=engagement, actor=acme_member, to_status="accepted")
    acme_admin = engagement.requested_by
    with pytest.raises(PermissionDenied):
        services.engagement_advance(engagement=engagement, actor=acme_admin, to_status="scoping")
    login(client, acme_admin)
    response = client.post(f"/services/requests/{engagement.pk}/respond/", {"decision": "declined",
                                                                            "note": "Budget moved to Q3."})
    assert response.status_code == 302
    engagement.refresh_from_db()
    assert engagement.status == "declined" and engagement.decline_reason == "Budget moved to Q3."
    again = client.post(f"/services/requests/{engagement.pk}/respond/", {"decision": "accepted"})
    assert again.status_code == 400 and "does not move any more" in again.content.decode()


# --- support boundaries ----------------------------------------------------------------------------

@pytest.fixture
def ticket(acme_member):
    ticket, _ = ticket_services.ticket_create(
        organization=acme_member.organization, requester=acme_member, subject="Write our Salesforce connector",
        description="Apex code to push results.", severity="P3", channel="portal", business_impact="Sales blind.")
    return ticket


def _custom_code():
    return ScopeCategory.objects.get(code="custom-code")


def test_marking_out_of_scope_replies_courteously_resolves_and_emails_the_customer(ticket, engineer):
    services.ticket_mark_out_of_scope(ticket=ticket, actor=engineer, category=_custom_code(),
                                             note="Happy to review the API calls you make.")
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.scope.category == _custom_code() and ticket.scope.marked_at
    assert ticket.first_response_at is not None  # the explanation is our first response
    reply = Message.objects.get(ticket=ticket)
    assert not reply.is_internal and reply.author == engineer
    assert "falls outside what Aragora support covers: custom code development" in reply.body
    assert "Happy to review the API calls you make." in reply.body
    assert '"Request professional services"' in reply.body and "Custom Integration" in reply.body
    assert "API and SDK usage" in reply.body  # what support does cover
    # The resolution also asks for a rating (feedback, issue 13): a separate mail, not a second explanation.
    mails = (Notification.objects.filter(recipient="max@acme.example", ticket=ticket)
             .exclude(template__in=["ticket_receipt", "csat_request"]))
    assert mails.count() == 1  # one email: the reply mail, or ours if replies are not mailed (not a status mail too)
    assert Notification.objects.filter(recipient="max@acme.example", ticket=ticket, template="csat_request").exists()
    assert "falls outside what Aragora support covers" in (mails.get().context.get("reply") or "")


def test_pro_customers_are_pointed_to_sales_not_to_a_request(pro_org, customer, engineer):
    ticket, _ = ticket_services.ticket_create(organization=pro_org, requester=customer, subject="Fine-tune a model",
                                              description="x", severity="P4", channel="portal")
    services.ticket_mark_out_of_scope(ticket=ticket, actor=engineer,
                                             category=ScopeCategory.objects.get(code="model-training"))
    body = Message.objects.get(ticket=ticket).body
    assert "Enterprise plan" in body and "sales@aragora.ai" in body and "Request professional services" not in body


def test_out_of_scope_is_refused_for_customers_in_scope_categories_and_closed_tickets(ticket, engineer, acme_admin):
    with pytest.raises(PermissionDenied):
        services.ticket_mark_out_of_scope(ticket=ticket, actor=acme_admin, category=_custom_code())
    with pytest.raises(ValidationError, match="out-of-scope categories"):
        services.ticket_mark_out_of_scope(ticket=ticket, actor=engineer,
                                                 category=ScopeCategory.objects.get(code="api-sdk"))
    ticket_services.ticket_set_status(ticket=ticket, actor=engineer, status="closed")
    with pytest.raises(ValidationError, match="closed"):
        services.ticket_mark_out_of_scope(ticket=ticket, actor=engineer, category=_custom_code())
    assert not Message.objects.filter(ticket=ticket).exists()


def test_enterprise_customer_turns_the_ticket_into_a_request_with_one_click(client, ticket, engineer, acme_member):
    services.ticket_mark_out_of_scope(ticket=ticket, actor=engineer, category=_custom_code())
    login(client, acme_member)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Outside our support scope" in page and "Request professional services" in page
    response = client.post(f"/tickets/{ticket.pk}/professional-services/")
    engagement = EngagementRequest.objects.get()
    assert response["Location"] == f"/services/requests/{engagement.pk}/"
    assert engagement.source_ticket == ticket and engagement.offering.code == "custom-integration"
    assert engagement.summary == f"From ticket #{ticket.pk}: Write our Salesforce connector"
    assert "Apex code to push results." in engagement.details and "Sales blind." in engagement.details
    # A second click returns the same request; the ticket page now links to it.
    client.post(f"/tickets/{ticket.pk}/professional-services/")
    assert EngagementRequest.objects.count() == 1
    assert f"PS-{engagement.pk}" in client.get(f"/tickets/{ticket.pk}/").content.decode()


def test_an_in_scope_ticket_has_no_offer_and_cannot_be_converted(client, ticket, acme_member):
    login(client, acme_member)
    assert "Outside our support scope" not in client.get(f"/tickets/{ticket.pk}/").content.decode()
    response = client.post(f"/tickets/{ticket.pk}/professional-services/", follow=True)
    assert "Only a ticket we marked out of scope" in response.content.decode()
    assert not EngagementRequest.objects.exists()


def test_staff_mark_out_of_scope_from_the_ticket_admin(client, ticket, engineer):
    login(client, engineer)
    changelist = client.get("/admin/tickets/ticket/").content.decode()
    assert "Out of scope: Custom code development" in changelist
    response = client.post("/admin/tickets/ticket/", {"action": "out_of_scope_custom_code",
                                                      "_selected_action": [ticket.pk]}, follow=True)
    assert "Marked out of scope (Custom code development): 1 ticket(s)." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).scope.category == _custom_code()
    again = client.post("/admin/tickets/ticket/", {"action": "out_of_scope_custom_code",
                                                   "_selected_action": [ticket.pk]}, follow=True)
    assert "already marked out of scope" in again.content.decode()
