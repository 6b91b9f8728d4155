"""QBR decks and monthly usage reports: their figures read back from the PDF text, who may
download which, the data version that decides a re-render, the fetcher that reaches nothing but
static files, and the monthly run that makes and mails each report once."""
import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from notifications.models import Notification
from qbr import documents, monthly, pdf, services
from qbr.models import DailyUsage, Qbr, QbrStatus, RenderedReport, RenderStatus, ReportKind, UsageReport
from tests.conftest import login
from tests.factories import (
    CustomerAdminFactory, CustomerFactory, OrganizationFactory, StaffFactory, TicketFactory, tier,
)

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 3, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(NOW, tick=False):
        yield


def customer_since_2025(**kwargs):
    """An organisation that existed through last month (reports cover months it was a customer)."""
    org = OrganizationFactory(**kwargs)
    type(org).objects.filter(pk=org.pk).update(created_at=dt.datetime(2025, 1, 1, tzinfo=UTC))
    return org


@pytest.fixture
def acme(db):
    return customer_since_2025(name="Acme Rockets", tier=tier("enterprise"))


def usage(org, day, debates, tokens=0, api_calls=0):
    for metric, value in (("debates", debates), ("tokens", tokens), ("api_calls", api_calls)):
        DailyUsage.objects.update_or_create(organization=org, date=day, metric=metric, defaults={"value": value})


def text_of(body: bytes) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(body))
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    return " ".join(pages), pages


def rendered(kind, org, period) -> RenderedReport:
    document = RenderedReport.objects.get(kind=kind, organization=org, period=period)
    assert documents.document_render(document.pk) == "rendered"
    document.refresh_from_db()
    return document


def pdf_bytes(document) -> bytes:
    with document.file.open("rb") as f:
        return f.read()


def ask_deck(client, org, period="2026-Q3"):
    return client.get(f"/reports/qbr/{org.account_id}/{period}.pdf")


# --- the deck's figures ---------------------------------------------------------------------------

def test_the_deck_shows_the_quarters_usage_against_the_previous_quarter_on_landscape_numbered_slides(client, acme):
    usage(acme, dt.date(2026, 7, 10), 100, tokens=1_000_000, api_calls=50)
    usage(acme, dt.date(2026, 8, 10), 200, tokens=2_000_000, api_calls=50)
    usage(acme, dt.date(2026, 9, 10), 300, tokens=3_000_000, api_calls=50)
    usage(acme, dt.date(2026, 5, 10), 400, tokens=4_000_000, api_calls=200)
    usage(acme, dt.date(2026, 10, 1), 9999)  # the next quarter counts for nothing here
    for severity in ("P1", "P2", "P2"):
        TicketFactory(requester=CustomerFactory(organization=acme), severity=severity,
                      created_at=dt.datetime(2026, 8, 3, 9, tzinfo=UTC))
    staff = StaffFactory(role="Account manager")
    response = ask_deck(login(client, staff), acme)
    assert response.status_code == 202  # queued for a worker; the request does not render
    document = rendered(ReportKind.QBR, acme, "2026-Q3")
    body = pdf_bytes(document)
    text, pages = text_of(body)
    assert len(pages) == document.pages == 9
    for n, page in enumerate(pages, start=1):
        assert "Acme Rockets" in page and "2026 Q3" in page and f"Slide {n} of 9" in page
    reader = PdfReader(io.BytesIO(body))
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height  # landscape
    assert "Debates conducted 600 +50.0 % against 2026 Q2 (400)" in text
    assert "Tokens consumed 6.0 M +50.0 % against 2026 Q2 (4.0 M)" in text
    assert "API calls 150 −25.0 % against 2026 Q2 (200)" in text
    assert "Tickets opened 3 P1 1 · P2 2 · P3 0 · P4 0" in text
    assert re.search(r"Open issues: 3 tickets: P1 1 · P2 2 #\d", text)  # only severities that have any
    assert "No component set 3" in text
    for section in ("Usage Review", "Performance Metrics", "Support Review", "Roadmap Preview", "Action Items"):
        assert section in text


