"""The Content-Security-Policy breaks nothing a browser runs: the portal, the back-office and the
Swagger UI of /api/docs/ load in Chromium without one violation, and the API docs still work."""
from datetime import timedelta

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.utils import timezone

from accounts.models import Tier
from onboarding.services import calendar_feed_for_organization
from tickets import services as tickets
from tests.factories import (PASSWORD, CustomerAdminFactory, OrganizationFactory, StaffFactory, TicketFactory,
                             give_totp, tier, totp_code)
from tests.test_browser import page  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _watch_for_violations(page):
    seen = []
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))
    return seen


def _sign_in(page, user):
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if user.is_staff:  # staff must use two-factor: the code page, itself checked for violations
        page.fill("#id_code", totp_code())
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")


def _visit(page, path):
    response = page.goto(f"{page.base_url}{path}")
    page.wait_for_load_state("networkidle")
    assert response.status == 200, path
    assert "content-security-policy" in response.headers, path


def test_portal_and_api_docs_run_in_chromium_without_a_csp_violation(page):
    acme = OrganizationFactory(name="Acme", tier=tier(Tier.ENTERPRISE))
    admin = CustomerAdminFactory(organization=acme, username="acme-csp")
    ticket = TicketFactory(requester=admin, subject="Checkout down")
    calendar_feed_for_organization(acme)
    violations = _watch_for_violations(page)
    _sign_in(page, admin)
    for path in ("/", "/tickets/new/", f"/tickets/{ticket.pk}/", "/services/", "/video-calls/", "/onboarding/"):
        _visit(page, path)
    page.click("#feed-url")  # the calendar link is selected whole, by a script file now, not onclick
    assert page.evaluate("(f => [f.selectionStart, f.selectionEnd])(document.getElementById('feed-url'))") == [
        0, len(page.input_value("#feed-url"))]
    page.goto(f"{page.base_url}/api/docs/")
    page.wait_for_selector(".opblock")  # Swagger UI drew the operations from the schema
    page.locator(".opblock-summary-get", has_text="/api/v1/tickets/").first.click()
    page.get_by_role("button", name="Try it out").first.click()
    page.get_by_role("button", name="Execute").first.click()
    status = page.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"  # the docs page still calls the API with the session
    assert violations == []


def test_back_office_runs_in_chromium_without_a_csp_violation(page):
    staff = StaffFactory(username="csp-staff", is_superuser=True)
    give_totp(staff)
    RecoveryCodes.activate(staff)
    acme = OrganizationFactory(name="Acme", tier=tier(Tier.ENTERPRISE), account_manager=staff)
    requester = CustomerAdminFactory(organization=acme)
    ticket = TicketFactory(requester=requester, subject="Checkout down")
    tickets.message_create(ticket=ticket, author=staff, body="Looking into it.")
    # An overdue activity: the plan pages show their "Overdue" flags.
    acme.onboarding_plan.activities.filter(order=1).update(end_date=timezone.localdate() - timedelta(days=3))
    violations = _watch_for_violations(page)
    _sign_in(page, staff)
    paths = ["/admin/", "/admin/tickets/ticket/", f"/admin/tickets/ticket/{ticket.pk}/change/",
             "/admin/onboarding/onboardingplan/", f"/admin/onboarding/onboardingplan/{acme.onboarding_plan.pk}/change/",
             "/admin/onboarding/planactivity/",
             "/admin/notifications/notification/", "/admin/accounts/user/add/",
             # allauth's two-factor pages: their scripts (recovery codes, WebAuthn) are our own static files
             "/accounts/2fa/", "/accounts/2fa/recovery-codes/", "/accounts/2fa/webauthn/add/"]
    for path in paths:
        _visit(page, path)
    assert violations == []
