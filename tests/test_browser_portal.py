"""The ticket list's search, filters and sorts, and each tier's navigation and Get help page, in a
real browser (Debian's Chromium driven by Playwright; set-up shared with tests/test_browser.py)."""
import pytest

from tickets import services
from tests.factories import PASSWORD, CustomerFactory, OrganizationFactory, TicketFactory, tier
from tests.test_browser import page  # noqa: F401  (the fixture: a Chromium page on the live server)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in(page, user):
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")


def subjects(page) -> list[str]:
    return page.locator('td[data-label="Subject"] a').all_inner_texts()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_customer_admin_searches_filters_and_sorts_the_ticket_list(page, customer_admin, customer, staff, outsider):
    retries = TicketFactory(requester=customer, subject="Webhook retries failing", severity="P2")
    services.message_create(ticket=retries, author=staff, body="The signature header is missing")
    services.message_create(ticket=retries, author=staff, body="kraken churn risk", is_internal=True)
    TicketFactory(requester=customer_admin, subject="Webhook docs typo", severity="P4")
    TicketFactory(requester=customer_admin, subject="Export stuck", severity="P1")
    TicketFactory(requester=outsider, subject="Webhook of another organisation", severity="P2")
    sign_in(page, customer_admin)
    assert len(subjects(page)) == 3

    page.fill("#id_q", "webhook")
    page.press("#id_q", "Enter")
    page.wait_for_url("**/?q=webhook*")
    assert sorted(subjects(page)) == ["Webhook docs typo", "Webhook retries failing"]

    page.select_option("#id_severity", "P4")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**severity=P4*")
    assert subjects(page) == ["Webhook docs typo"]

    page.select_option("#id_severity", "")
    page.select_option("#id_requester", label=customer.get_full_name() or customer.username)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(f"**requester={customer.pk}*")
    assert subjects(page) == ["Webhook retries failing"]

    # A public reply's words are found; an internal note's never are.
    page.goto(f"{page.base_url}/?q=signature+header")
    assert subjects(page) == ["Webhook retries failing"]
    page.goto(f"{page.base_url}/?q=kraken")
    assert subjects(page) == [] and page.get_by_text("No tickets match.").is_visible()

    # Sort by clicking a column header; again for the other way; the search stays.
    page.goto(f"{page.base_url}/?q=webhook")
    page.click("th >> text=Severity")
    page.wait_for_url("**sort=severity*")
    assert subjects(page) == ["Webhook retries failing", "Webhook docs typo"]
    assert page.locator("th[aria-sort=ascending]").text_content().startswith("Severity")
    page.click("th >> text=Severity")
    page.wait_for_url("**sort=-severity*")
    assert subjects(page) == ["Webhook docs typo", "Webhook retries failing"]
    assert page.input_value("#id_q") == "webhook"

    # Impossible dates get a message on the page, not an error page.
    page.fill("#id_opened_from", "2026-03-10")
    page.fill("#id_opened_to", "2026-03-01")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**opened_to=2026-03-01*")
    assert page.get_by_role("alert").inner_text().endswith("The end date (1 Mar 2026) is before the start date "
                                                           "(10 Mar 2026).")
    page.click("text=Clear")
    page.wait_for_url(f"{page.base_url}/")
    assert len(subjects(page)) == 3

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/?q=webhook&status=all&sort=-updated")
    assert page.locator("#id_q").is_visible() and page.locator("#id_sort").is_visible()
    assert no_sideways_scroll(page)


@pytest.mark.parametrize("code, tabs, channels", [
    ("free", ["Get help", "Profile"],
     {"github.com/an0mium/aragora/discussions": "https://github.com/an0mium/aragora/discussions",
      "github.com/an0mium/aragora/issues": "https://github.com/an0mium/aragora/issues",
      "docs.aragora.ai": "https://docs.aragora.ai"}),
    ("pro", ["Tickets", "New ticket", "Feature requests", "Get help", "API", "Profile"],
     {"support@aragora.ai": "mailto:support@aragora.ai",
      "github.com/an0mium/aragora/issues": "https://github.com/an0mium/aragora/issues"}),
    ("enterprise", ["Tickets", "New ticket", "Onboarding", "Services", "Video calls", "Feature requests", "Get help", "API", "Profile"],
     {"enterprise-support@aragora.ai": "mailto:enterprise-support@aragora.ai",
      "C0ACME42": "https://slack.com/app_redirect?channel=C0ACME42",
      "Request a video call": "/video-calls/"}),
])
def test_each_tier_sees_only_its_tabs_and_its_channels(page, code, tabs, channels):
    user = CustomerFactory(organization=OrganizationFactory(tier=tier(code), slack_channel="C0ACME42"))
    sign_in(page, user)
    assert page.locator('nav[aria-label="Main"] a').all_inner_texts() == tabs
    page.click('nav[aria-label="Main"] >> text=Get help')
    page.wait_for_url("**/help/")
    for text, href in channels.items():
        link = page.locator("main").get_by_role("link", name=text, exact=True)
        assert link.is_visible() and link.get_attribute("href") == href, text
    body = page.locator("main").inner_text()
    assert ("+1-XXX-XXX-XXXX" in body) == (code == "enterprise")  # the hotline
    assert ("C0ACME42" in body) == (code == "enterprise")  # Slack Connect is Enterprise's
    assert ("Business hours (9am-6pm PT, Mon-Fri)" in body) == (code == "pro")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert no_sideways_scroll(page)