def test_the_deck_embeds_the_projects_own_font(client, acme):
    services.qbr_open(organization=acme, year=2026, quarter=3)
    ask_deck(login(client, StaffFactory()), acme)
    body = pdf_bytes(rendered(ReportKind.QBR, acme, "2026-Q3"))
    fonts = set()
    for page in PdfReader(io.BytesIO(body)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("Inter" in name for name in fonts), fonts


def test_a_quarter_with_no_data_says_so_on_its_slides_and_still_renders(client, acme):
    ask_deck(login(client, StaffFactory()), acme)
    text, pages = text_of(pdf_bytes(rendered(ReportKind.QBR, acme, "2026-Q3")))
    assert len(pages) == 9
    assert "No usage was reported for Acme Rockets in 2026 Q3" in text
    assert "No ticket with an SLA target was opened this quarter" in text
    assert "No open tickets" in text


def test_the_account_managers_narrative_appears_on_its_slides(client, acme):
    qbr = services.qbr_open(organization=acme, year=2026, quarter=3)
    qbr.summary, qbr.upcoming_features, qbr.next_steps = "A record quarter.", "Streaming API\n- SCIM", "Acme: plan"
    qbr.save()
    ask_deck(login(client, StaffFactory()), acme)
    text, _ = text_of(pdf_bytes(rendered(ReportKind.QBR, acme, "2026-Q3")))
    assert "A record quarter." in text and "Streaming API" in text and "SCIM" in text and "Acme: plan" in text


# --- access ---------------------------------------------------------------------------------------

def test_customer_admins_see_only_final_decks_members_and_other_organisations_get_404(client, acme):
    qbr = services.qbr_open(organization=acme, year=2026, quarter=3)
    admin = CustomerAdminFactory(organization=acme)
    assert ask_deck(login(client, admin), acme).status_code == 404  # a draft
    services.qbr_finalize(qbr=qbr, actor=StaffFactory())
    assert ask_deck(login(client, admin), acme).status_code == 202
    rendered(ReportKind.QBR, acme, "2026-Q3")
    response = ask_deck(login(client, admin), acme)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "private" in response["Cache-Control"]
    assert ask_deck(login(client, CustomerFactory(organization=acme)), acme).status_code == 404
    other = CustomerAdminFactory(organization=OrganizationFactory(tier=tier("enterprise")))
    assert ask_deck(login(client, other), acme).status_code == 404
    assert ask_deck(login(client, other), OrganizationFactory.build(account_id="ara_nobody")).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, acme):
    response = ask_deck(client, acme)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("period, reason", [("2027-Q1", "has not begun"), ("1999-Q4", "before 2000")])
def test_a_quarter_in_the_future_or_too_old_is_refused_with_a_reason(client, acme, period, reason):
    response = ask_deck(login(client, StaffFactory()), acme, period)
    assert response.status_code == 404 and reason in response.content.decode()
    assert not Qbr.objects.exists()


def test_a_malformed_period_is_a_404(client, acme):
    assert ask_deck(login(client, StaffFactory()), acme, "2026-Q5").status_code == 404
    assert client.get(f"/reports/usage/{acme.account_id}/2026-13.pdf").status_code == 404


def test_qbrs_are_for_enterprise_organisations(client):
    pro = OrganizationFactory(tier=tier("pro"))
    response = ask_deck(login(client, StaffFactory()), pro)
    assert response.status_code == 404 and "Enterprise" in response.content.decode()
    with pytest.raises(ValidationError):
        services.qbr_open(organization=pro, year=2026, quarter=3)


# --- rendering: data version, progress, workers ---------------------------------------------------

def test_unchanged_data_is_served_from_the_stored_file_and_changed_data_renders_again(client, acme):
    staff = login(client, StaffFactory())
    ask_deck(staff, acme)
    first = rendered(ReportKind.QBR, acme, "2026-Q3")
    assert first.checksum and first.data_version == first.wanted_version
    assert ask_deck(staff, acme).status_code == 200
    first.refresh_from_db()
    assert first.attempts == 1  # served, not rendered again
    usage(acme, dt.date(2026, 8, 1), 42)
    response = ask_deck(staff, acme)
    assert response.status_code == 202
    first.refresh_from_db()
    assert first.status == RenderStatus.QUEUED and first.wanted_version != first.data_version
    second = rendered(ReportKind.QBR, acme, "2026-Q3")
    assert second.checksum != first.checksum and ask_deck(staff, acme).status_code == 200


def test_progress_is_told_as_json_while_the_render_is_queued(client, acme):
    response = login(client, StaffFactory()).get(f"/reports/qbr/{acme.account_id}/2026-Q3.pdf",
                                                 HTTP_ACCEPT="application/json")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert response["Retry-After"]


