"""A customer files a ticket in a real browser (Debian's Chromium driven by Playwright)."""
import os
import shutil

import pytest
from django.db import connections

from tickets.models import Ticket
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = shutil.which("chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def page(live_server):
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium for the browser tests (apt-get install chromium).")
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium); CI runs this test.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls made by the test
    # itself between browser steps are safe, as nothing else touches the connection meanwhile.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.base_url = live_server.url
        yield page
        browser.close()
        # ORM calls made inside Playwright's sync context run on a connection of that context;
        # close it here, or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_customer_signs_in_sees_targets_and_files_a_ticket(page, customer):
    page.goto(f"{page.base_url}/tickets/new/")
    page.fill("#id_username", customer.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/tickets/new/")
    assert page.get_by_text("Your targets · Pro").is_visible()
    page.fill("#id_subject", "Authentication broken for SSO users")
    page.check("input[name=severity][value=P2]")
    page.fill("#id_description", "SAML assertion rejected since 08:00 PT.")
    page.click("text=Open ticket")
    page.wait_for_url("**/tickets/*/")
    assert page.locator("h1").inner_text().endswith("Authentication broken for SSO users")
    ticket = Ticket.objects.get()
    assert (ticket.severity, ticket.channel, ticket.organization_id) == ("P2", "portal", customer.organization_id)


def test_phone_sized_dashboard_has_no_horizontal_scroll(page, customer):
    from tests.factories import TicketFactory

    TicketFactory(requester=customer, subject="A fairly long subject line that has to wrap on a phone")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", customer.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

