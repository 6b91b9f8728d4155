"""The account pages in a real browser, at phone size: sign in, make a token, sign out."""
import pytest

from accounts.models import ApiToken
from tests.factories import PASSWORD
from tests.test_browser import page  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_on_a_phone_a_customer_makes_a_token_and_signs_out_to_the_signed_out_message(page, customer):  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", customer.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")
    page.click("nav >> text=Profile")
    page.wait_for_url("**/accounts/profile/")
    page.fill("#id_name", "CI pipeline")
    page.click("text=Create token")
    key = page.locator("input[aria-label='New API token']").input_value()
    assert key.startswith("arat_") and ApiToken.objects.get().name == "CI pipeline"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("text=Sign out")
    page.wait_for_url("**/accounts/login/")
    assert page.get_by_text("You have been signed out.").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
