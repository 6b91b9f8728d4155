"""Customer accounts (django-allauth): password reset through the outbox, password change,
sign-out message, profile with time zone and notification preferences; no public signup."""
import re

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from notifications.models import Notification
from tests.conftest import login
from tests.factories import PASSWORD, CustomerFactory, StaffFactory, api_key_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-42"
RESET_LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")


def api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/tickets/").status_code


def sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_password_reset_mail_is_an_outbox_row_whose_link_sets_a_new_password_and_revokes_tokens(
        client, customer, settings):
    settings.SITE_URL = "https://support.aragora.example"
    key = api_key_for(customer)
    assert api_status(key) == 200

    response = client.post("/accounts/password/reset/", {"email": customer.email.upper()})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    mail = Notification.objects.get(template="password_reset")
    assert (mail.channel, mail.recipient, mail.status) == ("email", customer.email, "queued")
    assert "reset your password" in mail.subject
    link = RESET_LINK.search(mail.body_text).group(0)
    assert link.startswith("https://support.aragora.example/accounts/password/reset/key/")
    assert link in mail.body_html

    form = client.get(link.removeprefix("https://support.aragora.example"), follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/key/done/"

    assert api_status(key) == 401 and not ApiToken.objects.filter(user=customer).exists()
    assert sign_in(client, customer.username, PASSWORD).status_code == 200  # the old one is refused
    response = sign_in(client, customer.username, NEW_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    # The link worked once.
    again = client.get(link.removeprefix("https://support.aragora.example"), follow=True)
    assert "This link no longer works" in again.content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_looks_the_same(client, customer):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    assert not Notification.objects.exists()


def test_reset_link_is_built_from_the_portal_url_not_the_host_header(client, customer, settings):
    settings.SITE_URL = "https://support.aragora.example"
    client.post("/accounts/password/reset/", {"email": customer.email}, HTTP_HOST="localhost")
    body = Notification.objects.get(template="password_reset").body_text
    assert "https://support.aragora.example/accounts/password/reset/key/" in body and "localhost" not in body


def test_password_change_keeps_this_session_and_revokes_every_api_token(client, customer):
    keys = [api_key_for(customer, name) for name in ("ci", "dashboard")]
    login(client, customer)
    response = client.post("/accounts/password/change/", {
        "oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert [api_status(key) for key in keys] == [401, 401]
    assert client.get("/accounts/profile/").status_code == 200  # still signed in here
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


def test_wrong_current_password_changes_nothing(client, customer):
    key = api_key_for(customer)
    login(client, customer)
    response = client.post("/accounts/password/change/", {
        "oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 200 and api_status(key) == 200
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_signing_out_shows_you_have_been_signed_out_on_the_sign_in_page(client, customer):
    login(client, customer)
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "You have been signed out." in response.content.decode()
    assert client.get("/").status_code == 302


def test_sign_in_takes_a_username_or_an_email_address(client, customer):
    assert sign_in(client, customer.username, PASSWORD)["Location"] == "/"
    client.logout()
    assert sign_in(client, customer.email, PASSWORD)["Location"] == "/"


def test_there_is_no_public_signup(client):
    page = client.get("/accounts/signup/")
    assert "Accounts are by invitation" in page.content.decode()
    client.post("/accounts/signup/", {"username": "intruder", "email": "i@example.com",
                                      "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not User.objects.filter(username="intruder").exists()


def test_people_cannot_change_their_own_email_address(client, customer):
    # Inbound mail and tenancy trust it: staff set it (docs/security.md, "Accounts").
    login(client, customer)
    assert client.get("/accounts/email/").status_code == 404
    assert client.post("/accounts/email/", {"email": "other@example.com", "action_add": ""}).status_code == 404


def test_profile_needs_sign_in(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/", follow=True).redirect_chain[-1][0].startswith("/accounts/login/")


PROFILE = {"first_name": "Ada", "last_name": "Lovelace", "timezone": "Europe/London",
           "notify_ticket_receipt": "on", "notify_status_change": "on"}


def test_profile_saves_name_time_zone_and_notification_preferences(client, customer):
    login(client, customer)
    page = client.get("/accounts/profile/").content.decode()
    assert 'href="/accounts/profile/"' in page and "Europe/Paris" in page
    response = client.post("/accounts/profile/", PROFILE)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.get_full_name(), customer.timezone) == ("Ada Lovelace", "Europe/London")
    assert (customer.notify_ticket_receipt, customer.notify_staff_reply, customer.notify_status_change,
            customer.notify_nps_survey) == (True, False, True, False)


def test_new_people_get_every_notification_by_default():
    person = User(username="new")
    assert all(getattr(person, name) for name in (
        "notify_ticket_receipt", "notify_staff_reply", "notify_status_change", "notify_nps_survey"))


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "posix/Europe/Paris", "../../etc/passwd", "Europe/Paris\x00"])
def test_profile_refuses_an_unknown_time_zone_and_saves_nothing(client, customer, zone):
    login(client, customer)
    response = client.post("/accounts/profile/", {**PROFILE, "timezone": zone})
    assert response.status_code == 400
    # NUL is refused for every form by the request guard, before the form sees it.
    assert ("Nothing was saved" if "\x00" in zone else "Select a valid choice.") in response.content.decode()
    customer.refresh_from_db()
    assert (customer.first_name, customer.timezone, customer.notify_staff_reply) == ("", "", True)


def test_profile_service_refuses_an_unknown_zone_too(customer):
    from django.core.exceptions import ValidationError

    from accounts.services import profile_update

    with pytest.raises(ValidationError):
        profile_update(user=customer, first_name="X", last_name="", timezone_name="Mars/Olympus_Mons")
    customer.refresh_from_db()
    assert (customer.first_name, customer.timezone) == ("", "")


def test_staff_have_a_profile_too(client):
    staff = StaffFactory(username="engineer-tz")
    login(client, staff)
    assert 'href="/accounts/profile/"' in client.get("/admin/").content.decode()
    assert client.post("/accounts/profile/", {**PROFILE, "timezone": "America/Los_Angeles"}).status_code == 302
    staff.refresh_from_db()
    assert staff.timezone == "America/Los_Angeles"


def test_the_admin_login_page_signs_staff_in_through_allauths_flow(client):
    # allauth's view in the admin's look (two-factor: tests/security/test_mfa.py)
    StaffFactory(username="engineer-admin")
    page = client.get("/admin/login/")
    assert page.status_code == 200 and "admin/login" in page.templates[0].name
    response = client.post("/admin/login/?next=/admin/", {"username": "engineer-admin", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_deactivated_person_is_told_so_and_stays_signed_out(client):
    person = CustomerFactory(is_active=False)
    response = sign_in(client, person.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/accounts/inactive/"
    assert client.get("/").status_code == 302


def test_an_empty_time_zone_on_the_profile_means_automatic(client, customer):
    customer.timezone = "Asia/Tokyo"
    customer.save()
    login(client, customer)
    assert client.post("/accounts/profile/", {**PROFILE, "timezone": ""}).status_code == 302
    customer.refresh_from_db()
    assert customer.timezone == ""  # the browser's zone from now on (accounts.middleware)
