"""Two-factor in a real browser (Debian's Chromium driven by Playwright): a security key (WebAuthn,
through Chromium's virtual authenticator) is added from the portal and then signs the person in."""
import pytest
from allauth.mfa.models import Authenticator

from tests.factories import PASSWORD, CustomerFactory
from tests.test_browser import page  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _password_step(page, user):
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_a_security_key_added_in_the_portal_signs_its_owner_in(page):  # noqa: F811
    customer = CustomerFactory(username="key-holder")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "usb", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    _password_step(page, customer)
    page.wait_for_url(f"{page.base_url}/")
    page.goto(f"{page.base_url}/accounts/2fa/webauthn/add/")
    page.fill("#id_name", "Desk key")
    page.click("#mfa_webauthn_add")
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    key = Authenticator.objects.get(user=customer, type=Authenticator.Type.WEBAUTHN)
    assert str(key) == "Desk key"

    page.context.clear_cookies()
    _password_step(page, customer)
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.click("#mfa_webauthn_authenticate")
    page.wait_for_url(f"{page.base_url}/")
    assert page.locator(".who").inner_text().startswith(customer.get_full_name() or customer.username)
