"""Tenancy of every onboarding page and endpoint: a user of another organisation gets a 404 or
sees nothing of ours, and changes nothing (route names are classified in tests/test_tenancy.py)."""
from datetime import date

import pytest

from onboarding import services
from onboarding.models import CalendarFeed, EngagementRequest, EngagementStep, OnboardingPlan, ScopeCategory
from tickets import services as ticket_services
from tests.conftest import login
from tests.factories import CustomerAdminFactory, CustomerFactory, OrganizationFactory, StaffFactory, tier

from .conftest import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two Enterprise organisations, each with a plan, a request, an out-of-scope ticket and a feed."""
    staff = StaffFactory(username="am2", email="am2@aragora.ai", role="Account manager")
    out = {}
    for name in ("a", "b"):
        org = OrganizationFactory(name=f"Org {name}", tier=tier("enterprise"), account_manager=staff)
        admin = CustomerAdminFactory(organization=org, username=f"{name}-admin")
        member = CustomerFactory(organization=org, username=f"{name}-member")
        plan = make_plan(org, date(2026, 3, 4), staff)
        plan.activities.filter(order=1).update(notes=f"Secret note of {name}")
        engagement = services.engagement_request_create(organization=org, requester=member,
                                                        offering=services.engagements.ServiceOffering.objects.first(),
                                                        summary=f"Secret request of {name}", details="x")
        services.engagement_advance(engagement=engagement, actor=staff, to_status="proposal", estimate="1 week",
                                    price="100", start_date=date(2026, 3, 9), end_date=date(2026, 3, 13))
        ticket, _ = ticket_services.ticket_create(organization=org, requester=member, subject=f"Ticket of {name}",
                                                  description="x", severity="P4", channel="portal")
        services.ticket_mark_out_of_scope(ticket=ticket, actor=staff,
                                                 category=ScopeCategory.objects.get(code="custom-code"))
        out[name] = dict(org=org, admin=admin, member=member, plan=plan, engagement=engagement, ticket=ticket,
                         feed=CalendarFeed.objects.get(organization=org))
    services.checkins_generate()
    return out


def _counts():
    return (EngagementRequest.objects.count(), EngagementStep.objects.count(), OnboardingPlan.objects.count())


@pytest.mark.parametrize("role", ["admin", "member"])
def test_onboarding_pages_never_show_or_change_another_organisations_data(client, world, role):
    a, b = world["a"], world["b"]
    login(client, b[role])
    before = _counts()
    for page in ("/onboarding/", "/services/"):
        response = client.get(page)
        body = response.content.decode()
        assert response.status_code == 200
        assert "Secret note of a" not in body and "Secret request of a" not in body
        assert a["feed"].secret not in body and a["org"].name not in body
    e = a["engagement"]
    assert client.get(f"/services/requests/{e.pk}/").status_code == 404
    assert client.post(f"/services/requests/{e.pk}/respond/", {"decision": "accepted"}).status_code == 404
    assert client.post(f"/tickets/{a['ticket'].pk}/professional-services/").status_code == 404
    assert _counts() == before
    e.refresh_from_db()
    assert e.status == "proposal"
    # A request made in the portal lands in the viewer's own organisation.
    client.post("/services/", {"offering": e.offering_id, "summary": "mine", "details": "x"})
    assert EngagementRequest.objects.get(summary="mine").organization == b["org"]


def test_own_plan_page_shows_own_plan_and_feed_to_admins_only(client, world):
    b = world["b"]
    body = login(client, b["admin"]).get("/onboarding/").content.decode()
    assert "Secret note of b" in body and b["feed"].secret in body
    client.logout()
    body = login(client, b["member"]).get("/onboarding/").content.decode()
    assert "Secret note of b" in body and b["feed"].secret not in body


def test_members_see_their_own_requests_admins_their_organisations(client, world):
    b = world["b"]
    other = CustomerFactory(organization=b["org"], username="b-other")
    login(client, other)
    assert "Secret request of b" not in client.get("/services/").content.decode()
    assert client.get(f"/services/requests/{b['engagement'].pk}/").status_code == 404
    client.logout()
    login(client, b["admin"])
    assert client.get(f"/services/requests/{b['engagement'].pk}/").status_code == 200


def test_each_feed_holds_only_its_own_organisation(client, world):
    a, b = world["a"], world["b"]
    body = client.get(f"/calendar/{b['feed'].secret}.ics").content.decode()
    assert "BEGIN:VCALENDAR" in body and "Org b" in body and "Org a" not in body
    assert str(a["plan"].activities.first().pk) not in [line.split("-")[1].split("@")[0] for line in body.splitlines()
                                                        if line.startswith("UID:activity-")]
    # Signed in as someone else changes nothing: the secret decides, and a wrong one is a 404.
    login(client, b["admin"])
    assert client.get(f"/calendar/{a['feed'].secret[:-1]}.ics").status_code == 404


def test_staff_are_sent_to_the_back_office(client, world):
    login(client, StaffFactory(username="eng"))
    for page in ("/onboarding/", "/services/", f"/services/requests/{world['a']['engagement'].pk}/"):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"] == "/admin/"
