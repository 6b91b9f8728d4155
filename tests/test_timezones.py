"""Every time shown names its zone, in the viewer's own zone: their setting, else their browser's
(the `tz` cookie tz.js sets), else their organisation's tier zone, else UTC."""
import datetime as dt

import pytest
import time_machine

from tests.conftest import login
from tests.factories import StaffFactory, TicketFactory

pytestmark = pytest.mark.django_db
OPENED = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def ticket(customer):
    with time_machine.travel(OPENED, tick=False):
        return TicketFactory(requester=customer, subject="Slow exports")


def test_staff_without_a_setting_see_their_browsers_zone_named(client, ticket):
    staff = StaffFactory(username="lead", role="Engineering lead")
    client.cookies["tz"] = "Europe/Paris"
    page = login(client, staff).get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert "1 Dec 2026, 18:00 CET" in page  # created_at, read-only, in Paris time with its zone


def test_a_customer_without_setting_or_cookie_sees_the_tiers_zone(client, ticket, customer):
    page = login(client, customer).get("/").content.decode()
    assert "1 Dec 2026, 09:00 PST" in page  # Pro's calendar zone, America/Los_Angeles


def test_the_viewers_own_setting_wins_over_the_browser(client, ticket, customer):
    customer.timezone = "Asia/Tokyo"
    customer.save()
    client.cookies["tz"] = "Europe/Paris"
    assert "2 Dec 2026, 02:00 JST" in login(client, customer).get("/").content.decode()


def test_a_forged_zone_cookie_is_ignored(client, ticket, customer):
    client.cookies["tz"] = "Mars/Olympus_Mons"
    assert "1 Dec 2026, 09:00 PST" in login(client, customer).get("/").content.decode()


def test_the_admin_shows_at_most_one_server_time_note_and_sets_the_browser_zone(client):
    page = login(client, StaffFactory(username="lead2", role="Engineering lead")).get("/admin/").content.decode()
    assert "portal/admin.js" in page and "portal/tz.js" in page
