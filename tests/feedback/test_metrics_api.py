"""GET /api/v1/metrics/: who may read which figures, and bad ranges refused with a clear 400."""
import pytest

from feedback.models import NpsSurvey, TicketRating, TicketTiming
from tests.conftest import api_as
from tests.feedback.conftest import open_ticket

pytestmark = pytest.mark.django_db

RANGE = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def tickets(orgs, team):
    from tickets import services

    out = {}
    for name in ("a", "b"):
        ticket = open_ticket(orgs[name]["org"], orgs[name]["member"], subject=f"Ticket of {name}")
        services.message_create(ticket=ticket, author=team["engineer"], body="Hi")
        out[name] = ticket
    return out


def _counts():
    return (TicketRating.objects.count(), NpsSurvey.objects.count(), TicketTiming.objects.count())


def test_staff_read_every_organisation_or_one_by_account_id(orgs, team, tickets):
    everything = api_as(team["engineer"]).get(f"/api/v1/metrics/?{RANGE}")
    assert everything.status_code == 200 and everything.json()["tickets_opened"] == 2
    one = api_as(team["engineer"]).get(f"/api/v1/metrics/?{RANGE}&organization={orgs['b']['org'].account_id}")
    assert one.json()["tickets_opened"] == 1 and one.json()["organization"] == orgs["b"]["org"].account_id
    by_tier = api_as(team["engineer"]).get(f"/api/v1/metrics/?{RANGE}&tier=enterprise").json()
    assert by_tier["tickets_opened"] == 0 and by_tier["tier"] == "enterprise"


def test_the_answer_has_the_fields_the_issue_names(team, tickets):
    data = api_as(team["engineer"]).get(f"/api/v1/metrics/?{RANGE}").json()
    assert set(data) >= {"tickets_opened", "first_response", "resolution", "sla_attainment", "csat", "nps",
                         "reopen_rate", "from", "to"}
    assert set(data["first_response"]) == {"count", "calendar", "business"}
    assert set(data["first_response"]["business"]) == {"p50_seconds", "p90_seconds"}
    assert set(data["csat"]) >= {"responses", "percent_satisfied"} and set(data["nps"]) >= {"responses", "score"}
    assert data["from"] == "2026-11-01" and data["to"] == "2026-11-30"


def test_a_customer_admin_reads_only_their_own_organisation(orgs, tickets):
    client = api_as(orgs["a"]["admin"])
    own = client.get(f"/api/v1/metrics/?{RANGE}")
    assert own.status_code == 200 and own.json()["tickets_opened"] == 1
    assert own.json()["organization"] == orgs["a"]["org"].account_id
    named = client.get(f"/api/v1/metrics/?{RANGE}&organization={orgs['a']['org'].account_id}")
    assert named.json()["tickets_opened"] == 1
    for account_id in (orgs["b"]["org"].account_id, "ara_doesnotexist"):
        response = client.get(f"/api/v1/metrics/?{RANGE}&organization={account_id}")
        assert response.status_code == 403 and "own organisation" in response.json()["detail"]


def test_members_and_strangers_get_no_figures(orgs, api):
    response = api_as(orgs["a"]["member"]).get(f"/api/v1/metrics/?{RANGE}")
    assert response.status_code == 403
    assert api.get(f"/api/v1/metrics/?{RANGE}").status_code in (401, 403)


@pytest.mark.parametrize("query, field, words", [
    ("from=2026-11-30&to=2026-11-01", "to", "before"),
    ("from=2024-01-01&to=2026-01-01", "to", "2 years"),
    ("from=2026-13-01&to=2026-12-01", "from", "YYYY-MM-DD"),
    ("from=yesterday", "from", "YYYY-MM-DD"),
    (f"{RANGE}&tier=platinum", "tier", "Unknown tier"),
    (f"{RANGE}&organization=ara_nobody", "organization", "No organisation"),
])
def test_a_bad_range_or_filter_is_a_400_that_says_why_and_writes_nothing(team, tickets, query, field, words):
    before = _counts()
    response = api_as(team["engineer"]).get(f"/api/v1/metrics/?{query}")
    assert response.status_code == 400 and words in " ".join(response.json()[field])
    assert _counts() == before


def test_a_range_of_exactly_two_years_is_answered(team):
    assert api_as(team["engineer"]).get("/api/v1/metrics/?from=2024-12-01&to=2026-11-30").status_code == 200


def test_the_endpoint_is_described_in_the_openapi_schema(team):
    schema = api_as(team["engineer"]).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/metrics/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "tier", "organization"}
    assert set(operation["responses"]) >= {"200", "400", "403"}
    assert "sla_attainment" in schema["components"]["schemas"]["Metrics"]["properties"]


@pytest.mark.parametrize("query, field", [("to=", "to"), ("from=&to=2026-03-31", "from")])
def test_a_date_given_empty_is_a_400_naming_it(team, query, field):
    response = api_as(team["engineer"]).get(f"/api/v1/metrics/?{query}")
    assert response.status_code == 400 and field in response.json()
