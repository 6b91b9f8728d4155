"""Two-factor authentication (allauth.mfa, accounts/two_factor.py): staff must have it for the
back-office, customers may turn it on, an organisation may require it; codes are real TOTP codes
(allauth's own helpers), wrong ones count toward the django-axes lockout, and no input is a 500."""
from datetime import timedelta

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory

from accounts.two_factor import ENROLMENT_SESSION_KEY, login_needs_local_second_factor
from tests.conftest import login
from tests.factories import PASSWORD, CustomerFactory, OrganizationFactory, StaffFactory, give_totp, totp_code

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"
AUTHENTICATE = "/accounts/2fa/authenticate/"


def sign_in(client, user, path="/accounts/login/", ip="203.0.113.9"):
    return client.post(path, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=ip)


def enter_code(client, code, ip="203.0.113.9"):
    return client.post(AUTHENTICATE, {"code": code}, REMOTE_ADDR=ip)


def enrol(client):
    """Activate an authenticator app as a person would: read the secret the page offers, type its code."""
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:500]
    return secret


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.STAFF_MFA_REQUIRED = True


# --- staff: enrolment, then the code at every sign-in -------------------------------------------

def test_staff_signing_in_without_an_authenticator_are_confined_to_enrolment(client):
    staff = StaffFactory()
    assert sign_in(client, staff).status_code == 302
    for path in ("/admin/", "/admin/tickets/ticket/", "/", "/accounts/profile/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == ACTIVATE, path
    assert client.get("/api/v1/tickets/").status_code == 403
    assert client.get(ACTIVATE).status_code == 200


def test_enrolling_with_a_real_code_opens_the_admin(client):
    staff = StaffFactory()
    sign_in(client, staff)
    enrol(client)
    assert Authenticator.objects.filter(user=staff, type="totp").exists()
    assert Authenticator.objects.filter(user=staff, type="recovery_codes").exists()  # made with it
    assert client.get("/admin/").status_code == 200
    assert ENROLMENT_SESSION_KEY not in client.session


def test_enrolment_refuses_a_wrong_code_and_stays_confined(client):
    staff = StaffFactory()
    sign_in(client, staff)
    client.get(ACTIVATE)
    secret = client.session["mfa.totp.secret"]
    wrong = f"{(int(totp_code(secret)) + 1) % 1000000:06d}"
    assert client.post(ACTIVATE, {"code": wrong}).status_code == 200
    assert not Authenticator.objects.filter(user=staff).exists()
    assert client.get("/admin/")["Location"] == ACTIVATE


def test_the_next_sign_in_asks_for_the_code_refuses_a_wrong_one_and_takes_the_right_one(client):
    staff = StaffFactory()
    give_totp(staff)
    response = sign_in(client, staff)
    assert response.status_code == 302 and response["Location"] == AUTHENTICATE
    assert client.get("/admin/").status_code == 302  # not signed in yet: the admin sends to sign-in
    assert "_auth_user_id" not in client.session
    wrong = enter_code(client, f"{(int(totp_code()) + 500000) % 1000000:06d}")
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    assert enter_code(client, totp_code()).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_code_works_once(client):
    staff = StaffFactory()
    give_totp(staff)
    sign_in(client, staff)
    code = totp_code()
    enter_code(client, code)
    client.post("/accounts/logout/")
    sign_in(client, staff)
    assert enter_code(client, code).status_code == 200  # replayed: refused
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once_only(client):
    staff = StaffFactory()
    give_totp(staff)
    codes = RecoveryCodes.activate(staff).get_unused_codes()
    sign_in(client, staff)
    assert enter_code(client, codes[0]).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.post("/accounts/logout/")
    sign_in(client, staff)
    assert enter_code(client, codes[0]).status_code == 200
    assert "_auth_user_id" not in client.session
    assert enter_code(client, codes[1]).status_code == 302


def test_the_admin_login_page_runs_the_same_flow_and_is_no_way_around_the_code(client):
    staff = StaffFactory()
    give_totp(staff)
    response = sign_in(client, staff, path="/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith(AUTHENTICATE)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert enter_code(client, totp_code())["Location"] == "/admin/"  # and on to where it was going


def test_the_admin_login_page_confines_staff_without_an_authenticator_too(client):
    staff = StaffFactory()
    response = sign_in(client, staff, path="/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/")["Location"] == ACTIVATE


def test_a_signed_in_customer_opening_the_admin_is_told_so_not_looped(client, customer):
    login(client, customer)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 200 and len(response.redirect_chain) == 1
    assert "no access to the back-office" in response.content.decode()


def test_staff_cannot_remove_their_only_authenticator(client):
    staff = StaffFactory()
    give_totp(staff)
    sign_in(client, staff)
    enter_code(client, totp_code())
    client.post("/accounts/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(user=staff, type="totp").exists()


def test_staff_are_not_made_to_enrol_when_staff_two_factor_is_off(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    staff = StaffFactory()
    sign_in(client, staff)
    assert client.get("/admin/").status_code == 200


def test_sessions_not_made_by_allauths_sign_in_are_not_confined(client):
    # force_login (tests, shell) makes a session without allauth's flow: nothing marks it.
    # Every sign-in a person can make goes through allauth's flow (docs/security.md, "Two-factor").
    staff = StaffFactory()
    login(client, staff)
    assert client.get("/admin/").status_code == 200


def test_a_sign_in_without_a_password_record_such_as_sso_is_left_to_the_identity_provider(client):
    staff = StaffFactory()
    request = RequestFactory().get("/")
    request.session = client.session
    request.session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(staff.pk)
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "socialaccount", "provider": "saml"}]
    assert not login_needs_local_second_factor(request, staff)
    request.session[AUTHENTICATION_METHODS_SESSION_KEY].append({"method": "password", "username": staff.username})
    assert login_needs_local_second_factor(request, staff)


# --- customers -----------------------------------------------------------------------------------

def test_a_customer_without_a_requirement_is_not_bothered(client, customer):
    assert sign_in(client, customer).status_code == 302
    assert client.get("/").status_code == 200
    page = client.get("/accounts/profile/").content.decode()
    assert "Turn on two-factor" in page and 'href="/accounts/2fa/"' in page


def test_a_customer_may_turn_two_factor_on_and_then_off(client, customer):
    sign_in(client, customer)
    assert client.get("/accounts/2fa/").status_code == 200
    enrolled = enrol(client)
    assert "Manage two-factor" in client.get("/accounts/profile/").content.decode()
    client.post("/accounts/logout/")
    assert sign_in(client, customer)["Location"] == AUTHENTICATE  # now asked at sign-in
    secret = enrolled
    assert enter_code(client, totp_code(secret, steps_from_now=1)).status_code == 302  # the enrolment code is spent
    assert client.get("/").status_code == 200
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=customer).exists()


def test_an_organisation_that_requires_two_factor_confines_its_members_until_enrolled(client):
    member = CustomerFactory(organization=OrganizationFactory(mfa_required=True))
    sign_in(client, member)
    assert client.get("/")["Location"] == ACTIVATE
    assert client.get("/accounts/profile/")["Location"] == ACTIVATE
    enrol(client)
    assert client.get("/").status_code == 200
    client.post("/accounts/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(user=member, type="totp").exists()  # required: it stays


# --- hostile input and the lockout ---------------------------------------------------------------

@pytest.mark.parametrize("code", ["", "abcdef", "1" * 10_000, "12345\u0663", "' OR 1=1 --", "９９９９９９"])
def test_garbage_codes_are_a_form_error_never_a_500(client, code):
    staff = StaffFactory()
    give_totp(staff)
    sign_in(client, staff)
    response = enter_code(client, code)
    assert 200 <= response.status_code < 500 and response.status_code != 302
    assert "_auth_user_id" not in client.session


def test_garbage_at_enrolment_is_a_form_error_never_a_500(client):
    sign_in(client, StaffFactory())
    client.get(ACTIVATE)
    for code in ("", "x" * 10_000, "\u2603"):
        assert client.post(ACTIVATE, {"code": code}).status_code == 200
    assert client.post(ACTIVATE, {"code": ["1", "2"]}).status_code == 200


def test_wrong_codes_count_toward_the_lockout_and_a_locked_person_cannot_try_more(client):
    staff = StaffFactory()
    give_totp(staff)
    sign_in(client, staff)
    wrong = f"{(int(totp_code()) + 500000) % 1000000:06d}"
    for _ in range(4):
        assert enter_code(client, wrong).status_code == 200
    locked = enter_code(client, wrong)
    assert locked.status_code == 429 and "Too many failed sign-in attempts" in locked.content.decode()
    assert enter_code(client, totp_code()).status_code != 302  # even the right code, for now
    assert "_auth_user_id" not in client.session
    assert sign_in(Client(), staff).status_code == 429  # and the password too, from a new session


def test_wrong_passwords_still_lock_out_staff_with_two_factor(client):
    staff = StaffFactory()
    give_totp(staff)
    for _ in range(4):
        assert client.post("/admin/login/", {"username": staff.username, "password": "wrong"},
                           REMOTE_ADDR="203.0.113.9").status_code == 200
    assert client.post("/admin/login/", {"username": staff.username, "password": "wrong"},
                       REMOTE_ADDR="203.0.113.9").status_code == 429
    assert sign_in(client, staff).status_code == 429


def test_the_lockout_cools_off_for_codes_too(client, settings):
    import time_machine
    from django.utils import timezone

    staff = StaffFactory()
    give_totp(staff)
    sign_in(client, staff)
    wrong = f"{(int(totp_code()) + 500000) % 1000000:06d}"
    for _ in range(5):
        enter_code(client, wrong)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        client.post("/accounts/logout/")
        assert sign_in(client, staff)["Location"] == AUTHENTICATE
        assert enter_code(client, totp_code()).status_code == 302


# --- the demo ------------------------------------------------------------------------------------

def test_demo_2fa_code_prints_the_current_code_of_a_demo_account(settings, capsys):
    from demo.management.commands.seed_demo import DEMO_TOTP_SECRET

    settings.ARAGORA_DEMO = True
    give_totp(StaffFactory(username="support-demo"), DEMO_TOTP_SECRET)
    call_command("demo_2fa_code", "support-demo")
    assert capsys.readouterr().out.strip() == totp_code(DEMO_TOTP_SECRET)


def test_demo_2fa_code_refuses_outside_the_demo(settings):
    settings.ARAGORA_DEMO = False
    give_totp(StaffFactory(username="support-real"))
    with pytest.raises(CommandError, match="demo only"):
        call_command("demo_2fa_code", "support-real")


# --- other ways in -------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["staff", "opted-in customer", "member of a requiring organisation"])
def test_a_password_alone_gets_no_api_token_for_an_account_with_two_factor(who):
    from rest_framework.test import APIClient

    if who == "staff":
        user = StaffFactory()
    elif who == "opted-in customer":
        user = CustomerFactory()
        give_totp(user)
    else:
        user = CustomerFactory(organization=OrganizationFactory(mfa_required=True))
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                                format="json", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 400 and "two-factor" in str(response.json())
    assert "token" not in response.json()


@pytest.mark.parametrize("who", ["staff", "opted-in customer"])
def test_an_account_with_two_factor_gets_an_api_token_with_its_current_code_once(who):
    from rest_framework.test import APIClient

    user = StaffFactory() if who == "staff" else CustomerFactory()
    give_totp(user)
    api = APIClient()
    ask = {"username": user.username, "password": PASSWORD, "code": totp_code()}
    response = api.post("/api/v1/auth/token/", ask, format="json", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200, response.content
    assert api.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {response.json()['token']}").status_code == 200
    again = api.post("/api/v1/auth/token/", ask, format="json", REMOTE_ADDR="203.0.113.9")
    assert again.status_code == 400 and "code" in again.json()  # a TOTP code works once


def test_a_recovery_code_gets_an_api_token_once():
    from rest_framework.test import APIClient

    user = StaffFactory()
    give_totp(user)
    codes = RecoveryCodes.activate(user)
    code = codes.get_unused_codes()[0]
    ask = {"username": user.username, "password": PASSWORD, "code": code}
    assert APIClient().post("/api/v1/auth/token/", ask, format="json", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert APIClient().post("/api/v1/auth/token/", ask, format="json", REMOTE_ADDR="203.0.113.9").status_code == 400


def test_wrong_codes_at_the_token_endpoint_lock_the_account_out_like_wrong_passwords(settings):
    from rest_framework.test import APIClient

    settings.AXES_FAILURE_LIMIT = 3
    user = StaffFactory()
    give_totp(user)
    api = APIClient()
    for _ in range(3):
        wrong = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD, "code": "000000"},
                         format="json", REMOTE_ADDR="203.0.113.10")
        assert wrong.status_code in (400, 429) and "token" not in wrong.json()
    right = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD, "code": totp_code()},
                     format="json", REMOTE_ADDR="203.0.113.10")
    assert right.status_code == 429, right.content  # locked: the right code does not help now


