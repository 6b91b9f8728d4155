"""Tenancy of every feedback page, endpoint and export: a customer sees only their own
organisation's feature requests and figures; a member no figures; a signed link only its survey."""
import pytest
import time_machine

from feedback import links
from feedback.models import FeatureRequest, NpsSurvey, TicketRating
from feedback.services import nps_send_quarter
from tests.conftest import api_as, login
from tests.feedback.conftest import at, open_ticket, resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(orgs, team):
    for name in ("a", "b"):
        FeatureRequest.objects.create(organization=orgs[name]["org"], requested_by=orgs[name]["member"],
                                      title=f"Wish of {name}", description=f"Secret wish {name}")
        ticket = open_ticket(orgs[name]["org"], orgs[name]["member"], subject=f"Ticket of {name}")
        resolve(ticket, team["engineer"])
        orgs[name]["ticket"] = ticket
    return orgs


@pytest.fixture(autouse=True)
def _early_november():
    with time_machine.travel(at(2026, 11, 5, 12, 0), tick=False):
        yield


@pytest.mark.parametrize("role", ["admin", "member"])
def test_feature_requests_page_shows_only_the_viewers_organisation(client, world, role):
    login(client, world["b"][role])
    body = client.get("/feedback/requests/").content.decode()
    assert "Wish of b" in body and "Wish of a" not in body and "Secret wish a" not in body
    client.post("/feedback/requests/", {"title": "Mine", "description": "x", "organization": world["a"]["org"].pk})
    assert FeatureRequest.objects.get(title="Mine").organization == world["b"]["org"]


def test_figures_page_and_csv_show_only_the_admins_organisation(client, world):
    login(client, world["b"]["admin"])
    page = client.get("/feedback/figures/?from=2026-11&to=2026-11")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert world["a"]["org"].name not in page.content.decode()
    csv = client.get("/feedback/figures.csv?from=2026-11-01&to=2026-11-30")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    rows = csv.content.decode().splitlines()
    assert rows[0].startswith("month,tickets_opened") and rows[1].startswith("2026-11,1,")
    # Another organisation's account id is refused, not answered with the viewer's own figures.
    assert client.get(f"/feedback/figures/?organization={world['a']['org'].account_id}").status_code == 403
    assert client.get(f"/feedback/figures.csv?organization={world['a']['org'].account_id}").status_code == 403


def test_members_get_no_figures_page_csv_or_api(client, world):
    login(client, world["b"]["member"])
    assert client.get("/feedback/figures/").status_code == 403
    assert client.get("/feedback/figures.csv").status_code == 403
    assert api_as(world["b"]["member"]).get("/api/v1/metrics/").status_code == 403


def test_customers_get_no_staff_dashboard(client, world):
    login(client, world["b"]["admin"])
    response = client.get("/admin/feedback/monthlyreview/dashboard/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_rating_link_answers_only_its_own_ticket_and_a_survey_link_only_its_own_survey(client, world):
    a, b = (TicketRating.objects.get(ticket=world[n]["ticket"]) for n in ("a", "b"))
    response = client.post(f"/feedback/rate/{a.ticket_id}/{links.rating_token(b)}/", {"score": "1"})
    assert response.status_code == 400
    nps_send_quarter()
    survey = NpsSurvey.objects.get(user=world["b"]["admin"])
    page = client.get(links.nps_url(survey, absolute=False)).content.decode()
    assert world["b"]["org"].name in page and world["a"]["org"].name not in page
    assert not TicketRating.objects.filter(score__isnull=False).exists()


def test_the_rating_page_shows_the_ticket_it_rates_and_nothing_else(client, world):
    rating = TicketRating.objects.get(ticket=world["b"]["ticket"])
    body = client.get(links.rating_url(rating, absolute=False)).content.decode()
    assert "Ticket of b" in body and "Ticket of a" not in body
