"""The staff status API (as Statuspage's, for monitoring systems) and what bad input gets: a
clear 4xx or admin error, and nothing half-written."""
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from notifications.models import Notification
from status import incidents
from status.maintenance import maintenance_schedule
from status.models import CreditSchedule, Incident, IncidentUpdate, MaintenanceWindow
from tests.conftest import api_as
from tests.factories import CustomerAdminFactory, StaffFactory
from tests.status.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(at(2026, 12, 3, 12), tick=False):
        yield


def test_staff_open_update_and_resolve_an_incident_through_the_api(staff, components):
    client = api_as(staff)
    created = client.post("/api/v1/status/incidents/", {
        "title": "API errors", "body": "Investigating 5xx.", "impact": "major",
        "components": [{"component": "API", "status": "major_outage"}]}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["components"] == [{"component": "API", "status": "major_outage"}]
    update = client.patch(f"/api/v1/status/incidents/{pk}/", {
        "body": "Recovering.", "status": "monitoring",
        "components": [{"component": "API", "status": "degraded_performance"}]}, format="json")
    assert update.status_code == 200 and update.json()["status"] == "monitoring"
    done = client.patch(f"/api/v1/status/incidents/{pk}/", {"body": "Resolved.", "status": "resolved"}, format="json")
    assert done.json()["resolved_at"] and [u["status"] for u in done.json()["updates"]] == [
        "investigating", "monitoring", "resolved"]
    review = client.patch(f"/api/v1/status/incidents/{pk}/", {
        "started_at": "2026-12-03T11:40:00Z", "postmortem": "A bad deploy."}, format="json")
    assert review.status_code == 200 and review.json()["started_at"].startswith("2026-12-03T11:40")


def test_the_status_api_is_for_staff_only(components):
    admin = CustomerAdminFactory()
    body = {"title": "x", "body": "y"}
    assert api_as(admin).post("/api/v1/status/incidents/", body, format="json").status_code == 403
    from rest_framework.test import APIClient
    assert APIClient().post("/api/v1/status/incidents/", body, format="json").status_code == 401
    assert not Incident.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"title": "x", "body": "y", "components": [{"component": "Nope", "status": "major_outage"}]}, "components"),
    ({"title": "x", "body": "y", "impact": "apocalyptic"}, "impact"),
    ({"title": "x", "body": "y", "status": "resolved"}, "status"),
    ({"title": "x", "body": "y", "started_at": "2027-01-01T00:00:00Z"}, "started_at"),
    ({"title": "x", "body": "y", "surprise": 1}, "surprise"),
    ({"title": " ", "body": "y"}, "title"),
])
def test_a_bad_incident_is_a_400_naming_the_field_and_writes_nothing(staff, components, body, field):
    response = api_as(staff).post("/api/v1/status/incidents/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Incident.objects.exists() and not Notification.objects.exists()


def test_an_incident_cannot_end_before_it_starts(staff, components):
    incident = incidents.incident_open(actor=staff, title="x", body="y", components=[components["API"]])
    incidents.incident_update_post(incident=incident, actor=staff, body="done", status="resolved")
    response = api_as(staff).patch(f"/api/v1/status/incidents/{incident.pk}/",
                                   {"resolved_at": "2026-12-01T00:00:00Z"}, format="json")
    assert response.status_code == 400 and "resolved_at" in response.json()
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so too
        Incident.objects.filter(pk=incident.pk).update(resolved_at=at(2026, 1, 1))
    incident.refresh_from_db()
    assert incident.resolved_at == at(2026, 12, 3, 12)


def test_an_update_on_a_resolved_incident_is_refused(staff, components):
    incident = incidents.incident_open(actor=staff, title="x", body="y", components=[components["API"]])
    incidents.incident_update_post(incident=incident, actor=staff, body="done", status="resolved")
    response = api_as(staff).patch(f"/api/v1/status/incidents/{incident.pk}/", {"body": "more"}, format="json")
    assert response.status_code == 400 and "resolved" in str(response.json())
    with pytest.raises(ValidationError):
        incidents.incident_update_post(incident=incident, actor=staff, body="more")
    assert IncidentUpdate.objects.filter(incident=incident).count() == 2


def test_overlapping_maintenance_of_one_component_is_refused(staff, components):
    client = api_as(staff)
    first = {"title": "DB", "description": "x", "starts_at": "2026-12-10T02:00:00Z", "ends_at": "2026-12-10T04:00:00Z",
             "components": ["API"]}
    assert client.post("/api/v1/status/maintenances/", first, format="json").status_code == 201
    clash = client.post("/api/v1/status/maintenances/", {**first, "title": "Other", "starts_at": "2026-12-10T03:00:00Z",
                                                          "ends_at": "2026-12-10T05:00:00Z"}, format="json")
    assert clash.status_code == 400 and "overlaps" in str(clash.json())
    elsewhere = client.post("/api/v1/status/maintenances/", {**first, "title": "Web", "components": ["Web UI"]},
                            format="json")
    assert elsewhere.status_code == 201  # another component at the same time is fine
    backwards = client.post("/api/v1/status/maintenances/", {**first, "title": "Back", "components": ["SDK"],
                                                              "ends_at": "2026-12-10T01:00:00Z"}, format="json")
    assert backwards.status_code == 400 and "ends_at" in backwards.json()
    assert MaintenanceWindow.objects.count() == 2


def test_maintenance_moves_through_its_lifecycle_and_refuses_a_step_back(staff, components):
    window = maintenance_schedule(actor=staff, title="DB", description="x", starts_at=at(2026, 12, 3, 13),
                                  ends_at=at(2026, 12, 3, 14), components=[components["API"]], announce=True)
    client = api_as(staff)
    for status in ("in_progress", "verifying", "completed"):
        response = client.patch(f"/api/v1/status/maintenances/{window.pk}/", {"status": status}, format="json")
        assert response.status_code == 200 and response.json()["status"] == status
    again = client.patch(f"/api/v1/status/maintenances/{window.pk}/", {"status": "in_progress"}, format="json")
    assert again.status_code == 400


def test_the_admin_refuses_a_credit_schedule_with_a_gap(client, staff):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    form = {"name": "Gappy", "tier": "", "target_percent": "99.9",
            "bands-TOTAL_FORMS": "2", "bands-INITIAL_FORMS": "0", "bands-MIN_NUM_FORMS": "0", "bands-MAX_NUM_FORMS": "1000",
            "bands-0-lower_percent": "99.0", "bands-0-upper_percent": "99.9", "bands-0-credit_percent": "10",
            "bands-1-lower_percent": "0", "bands-1-upper_percent": "98.0", "bands-1-credit_percent": "25"}
    response = client.post("/admin/status/creditschedule/add/", form)
    assert response.status_code == 200 and "Gap between 98" in response.content.decode()
    assert not CreditSchedule.objects.filter(name="Gappy").exists()
    form["bands-1-upper_percent"] = "99.0"
    assert client.post("/admin/status/creditschedule/add/", form).status_code == 302
    assert CreditSchedule.objects.get(name="Gappy").bands.count() == 2


def test_staff_open_an_incident_in_the_admin_with_its_first_update(client, staff, components):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    form = {"title": "API errors", "impact": "major", "started_at_0": "2026-12-03", "started_at_1": "11:30:00",
            "affected_components": [components["API"].pk], "component_status": "major_outage", "first_update": ""}
    refused = client.post("/admin/status/incident/add/", form)
    assert refused.status_code == 200 and "first update" in refused.content.decode()
    assert not Incident.objects.exists()
    form["first_update"] = "We see errors on the API."
    assert client.post("/admin/status/incident/add/", form).status_code == 302
    incident = Incident.objects.get()
    assert [(a.component.name, a.status) for a in incident.affected.all()] == [("API", "major_outage")]
    assert list(incident.updates.values_list("body", flat=True)) == ["We see errors on the API."]
    assert client.get(f"/admin/status/incident/{incident.pk}/change/").status_code == 200