def test_a_final_deck_keeps_the_figures_it_was_made_final_with(client, acme):
    usage(acme, dt.date(2026, 8, 1), 10)
    qbr = services.qbr_finalize(qbr=services.qbr_open(organization=acme, year=2026, quarter=3), actor=StaffFactory())
    usage(acme, dt.date(2026, 8, 2), 990)  # late data after the meeting
    admin = login(client, CustomerAdminFactory(organization=acme))
    ask_deck(admin, acme)
    text, _ = text_of(pdf_bytes(rendered(ReportKind.QBR, acme, "2026-Q3")))
    assert "Debates conducted 10 " in text
    assert ask_deck(admin, acme).status_code == 200
    services.qbr_reopen(qbr=qbr, actor=StaffFactory())
    assert ask_deck(admin, acme).status_code == 404


def test_a_render_claimed_by_a_worker_that_died_is_taken_up_after_its_lease(acme, settings):
    services.qbr_open(organization=acme, year=2026, quarter=3)
    data = documents.build(ReportKind.QBR, acme, "2026-Q3")
    answer = documents.document_request(kind=ReportKind.QBR, organization=acme, period="2026-Q3", data=data)
    RenderedReport.objects.filter(pk=answer.document.pk).update(status=RenderStatus.RENDERING, started_at=NOW)
    assert documents.document_render(answer.document.pk) == "skipped"  # a live render is not doubled
    with time_machine.travel(NOW + dt.timedelta(seconds=settings.REPORT_RENDER_LEASE_SECONDS + 1), tick=False):
        assert documents.pending_resend() == 1
        assert documents.document_render(answer.document.pk) == "rendered"


def test_a_failed_render_says_so_and_is_retried_only_when_asked(client, acme, monkeypatch):
    staff = login(client, StaffFactory())
    ask_deck(staff, acme)
    document = RenderedReport.objects.get()

    def broken(*args, **kwargs):
        raise RuntimeError("layout exploded")
    monkeypatch.setattr(pdf, "render", broken)
    assert documents.document_render(document.pk) == "failed"
    response = ask_deck(staff, acme)
    assert response.status_code == 202 and "could not be made" in response.content.decode()
    document.refresh_from_db()
    assert document.status == RenderStatus.FAILED and "layout exploded" in document.error
    monkeypatch.undo()
    assert staff.post(f"/reports/qbr/{acme.account_id}/2026-Q3.pdf").status_code == 302
    document.refresh_from_db()
    assert document.status == RenderStatus.QUEUED
    assert documents.document_render(document.pk) == "rendered"


def test_the_fetcher_reaches_nothing_but_the_projects_static_files():
    html = ('<img src="http://127.0.0.1:9/probe.png"><img src="file:///etc/hostname">'
            '<img src="https://example.com/x.png"><img src="../requirements.txt"><img src="favicon.svg">')
    body, pages, refused = pdf.html_to_pdf(html)
    assert body.startswith(b"%PDF") and pages == 1
    assert len(refused) == 4 and not any("favicon" in url for url in refused)


def test_one_font_configuration_serves_every_render():
    assert pdf.font_config() is pdf.font_config()


# --- monthly usage reports -----------------------------------------------------------------------

def test_last_months_report_is_made_once_per_paid_organisation_however_often_beat_fires(acme):
    pro = customer_since_2025(tier=tier("pro"))
    customer_since_2025(tier=tier("free"))
    OrganizationFactory(tier=tier("pro"))  # a customer since this month: no report for last month
    first = monthly.usage_reports_due()
    again = monthly.usage_reports_due()
    assert first["created"] == 2 and again["created"] == 0
    assert set(UsageReport.objects.values_list("organization_id", "month")) == {
        (acme.pk, dt.date(2026, 11, 1)), (pro.pk, dt.date(2026, 11, 1))}
    assert RenderedReport.objects.filter(kind=ReportKind.USAGE, status=RenderStatus.QUEUED).count() == 2


