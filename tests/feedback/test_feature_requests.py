"""Feature requests: filed in the portal, converted from a ticket by staff, status for the customer."""
import pytest

from feedback.models import FeatureRequest, FeatureStatus
from feedback.services import feature_request_update
from tickets.models import TicketEvent
from tests.conftest import login
from tests.feedback.conftest import open_ticket

pytestmark = pytest.mark.django_db


def test_a_member_files_a_request_and_everyone_in_the_organisation_sees_its_status(client, orgs, team):
    login(client, orgs["a"]["member"])
    response = client.post("/feedback/requests/", {"title": "SAML group sync", "description": "Map IdP groups."})
    assert response.status_code == 302
    request = FeatureRequest.objects.get()
    assert (request.organization, request.requested_by, request.status) == (orgs["a"]["org"], orgs["a"]["member"],
                                                                             FeatureStatus.NEW)
    feature_request_update(feature_request=request, actor=team["engineer"], status=FeatureStatus.PLANNED,
                           public_note="Planned for Q1.")
    client.logout()
    login(client, orgs["a"]["admin"])
    body = client.get("/feedback/requests/").content.decode()
    assert "SAML group sync" in body and "Planned" in body and "Planned for Q1." in body


def test_a_request_without_a_title_is_refused_and_nothing_is_stored(client, orgs):
    login(client, orgs["a"]["member"])
    response = client.post("/feedback/requests/", {"title": " ", "description": "x"})
    assert response.status_code == 400 and not FeatureRequest.objects.exists()


def test_customers_cannot_change_a_requests_status(orgs):
    from django.core.exceptions import PermissionDenied

    request = FeatureRequest.objects.create(organization=orgs["a"]["org"], title="t", description="d")
    with pytest.raises(PermissionDenied):
        feature_request_update(feature_request=request, actor=orgs["a"]["admin"], status=FeatureStatus.SHIPPED)


def test_staff_convert_a_ticket_into_a_feature_request_once_and_the_ticket_says_so(client, orgs, team):
    ticket = open_ticket(orgs["a"]["org"], orgs["a"]["member"], subject="Export debates to Parquet")
    login(client, team["engineer"])
    action = {"action": "convert_to_feature_request", "_selected_action": [ticket.pk]}
    client.post("/admin/tickets/ticket/", action)
    request = FeatureRequest.objects.get()
    assert (request.title, request.source_ticket, request.requested_by) == (
        "Export debates to Parquet", ticket, orgs["a"]["member"])
    assert TicketEvent.objects.filter(ticket=ticket, kind="updated",
                                      data__changes__feature_request=[None, f"FR-{request.pk}"]).exists()
    response = client.post("/admin/tickets/ticket/", action, follow=True)
    assert "already feature request" in response.content.decode() and FeatureRequest.objects.count() == 1


def test_staff_move_a_request_through_its_statuses_in_the_admin(client, orgs, team):
    request = FeatureRequest.objects.create(organization=orgs["a"]["org"], title="t", description="d")
    login(client, team["engineer"])
    response = client.post(f"/admin/feedback/featurerequest/{request.pk}/change/",
                           {"status": "under_review", "public_note": "Looking at it."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.public_note) == ("under_review", "Looking at it.")
