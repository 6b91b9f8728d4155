"""Incident updates: what staff write reaches each affected organisation once, in its Slack
Connect channel and by email to the requesters of the linked tickets; other customers hear nothing."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from notifications.models import Notification
from notifications.services import render
from status.incidents import incident_update_post
from status.models import Component, Incident, IncidentComponent, IncidentUpdate
from tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(enterprise_org, pro_org, other_org):
    enterprise_org.slack_channel = "C0ACME"
    enterprise_org.slack_posts_all_tickets = True  # the admins asked for every ticket in the channel
    enterprise_org.save()
    incident = Incident.objects.create(title="Systemic issue: API")
    IncidentComponent.objects.create(incident=incident, component=Component.objects.get(name="API"))
    for organization in (enterprise_org, enterprise_org, pro_org):
        TicketFactory(requester=CustomerFactory(organization=organization), incident=incident)
    TicketFactory(requester__organization=other_org)  # not linked: hears nothing
    return incident


def sent_to(incident):
    return sorted((n.channel, n.recipient) for n in Notification.objects.filter(template="incident_update"))


def test_an_update_reaches_each_affected_channel_and_requester_once(incident, staff, enterprise_org, pro_org):
    incident_update_post(incident=incident, actor=staff, body="A fix is rolling out.")
    requesters = {t.requester.email for t in incident.tickets.all()}
    assert sent_to(incident) == sorted([("slack", "C0ACME")] + [("email", e) for e in requesters])
    slack = Notification.objects.get(template="incident_update", channel="slack")
    _, text, _ = render(channel="slack", template="incident_update", context=slack.context)
    acme_tickets = sorted(incident.tickets.filter(organization=enterprise_org).values_list("pk", flat=True))
    assert "A fix is rolling out." in text and ", ".join(f"#{pk}" for pk in acme_tickets) in text
    assert str(incident.tickets.get(organization=pro_org).pk) not in text  # another customer's ticket


def test_a_resolving_update_closes_the_incident_and_no_update_follows(incident, staff):
    incident_update_post(incident=incident, actor=staff, body="Fixed at 14:05 UTC.", resolves=True)
    incident.refresh_from_db()
    assert incident.resolved_at is not None
    assert IncidentUpdate.objects.get().resolves
    with pytest.raises(ValidationError, match="resolved"):
        incident_update_post(incident=incident, actor=staff, body="One more thing")


def test_an_empty_update_or_a_customer_author_is_refused(incident, staff, customer):
    with pytest.raises(ValidationError):
        incident_update_post(incident=incident, actor=staff, body="  ")
    with pytest.raises(PermissionDenied):
        incident_update_post(incident=incident, actor=customer, body="Hi")
    assert not IncidentUpdate.objects.exists()


def test_staff_post_an_update_from_the_incident_page(client, incident, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    url = f"/admin/status/incident/{incident.pk}/change/"
    page = client.get(url)
    linked = incident.tickets.order_by("pk").first()
    assert page.status_code == 200 and f"/admin/tickets/ticket/{linked.pk}/change/" in page.content.decode()
    affected = incident.affected.get()
    response = client.post(url, {
        "title": incident.title, "impact": "minor", "postmortem": "",
        "started_at_0": incident.started_at.strftime("%Y-%m-%d"), "started_at_1": incident.started_at.strftime("%H:%M:%S"),
        "resolved_at_0": "", "resolved_at_1": "",
        "affected-TOTAL_FORMS": "1", "affected-INITIAL_FORMS": "1", "affected-MIN_NUM_FORMS": "0",
        "affected-MAX_NUM_FORMS": "1000", "affected-0-id": affected.pk, "affected-0-incident": incident.pk,
        "affected-0-component": affected.component_id, "affected-0-status": "degraded_performance",
        "updates-TOTAL_FORMS": "1", "updates-INITIAL_FORMS": "0", "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000", "updates-0-body": "Mitigated; watching.", "updates-0-status": "monitoring",
    })
    assert response.status_code == 302
    assert IncidentUpdate.objects.get().body == "Mitigated; watching."
    assert Notification.objects.filter(template="incident_update", channel="slack").exists()
