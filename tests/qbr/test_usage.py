"""Daily usage in (POST /api/v1/usage/, import_usage FILE.csv): upserted per organisation, day
and metric; every bad row named with its reason and nothing half-imported; staff only."""
import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import Organization, User
from accounts.services import SERVICE_USERNAME
from qbr.models import DailyUsage, Qbr, UsageReport
from tests.conftest import api_as
from tests.factories import CustomerAdminFactory, OrganizationFactory, StaffFactory, tier

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(dt.datetime(2026, 12, 3, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def orgs(db):
    return {"ent": OrganizationFactory(name="Acme", tier=tier("enterprise")),
            "pro": OrganizationFactory(name="Initech", tier=tier("pro")),
            "free": OrganizationFactory(name="Globex", tier=tier("free"))}


def row(org, day="2026-12-01", metric="debates", value=5):
    return {"organization": org.account_id, "date": day, "metric": metric, "value": value}


def test_usage_is_upserted_per_organisation_day_and_metric(orgs):
    client = api_as(StaffFactory())
    first = client.post("/api/v1/usage/", [row(orgs["ent"]), row(orgs["ent"], metric="tokens", value=9000),
                                           row(orgs["pro"], value=2)], format="json")
    assert first.status_code == 200 and first.json() == {"rows": 3}
    again = client.post("/api/v1/usage/", [row(orgs["ent"], value=7)], format="json")
    assert again.status_code == 200
    assert DailyUsage.objects.count() == 3
    assert DailyUsage.objects.get(organization=orgs["ent"], metric="debates").value == 7


@pytest.mark.parametrize("bad, reason", [
    ({"value": -1}, "value"),
    ({"organization": "ara_nobody"}, "unknown organisation"),
    ({"metric": "coffee"}, "metric"),
    ({"date": "2026-12-04"}, "in the future"),
    ({"date": "2026-13-01"}, "date"),
])
def test_a_bad_row_is_named_and_nothing_is_written(orgs, bad, reason):
    rows = [row(orgs["ent"]), {**row(orgs["pro"]), **bad}]
    response = api_as(StaffFactory()).post("/api/v1/usage/", rows, format="json")
    assert response.status_code == 400
    [problem] = response.json()["rows"]
    assert problem.startswith("row 2:") and reason in problem
    assert not DailyUsage.objects.exists()


def test_a_free_organisation_has_no_usage_reports(orgs):
    response = api_as(StaffFactory()).post("/api/v1/usage/", [row(orgs["free"])], format="json")
    assert response.status_code == 400 and "Free" in response.json()["rows"][0]
    assert not DailyUsage.objects.exists()


@pytest.mark.parametrize("body", [[], {}, "x"])
def test_anything_but_a_list_of_rows_is_a_400(orgs, body):
    assert api_as(StaffFactory()).post("/api/v1/usage/", body, format="json").status_code == 400


def test_customers_cannot_report_usage(orgs):
    admin = CustomerAdminFactory(organization=orgs["ent"])
    assert api_as(admin).post("/api/v1/usage/", [row(orgs["ent"])], format="json").status_code == 403
    assert not DailyUsage.objects.exists()


def test_a_csv_file_imports_all_rows_or_none(orgs, tmp_path):
    good = tmp_path / "usage.csv"
    good.write_text("organization,date,metric,value\n"
                    f"{orgs['ent'].account_id},2026-11-30,api_calls,120\n"
                    f"{orgs['pro'].account_id},2026-11-30,tokens,5000\n")
    call_command("import_usage", str(good))
    assert DailyUsage.objects.count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("organization,date,metric,value\n"
                   f"{orgs['ent'].account_id},2026-11-29,api_calls,10\n"
                   f"{orgs['free'].account_id},2026-11-29,api_calls,10\n"
                   f"{orgs['ent'].account_id},2026-11-29\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_usage", str(bad))
    assert "row 4: expected 4 columns" in str(refused.value)
    assert DailyUsage.objects.count() == 2
    bad.write_text("organization,date,metric,value\n"
                   f"{orgs['ent'].account_id},2026-11-29,api_calls,10\n"
                   f"{orgs['free'].account_id},2026-11-29,api_calls,10\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_usage", str(bad))
    assert "row 3: Globex is on Free" in str(refused.value) and DailyUsage.objects.count() == 2


@pytest.mark.parametrize("content", ["org,day\nx,y\n", "", "\xff\xfe"])
def test_a_malformed_csv_is_refused_with_a_reason(tmp_path, content):
    path = tmp_path / "x.csv"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(CommandError):
        call_command("import_usage", str(path))


def test_the_demo_carries_a_year_of_usage_for_its_paying_organisations_once(db):
    call_command("seed_demo")
    count = DailyUsage.objects.count()
    assert count == 3 * 365 * 3  # Acme, Initech, Umbrella Labs × a year × three metrics
    assert not DailyUsage.objects.filter(organization__tier__code="free").exists()
    call_command("seed_demo")
    assert DailyUsage.objects.count() == count


def test_the_demo_customer_admin_finds_a_final_deck_and_monthly_reports(db, client):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still one QBR per quarter, three reports per organisation
    acme = Organization.objects.get(name="Acme Corporation")
    assert list(Qbr.objects.filter(organization=acme).order_by("quarter").values_list("year", "quarter", "status")) == [
        (2026, 3, "final"), (2026, 4, "draft")]
    assert UsageReport.objects.filter(organization=acme).count() == 3
    assert not UsageReport.objects.filter(organization__tier__code="free").exists()
    client.force_login(User.objects.get(username="acme-admin"))
    page = client.get("/reports/").content.decode()
    assert "/reports/qbr/%s/2026-Q3.pdf" % acme.account_id in page
    assert "/reports/usage/%s/2026-11.pdf" % acme.account_id in page
    assert "2026-Q4" not in page  # the draft stays with the account manager


def _usage_token_client():
    out = StringIO()
    call_command("create_usage_token", "platform exporter", stdout=out, stderr=StringIO())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    return client


def test_a_usage_token_reports_usage(orgs):
    response = _usage_token_client().post("/api/v1/usage/", [row(orgs["ent"])], format="json")
    assert response.status_code == 200 and DailyUsage.objects.count() == 1


@pytest.mark.parametrize("path", ["/api/v1/tickets/", "/api/v1/metrics/", "/api/v1/uptime/", "/api/v1/tickets/1/"])
def test_a_usage_token_opens_nothing_but_usage(orgs, path):
    client = _usage_token_client()
    for _ in range(2):  # the first answer from the database, the second from the token cache
        response = client.get(path)
        assert response.status_code == 401, path
        assert "only report usage" in response.json()["detail"]


def test_the_usage_service_user_cannot_sign_in(orgs):
    _usage_token_client()
    user = User.objects.get(username=SERVICE_USERNAME)
    assert not user.has_usable_password() and not user.is_staff and user.organization_id is None


def test_a_customer_token_may_not_report_usage(orgs):
    response = api_as(CustomerAdminFactory(organization=orgs["ent"])).post(
        "/api/v1/usage/", [row(orgs["ent"])], format="json")
    assert response.status_code == 403 and not DailyUsage.objects.exists()
