"""The public status page, its summary.json and Atom feed, and email subscriptions: no sign-in,
constant queries, cacheable; double opt-in by signed links that act only on POST; the subscribe
answer never reveals an address; notices reach only confirmed subscribers of the components."""
import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from status import incidents, links
from status.maintenance import maintenance_advance, maintenance_schedule
from status.models import Component, Subscriber
from tests.factories import OrganizationFactory, StaffFactory, tier
from tests.status.conftest import at

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def live(components, staff):
    """Now is 3 Dec 2026 12:00: an open API incident with two updates, a resolved one in November,
    an announced upcoming window on the web UI, and one for a single organisation (not public)."""
    with time_machine.travel(at(2026, 11, 20, 10), tick=False):
        old = incidents.incident_open(actor=staff, title="Login slow", body="Looking.", impact="minor",
                                      components={components["Authentication / SSO"]: "degraded_performance"})
    with time_machine.travel(at(2026, 11, 20, 11), tick=False):
        incidents.incident_update_post(incident=old, actor=staff, body="Fixed.", status="resolved")
    with time_machine.travel(at(2026, 12, 3, 9), tick=False):
        current = incidents.incident_open(actor=staff, title="API errors", body="We see 5xx on the API.",
                                          impact="major", components={components["API"]: "major_outage"})
    with time_machine.travel(at(2026, 12, 3, 10), tick=False):
        incidents.incident_update_post(incident=current, actor=staff, body="Cause found.", status="identified")
        maintenance_schedule(actor=staff, title="Web UI deploy", description="Brief reloads.",
                             starts_at=at(2026, 12, 6, 2), ends_at=at(2026, 12, 6, 3),
                             components=[components["Web UI"]], announce=True)
        private = maintenance_schedule(actor=staff, title="Acme-only migration", description="x",
                                       starts_at=at(2026, 12, 7, 2), ends_at=at(2026, 12, 7, 3), announce=False)
        private.organizations.set([OrganizationFactory(name="Acme", tier=tier("enterprise"))])
        from status.maintenance import maintenance_announce
        maintenance_announce(window=private, actor=staff)
    with time_machine.travel(at(2026, 12, 3, 12), tick=False):
        yield {"current": current, "old": old}