@pytest.mark.parametrize("code", ["x" * 33, "12345\x00", ""])
def test_a_malformed_code_at_the_token_endpoint_is_a_400(code):
    from rest_framework.test import APIClient

    user = StaffFactory()
    give_totp(user)
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD, "code": code},
                                format="json", REMOTE_ADDR="203.0.113.11")
    assert response.status_code == 400 and "token" not in response.json()


def test_a_customer_without_two_factor_still_gets_an_api_token(customer):
    from rest_framework.test import APIClient

    response = APIClient().post("/api/v1/auth/token/", {"username": customer.username, "password": PASSWORD},
                                format="json", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200 and response.json()["token"]


def test_the_admin_lists_authenticators_for_superusers_without_their_secrets(client):
    from tests.factories import TOTP_SECRET

    staff = StaffFactory()
    authenticator = give_totp(staff)
    root = StaffFactory(is_superuser=True)
    login(client, root)
    page = client.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/")
    assert page.status_code == 200 and TOTP_SECRET not in page.content.decode()
    login(client, StaffFactory(role="Engineering lead"))
    assert client.get("/admin/mfa/authenticator/").status_code == 403


def test_the_seeded_demo_staff_have_the_documented_authenticator_app(settings, capsys):
    from allauth.mfa.utils import decrypt

    from demo.management.commands.seed_demo import DEMO_TOTP_SECRET

    settings.ARAGORA_DEMO = True
    call_command("seed_demo")
    for username in ("admin", "support", "senior", "lead", "vp", "exec", "am"):
        app = Authenticator.objects.get(user__username=username, type="totp")
        assert decrypt(app.data["secret"]) == DEMO_TOTP_SECRET
    assert not Authenticator.objects.filter(user__is_staff=False).exists()  # customers choose for themselves
    call_command("seed_demo")  # again: still one app each
    assert Authenticator.objects.filter(user__username="support").count() == 1
    assert "ARAGORADEMOTOTPSECRETAAAAAAAAAAA" == DEMO_TOTP_SECRET  # as README and run-dev.sh print it