def test_a_usage_report_is_mailed_to_customer_admins_once_when_first_ready(acme):
    admins = [CustomerAdminFactory(organization=acme) for _ in range(2)]
    CustomerFactory(organization=acme)  # a member gets none
    usage(acme, dt.date(2026, 11, 5), 70, tokens=5_000, api_calls=9)
    usage(acme, dt.date(2026, 10, 5), 35)
    monthly.usage_reports_due()
    document = rendered(ReportKind.USAGE, acme, "2026-11")
    mails = Notification.objects.filter(template="usage_report")
    assert sorted(mails.values_list("recipient", flat=True)) == sorted(a.email for a in admins)
    assert f"/reports/usage/{acme.account_id}/2026-11.pdf" in mails.first().context["report_url"]
    text, _ = text_of(pdf_bytes(document))
    assert "Acme Rockets: usage in November 2026" in text
    assert "Debates conducted 70 +100.0 % against October 2026" in text
    RenderedReport.objects.filter(pk=document.pk).update(status=RenderStatus.QUEUED)
    assert documents.document_render(document.pk) == "rendered"
    assert mails.count() == 2  # a re-render mails nobody again


def test_usage_report_access(client, acme):
    monthly.usage_reports_due()
    url = f"/reports/usage/{acme.account_id}/2026-11.pdf"
    assert login(client, CustomerAdminFactory(organization=acme)).get(url).status_code == 202
    assert login(client, CustomerFactory(organization=acme)).get(url).status_code == 404
    other = CustomerAdminFactory(organization=OrganizationFactory(tier=tier("pro")))
    assert login(client, other).get(url).status_code == 404
    admin = login(client, CustomerAdminFactory(organization=acme))
    assert admin.get(f"/reports/usage/{acme.account_id}/2026-09.pdf").status_code == 404  # no report made
    response = admin.get(f"/reports/usage/{acme.account_id}/2026-12.pdf")
    assert response.status_code == 404 and "has not ended" in response.content.decode()


def test_free_organisations_have_no_usage_reports(client):
    free = OrganizationFactory(tier=tier("free"))
    response = login(client, StaffFactory()).get(f"/reports/usage/{free.account_id}/2026-11.pdf")
    assert response.status_code == 404 and "Pro and Enterprise" in response.content.decode()


def test_the_portal_lists_an_organisations_final_decks_and_reports_to_its_admins(client, acme):
    draft = services.qbr_open(organization=acme, year=2026, quarter=2)
    services.qbr_finalize(qbr=services.qbr_open(organization=acme, year=2026, quarter=3), actor=StaffFactory())
    monthly.usage_reports_due()
    page = login(client, CustomerAdminFactory(organization=acme)).get("/reports/").content.decode()
    assert f"/reports/qbr/{acme.account_id}/2026-Q3.pdf" in page and draft.period not in page
    assert f"/reports/usage/{acme.account_id}/2026-11.pdf" in page
    assert login(client, CustomerFactory(organization=acme)).get("/reports/").status_code == 404
    other = OrganizationFactory(tier=tier("enterprise"))
    assert acme.account_id not in login(client, CustomerAdminFactory(organization=other)).get("/reports/").content.decode()


def test_drafts_are_made_for_every_enterprise_organisation_when_a_quarter_ends(acme):
    OrganizationFactory(tier=tier("pro"))
    assert services.qbr_drafts_for_quarter(year=2026, quarter=3) == 1
    assert services.qbr_drafts_for_quarter(year=2026, quarter=3) == 0
    assert Qbr.objects.get().status == QbrStatus.DRAFT


def test_staff_preview_the_deck_as_html_at_once_and_customers_cannot(client, acme):
    qbr = services.qbr_open(organization=acme, year=2026, quarter=3)
    services.qbr_finalize(qbr=qbr, actor=StaffFactory())
    url = f"/reports/qbr/{acme.account_id}/2026-Q3.html"
    response = login(client, StaffFactory()).get(url)
    assert response.status_code == 200 and "Usage Review" in response.content.decode()
    assert "/static/fonts/inter/Inter-Regular.otf" in response.content.decode()
    assert login(client, CustomerAdminFactory(organization=acme)).get(url).status_code == 404
    assert not RenderedReport.objects.exists()  # a preview renders no PDF


def test_the_admin_lists_every_qbr_with_its_deck_and_makes_it_final(client, acme):
    qbr = services.qbr_open(organization=acme, year=2026, quarter=3)
    superuser = StaffFactory(is_superuser=True)
    page = login(client, superuser).get("/admin/qbr/qbr/").content.decode()
    assert f"/reports/qbr/{acme.account_id}/2026-Q3.pdf" in page
    response = client.post("/admin/qbr/qbr/", {"action": "make_final", "_selected_action": [qbr.pk]})
    assert response.status_code == 302
    qbr.refresh_from_db()
    assert qbr.status == QbrStatus.FINAL and qbr.snapshot["final"] and qbr.finalized_by == superuser