def test_the_page_shows_state_incidents_maintenance_bars_and_history_without_sign_in(client, live):
    response = client.get("/status/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Major Service Outage" in page  # a component is in major outage
    assert "API errors" in page and "Cause found." in page and "We see 5xx on the API." in page
    assert "Web UI deploy" in page and "Acme-only migration" not in page  # an organisation's own window stays its own
    assert page.count('class="component"') == Component.objects.count()
    assert page.count('class="bar bar--') == 90 * Component.objects.count()
    assert page.count('class="bar bar--ok"') < 90 * Component.objects.count()
    assert "Login slow" in page and "November 2026" in page  # history by month
    assert 'title="3 Dec 2026: 180 min down"' in page  # today: 09:00-12:00 of API major outage


def test_the_page_is_cacheable_and_answers_304_to_its_etag(client, live):
    first = client.get("/status/")
    assert "public" in first["Cache-Control"] and "max-age=30" in first["Cache-Control"]
    again = client.get("/status/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and not again.content and "public" in again["Cache-Control"]


def test_a_signed_in_viewers_page_is_never_kept_by_a_shared_cache(client, live):
    from tests.factories import CustomerAdminFactory

    client.force_login(CustomerAdminFactory(first_name="Wanda"))
    response = client.get("/status/")
    assert "Wanda" in response.content.decode()  # the header names the viewer
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_the_page_costs_the_same_queries_with_1_or_20_components_and_many_incidents(client, staff):
    Component.objects.exclude(name="API").delete()
    api = Component.objects.get()
    with time_machine.travel(at(2026, 11, 1, 9), tick=False):
        first = incidents.incident_open(actor=staff, title="First", body="x", components={api: "major_outage"})
        incidents.incident_update_post(incident=first, actor=staff, body="ok", status="resolved")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/status/").status_code == 200
        return len(ctx)

    few = queries()
    extra = [Component.objects.create(name=f"Part {i}") for i in range(19)]
    for n, component in enumerate(extra):
        with time_machine.travel(at(2026, 11, 1 + n, 10), tick=False):
            incident = incidents.incident_open(actor=staff, title=f"Problem {n}", body="x", impact="major",
                                               components={component: "major_outage"})
            incidents.incident_update_post(incident=incident, actor=staff, body="ok", status="resolved")
    assert queries() == few


def test_summary_json_is_shaped_like_statuspage(client, live):
    data = client.get("/status.json").json()
    assert set(data) == {"page", "status", "components", "incidents", "scheduled_maintenances"}
    assert data["status"] == {"indicator": "critical", "description": "Major Service Outage"}
    api = next(c for c in data["components"] if c["name"] == "API")
    assert api["status"] == "major_outage"
    [incident] = data["incidents"]
    assert incident["name"] == "API errors" and incident["status"] == "identified" and incident["impact"] == "major"
    assert [u["body"] for u in incident["incident_updates"]] == ["Cause found.", "We see 5xx on the API."]
    [window] = data["scheduled_maintenances"]
    assert window["name"] == "Web UI deploy" and window["scheduled_for"].startswith("2026-12-06T02:00")


def test_a_quiet_platform_is_all_systems_operational(client, components):
    data = client.get("/status.json").json()
    assert data["status"] == {"indicator": "none", "description": "All Systems Operational"}
    assert {c["status"] for c in data["components"]} == {"operational"}


def test_maintenance_in_progress_shows_its_components_under_maintenance(client, live, staff):
    window = Component.objects.get(name="Web UI").maintenance_windows.get()
    Subscriber.objects.create(email="ops@example.com", confirmed_at=at(2026, 1, 1))
    with time_machine.travel(at(2026, 12, 6, 2, 1), tick=False):
        maintenance_advance(window=window, actor=staff, status="in_progress")
        data = client.get("/status.json").json()
    assert next(c for c in data["components"] if c["name"] == "Web UI")["status"] == "under_maintenance"
    started = Notification.objects.get(key__startswith=f"maintenance:{window.pk}:started")
    assert started.recipient == "ops@example.com" and started.template == "status_maintenance"


def test_the_atom_feed_parses_and_lists_incidents_and_public_maintenance(client, live):
    response = client.get("/status/feed.atom")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert "Identified: API errors" in titles and "Resolved: Login slow" in titles
    assert any("Web UI deploy" in t for t in titles) and not any("Acme-only" in t for t in titles)


# --- subscriptions ------------------------------------------------------------------------------

def _confirm_link():
    mail = Notification.objects.filter(template="status_confirm").latest("pk")
    return mail.context["confirm_url"].replace("https://support.example.com", "")


def test_subscribing_asks_for_confirmation_and_a_get_confirms_nothing(client, components):
    answer = client.post("/status/subscribe/", {"email": "ops@example.com", "components": [components["API"].pk]})
    assert answer.status_code == 200 and "confirmation link is on its way" in answer.content.decode()
    link = _confirm_link()
    assert client.get(link).status_code == 200 and client.head(link).status_code == 200
    assert Subscriber.objects.get(email="ops@example.com").confirmed_at is None  # scanners open links
    assert client.post(link).status_code == 200
    subscriber = Subscriber.objects.get(email="ops@example.com")
    assert subscriber.confirmed_at and list(subscriber.components.values_list("name", flat=True)) == ["API"]


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client, components):
    Subscriber.objects.create(email="known@example.com")
    known = client.post("/status/subscribe/", {"email": "known@example.com"}).content
    unknown = client.post("/status/subscribe/", {"email": "new@example.com"}).content
    strip = lambda body: body.decode().split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
    assert strip(known) == strip(unknown)


def test_the_subscribe_form_is_throttled_per_address(client, components, settings):
    settings.STATUS_SUBSCRIBE_PER_HOUR = 3
    codes = [client.post("/status/subscribe/", {"email": f"x{i}@example.com"}).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert Subscriber.objects.count() == 3


@pytest.mark.parametrize("form", [{"email": "not-an-address"}, {"email": "a@example.com", "components": ["999999"]},
                                  {"email": "a@example.com", "components": ["API"]}])
def test_a_bad_subscription_is_a_400_and_writes_nothing(client, components, form):
    assert client.post("/status/subscribe/", form).status_code == 400
    assert not Subscriber.objects.exists() and not Notification.objects.exists()


def test_a_forged_or_expired_confirmation_link_is_refused_and_confirms_nothing(client, components):
    client.post("/status/subscribe/", {"email": "ops@example.com"})
    link = _confirm_link()
    assert client.post(link[:-3] + "abc/").status_code == 400
    forged = signing.dumps({"s": Subscriber.objects.get().pk, "e": "ops@example.com", "c": []}, salt="other")
    assert client.post(f"/status/subscribe/confirm/{forged}/").status_code == 400
    with time_machine.travel(timedelta(hours=73)):
        assert client.post(link).status_code == 410
    assert Subscriber.objects.get().confirmed_at is None


def test_notices_reach_confirmed_subscribers_of_the_components_with_one_click_unsubscribe(client, components, staff):
    api, web = components["API"], components["Web UI"]
    everything = Subscriber.objects.create(email="all@example.com", confirmed_at=at(2026, 1, 1))
    Subscriber.objects.create(email="web@example.com", confirmed_at=at(2026, 1, 1)).components.set([web])
    Subscriber.objects.create(email="api@example.com", confirmed_at=at(2026, 1, 1)).components.set([api])
    Subscriber.objects.create(email="pending@example.com")  # never confirmed
    incidents.incident_open(actor=staff, title="API errors", body="x", impact="minor",
                            components={api: "partial_outage"})
    mails = Notification.objects.filter(template="status_incident", channel="email")
    assert sorted(mails.values_list("recipient", flat=True)) == ["all@example.com", "api@example.com"]
    mail = mails.get(recipient="all@example.com")
    headers = mail.context["email_headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = mail.context["unsubscribe_url"].replace("https://support.example.com", "")
    assert headers["List-Unsubscribe"] == f"<{mail.context['unsubscribe_url']}>"
    assert client.get(unsubscribe).status_code == 200 and Subscriber.objects.filter(pk=everything.pk).exists()
    from django.test import Client
    one_click = Client(enforce_csrf_checks=True).post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and not Subscriber.objects.filter(pk=everything.pk).exists()


def test_an_enterprise_organisations_slack_hears_only_of_components_it_uses(components, staff):
    from status.models import UptimeAgreement

    uses_api = OrganizationFactory(name="Acme", tier=tier("enterprise"), slack_channel="C0ACME")
    web_only = OrganizationFactory(name="Initrode", tier=tier("enterprise"), slack_channel="C0INIT")
    UptimeAgreement.objects.create(organization=web_only).components.set([components["Web UI"]])
    OrganizationFactory(name="Pro Co", tier=tier("pro"), slack_channel="C0PRO")  # Slack notices are Enterprise's
    incidents.incident_open(actor=staff, title="API errors", body="x", components={components["API"]: "major_outage"})
    posts = Notification.objects.filter(template="status_incident", channel="slack")
    assert list(posts.values_list("recipient", flat=True)) == [uses_api.slack_channel]


def test_links_are_bound_to_their_address(components):
    subscriber = Subscriber.objects.create(email="a@example.com")
    token = links.confirm_url(subscriber).rstrip("/").rsplit("/", 1)[-1]
    Subscriber.objects.filter(pk=subscriber.pk).update(email="b@example.com")
    from status import subscriptions
    with pytest.raises(links.BadLink):
        subscriptions.subscriber_from_confirm(token)
    assert json.dumps(links.read(token, salt=links.CONFIRM_SALT))  # genuine, but for another address


def test_a_busy_month_shows_its_latest_ten_and_says_how_many_there_were(client, components, staff):
    for n in range(12):
        with time_machine.travel(at(2026, 11, 2 + n, 10), tick=False):
            incident = incidents.incident_open(actor=staff, title=f"Blip {n:02d}", body="x",
                                               components=[components["SDK"]])
            incidents.incident_update_post(incident=incident, actor=staff, body="ok", status="resolved")
    with time_machine.travel(at(2026, 12, 3, 12), tick=False):
        page = client.get("/status/").content.decode()
    assert "Blip 11" in page and "Blip 02" in page and "Blip 01" not in page and "Blip 00" not in page
    assert "The latest 10 of 12 this month" in page


def test_an_announced_window_starts_on_time_by_itself_and_says_so_once(client, live, staff):
    from status.tasks import maintenance_remind

    window = Component.objects.get(name="Web UI").maintenance_windows.get()
    Subscriber.objects.create(email="ops@example.com", confirmed_at=at(2026, 1, 1))
    with time_machine.travel(at(2026, 12, 6, 1, 59), tick=False):
        maintenance_remind()
        window.refresh_from_db()
        assert window.status == "scheduled"
    with time_machine.travel(at(2026, 12, 6, 2, 2), tick=False):
        maintenance_remind()
        maintenance_remind()
    window.refresh_from_db()
    assert window.status == "in_progress"
    assert Notification.objects.filter(key__startswith=f"maintenance:{window.pk}:started").count() == 1


def test_maintenance_is_posted_only_to_enterprise_channels_that_use_its_components(components, staff):
    from status.models import UptimeAgreement

    uses_all = OrganizationFactory(name="Acme", tier=tier("enterprise"), slack_channel="C0ACME")
    web_only = OrganizationFactory(name="Initrode", tier=tier("enterprise"), slack_channel="C0INIT")
    UptimeAgreement.objects.create(organization=web_only).components.set([components["Web UI"]])
    maintenance_schedule(actor=staff, title="API upgrade", description="x", starts_at=at(2030, 1, 5, 2),
                         ends_at=at(2030, 1, 5, 3), components=[components["API"]], announce=True)
    posts = Notification.objects.filter(template="maintenance", channel="slack")
    assert list(posts.values_list("recipient", flat=True)) == [uses_all.slack_channel]
