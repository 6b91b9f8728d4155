"""Month-end uptime and credits from the database (status/credits.py): the components an
organisation uses, its tier's or its negotiated schedule, once per month however often beat
runs, the customer admins told once; and GET /api/v1/uptime/ under tenancy."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from notifications.models import Notification
from status import credits, incidents
from status.models import CreditBand, CreditSchedule, ServiceCredit, UptimeAgreement
from status.tasks import month_end_credits
from tests.conftest import api_as
from tests.factories import CustomerAdminFactory, CustomerFactory, OrganizationFactory, StaffFactory, tier
from tests.status.conftest import at

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)


@pytest.fixture
def world(components):
    staff = StaffFactory()
    acme = OrganizationFactory(name="Acme", tier=tier("enterprise"))
    initech = OrganizationFactory(name="Initech", tier=tier("pro"))
    webonly = OrganizationFactory(name="Web Only", tier=tier("enterprise"))
    free = OrganizationFactory(name="Globex", tier=tier("free"))
    UptimeAgreement.objects.create(organization=webonly).components.set([components["Web UI"]])
    admins = {o.name: CustomerAdminFactory(organization=o, email=f"admin@{o.name.lower().replace(' ', '')}.example")
              for o in (acme, initech, webonly, free)}
    # An API outage of 10 h on 5 Nov (major impact), and 50 min of API major outage inside a
    # window announced a week ahead on 12 Nov (excluded).
    with time_machine.travel(at(2026, 11, 5, 8), tick=False):
        outage = incidents.incident_open(actor=staff, title="API down", body="Investigating.", impact="major",
                                         components={components["API"]: "major_outage"})
    with time_machine.travel(at(2026, 11, 5, 18), tick=False):
        incidents.incident_update_post(incident=outage, actor=staff, body="Fixed.", status="resolved")
    from status.maintenance import maintenance_schedule
    with time_machine.travel(at(2026, 11, 5, 9), tick=False):
        maintenance_schedule(actor=staff, title="DB upgrade", description="x", starts_at=at(2026, 11, 12, 2),
                             ends_at=at(2026, 11, 12, 3), components=[components["API"]], announce=True)
    with time_machine.travel(at(2026, 11, 12, 2, 5), tick=False):
        planned = incidents.incident_open(actor=staff, title="Upgrade", body="As planned.", impact="none",
                                          components={components["API"]: "major_outage"})
    with time_machine.travel(at(2026, 11, 12, 2, 55), tick=False):
        incidents.incident_update_post(incident=planned, actor=staff, body="Done.", status="resolved")
    return {"staff": staff, "acme": acme, "initech": initech, "webonly": webonly, "free": free, "admins": admins,
            "outage": outage, "planned": planned}


def test_a_month_is_settled_from_the_components_each_organisation_uses(world):
    with time_machine.travel(at(2026, 12, 1, 0, 30), tick=False):
        assert month_end_credits() == 3  # Acme, Initech, Web Only: Free has no uptime SLA
    acme = ServiceCredit.objects.get(organization=world["acme"], month=NOV)
    # 600 min down of 43,200: 1 - 600/43,200 = 0.986111… → 98.6111 %: Enterprise's [95, 99) band, 25 %.
    assert (acme.uptime_percent, acme.downtime_minutes, acme.excluded_maintenance_minutes, acme.credit_percent) == (
        Decimal("98.6111"), Decimal("600.00"), Decimal("50.00"), Decimal("25.00"))
    assert set(acme.incidents.values_list("title", flat=True)) == {"API down", "Upgrade"}
    pro = ServiceCredit.objects.get(organization=world["initech"], month=NOV)
    assert pro.target_percent == Decimal("99.5") and pro.credit_percent == 0  # Pro: no credits in the guide
    web = ServiceCredit.objects.get(organization=world["webonly"], month=NOV)
    assert web.uptime_percent == 100 and web.credit_percent == 0 and not web.incidents.exists()


def test_settling_again_or_twice_records_and_tells_nothing_more(world):
    with time_machine.travel(at(2026, 12, 1, 0, 30), tick=False):
        month_end_credits()
        assert month_end_credits() == 0 and credits.credits_settle(NOV) == 0
    assert ServiceCredit.objects.filter(month=NOV).count() == 3
    told = list(Notification.objects.filter(template="service_credit").values_list("recipient", flat=True))
    assert told == ["admin@acme.example"]


def test_a_negotiated_schedule_replaces_the_tiers(world):
    custom = CreditSchedule.objects.create(name="Initech custom", target_percent=Decimal("99.95"))
    CreditBand.objects.create(schedule=custom, lower_percent=0, upper_percent=Decimal("99.95"), credit_percent=30)
    UptimeAgreement.objects.create(organization=world["initech"], schedule=custom)
    with time_machine.travel(at(2026, 12, 1, 0, 30), tick=False):
        month_end_credits()
    row = ServiceCredit.objects.get(organization=world["initech"], month=NOV)
    assert (row.target_percent, row.credit_percent) == (Decimal("99.950"), Decimal("30.00"))


def test_an_unfinished_month_is_not_settled(world):
    with time_machine.travel(at(2026, 11, 30, 23, 59), tick=False):
        with pytest.raises(ValueError):
            credits.credits_settle(NOV)


def test_the_uptime_api_reads_the_settled_month_and_computes_the_current_one(world):
    with time_machine.travel(at(2026, 12, 1, 0, 30), tick=False):
        month_end_credits()
        settled = api_as(world["admins"]["Acme"]).get("/api/v1/uptime/?month=2026-11")
        current = api_as(world["admins"]["Acme"]).get("/api/v1/uptime/?month=2026-12")
    assert settled.status_code == 200, settled.content
    body = settled.json()
    assert body["settled"] and body["uptime_percent"] == 98.6111 and body["credit_percent"] == 25
    assert body["target_percent"] == 99.9 and body["downtime_minutes"] == 600
    assert body["excluded_maintenance_minutes"] == 50
    assert [i["title"] for i in body["incidents"]] == ["API down", "Upgrade"]
    assert current.status_code == 200 and not current.json()["settled"] and current.json()["uptime_percent"] == 100


def test_uptime_is_for_staff_and_the_organisations_own_admins(world):
    acme_admin = world["admins"]["Acme"]
    member = CustomerFactory(organization=world["acme"])
    assert api_as(acme_admin).get(
        f"/api/v1/uptime/?month=2026-11&organization={world['initech'].account_id}").status_code == 403
    assert api_as(member).get("/api/v1/uptime/?month=2026-11").status_code == 403
    staff = api_as(world["staff"]).get(f"/api/v1/uptime/?month=2026-11&organization={world['initech'].account_id}")
    assert staff.status_code == 200 and staff.json()["organization"] == world["initech"].account_id


@pytest.mark.parametrize("query", ["", "month=2026-13", "month=11-2026", "month=2999-01"])
def test_a_bad_month_is_a_400_that_says_why(world, query):
    response = api_as(world["admins"]["Acme"]).get(f"/api/v1/uptime/?{query}")
    assert response.status_code == 400 and "month" in response.json()


def test_the_portal_shows_a_customer_admin_their_settled_credits_only(world, client):
    with time_machine.travel(at(2026, 12, 1, 0, 30), tick=False):
        month_end_credits()
    client.force_login(world["admins"]["Acme"])
    page = client.get("/uptime/").content.decode()
    assert "98.6111 %" in page and "99.900 %" in page and "25.00 %" in page and "API down" in page
    client.force_login(world["admins"]["Initech"])
    other = client.get("/uptime/").content.decode()
    # Initech (Pro) uses the API too, so it had the same outage; it sees its own target and no credit.
    assert "Initech" in other and "99.500 %" in other and "99.900" not in other and "25.00 %" not in other
    assert "Acme" not in other
    client.force_login(CustomerFactory(organization=world["acme"]))
    assert client.get("/uptime/").status_code == 403
