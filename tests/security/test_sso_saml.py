"""Single sign-on by SAML 2.0, against a real IdP (pysaml2's saml2.server.Server signing with
xmlsec1): JIT provisioning, role mapping, tampering, expiry, replay, other organisations, staff
and "SSO required" (docs/security.md, "Single sign-on")."""
import base64
from datetime import timedelta

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import CustomerRole, OrganizationSso, User
from accounts.sso.services import organization_sso_save
from notifications.models import Notification
from tests.factories import PASSWORD, CustomerFactory, StaffFactory
from tests.security.saml_idp import SamlIdP

pytestmark = pytest.mark.django_db


def configure_idp(client, tmp_path, organization, name, **options) -> SamlIdP:
    idp = SamlIdP(tmp_path, name)
    sso = organization_sso_save(sso=OrganizationSso(
        organization=organization, protocol="saml", email_domains=f"{name}.example",
        idp_metadata_xml=idp.metadata_xml(), **options))
    metadata = client.get(f"/accounts/saml/{sso.slug}/metadata/")
    assert metadata.status_code == 200
    idp.trust_sp(metadata.content.decode())
    idp.sso = sso
    idp.sp_entity_id = sso.social_app.settings["sp"]["entity_id"]
    idp.acs_url = f"http://testserver/accounts/saml/{sso.slug}/acs/"
    return idp


@pytest.fixture
def acme(enterprise_org):
    return enterprise_org


@pytest.fixture
def umbrella(other_org):
    return other_org


@pytest.fixture
def acme_idp(client, tmp_path, acme):
    return configure_idp(client, tmp_path, acme, "acme", role_attribute="groups", admin_values="support-admins")


def post_to_acs(client, idp, saml_response, relay_state=""):
    response = client.post(idp.acs_url, {"SAMLResponse": saml_response, "RelayState": relay_state})
    assert response.status_code == 302, response.content[:500]
    return client.get(response["Location"])


def sp_initiated_login(client, idp, email, hint=None, **kwargs):
    start = client.post("/accounts/sso/", {"hint": hint or email})
    assert start.status_code == 302 and start["Location"].startswith(idp.sso_url), start
    request_id, acs_url, relay_state = idp.parse_request(start["Location"])
    assert acs_url == idp.acs_url
    saml_response = idp.response(email=email, sp_entity_id=idp.sp_entity_id, acs_url=acs_url,
                                 in_response_to=request_id, **kwargs)
    return post_to_acs(client, idp, saml_response, relay_state), saml_response


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_a_signed_login_creates_the_person_in_that_organisation_with_the_default_role(client, acme, acme_idp):
    response, _ = sp_initiated_login(client, acme_idp, "pat@acme.example")
    assert response.status_code == 302, response.content[:1000]
    user = signed_in_user(client)
    assert user is not None and user.email == "pat@acme.example"
    assert (user.organization, user.customer_role, user.is_staff) == (acme, CustomerRole.MEMBER, False)
    assert (user.first_name, user.last_name) == ("Pat", "Doe")
    assert SocialAccount.objects.get(user=user).provider == acme_idp.sso.slug


def idp_initiated_login(client, idp, email, **kwargs):
    saml_response = idp.response(email=email, sp_entity_id=idp.sp_entity_id, acs_url=idp.acs_url, **kwargs)
    return post_to_acs(client, idp, saml_response), saml_response


def test_the_role_comes_from_the_groups_attribute_and_is_set_again_at_each_login(client, acme, acme_idp):
    sp_initiated_login(client, acme_idp, "lee@acme.example", attributes={"groups": ["staff", "support-admins"]})
    assert signed_in_user(client).customer_role == CustomerRole.ADMIN
    client.logout()
    response, _ = sp_initiated_login(client, acme_idp, "lee@acme.example", attributes={"groups": ["staff"]})
    assert response.status_code == 302
    user = signed_in_user(client)
    assert (user.email, user.customer_role) == ("lee@acme.example", CustomerRole.MEMBER)
    assert User.objects.filter(email__iexact="lee@acme.example").count() == 1


def test_an_existing_member_of_the_organisation_signs_in_to_their_own_account(client, acme, acme_idp):
    member = CustomerFactory(organization=acme, email="Sam@Acme.example", customer_role=CustomerRole.ADMIN)
    response, _ = sp_initiated_login(client, acme_idp, "sam@acme.example")
    assert response.status_code == 302
    assert signed_in_user(client) == member
    member.refresh_from_db()
    # No groups attribute sent: the default role, as the organisation's IdP now decides roles.
    assert member.customer_role == CustomerRole.MEMBER


def test_a_tampered_signature_is_refused_and_signs_nobody_in(client, acme, acme_idp):
    start = client.post("/accounts/sso/", {"hint": "pat@acme.example"})
    request_id, acs_url, relay_state = acme_idp.parse_request(start["Location"])
    signed = acme_idp.response(email="pat@acme.example", sp_entity_id=acme_idp.sp_entity_id, acs_url=acs_url,
                               in_response_to=request_id)
    xml = base64.b64decode(signed).decode()
    assert xml.count("pat@acme.example") >= 2
    tampered = base64.b64encode(xml.replace("pat@acme.example", "eve@acme.example").encode()).decode()
    response = post_to_acs(client, acme_idp, tampered, relay_state)
    assert 400 <= response.status_code < 500
    assert signed_in_user(client) is None
    assert not User.objects.filter(email__in=["eve@acme.example", "pat@acme.example"]).exists()


def test_an_unsigned_response_is_refused(client, acme, acme_idp):
    response, _ = idp_initiated_login(client, acme_idp, "pat@acme.example", signed=False)
    assert response.status_code == 400
    assert signed_in_user(client) is None and not User.objects.filter(email="pat@acme.example").exists()


def test_an_expired_assertion_is_refused(client, acme, acme_idp):
    with time_machine.travel(timezone.now() - timedelta(hours=1)):  # valid for 15 minutes, an hour ago
        stale = acme_idp.response(email="pat@acme.example", sp_entity_id=acme_idp.sp_entity_id,
                                  acs_url=acme_idp.acs_url)
    response = post_to_acs(client, acme_idp, stale)
    assert 400 <= response.status_code < 500
    assert signed_in_user(client) is None and not User.objects.filter(email="pat@acme.example").exists()


def test_a_replayed_idp_initiated_assertion_is_refused_the_second_time(client, acme, acme_idp):
    first, saml_response = idp_initiated_login(client, acme_idp, "pat@acme.example")
    assert first.status_code == 302 and signed_in_user(client).email == "pat@acme.example"

    attacker = Client()
    replay = post_to_acs(attacker, acme_idp, saml_response)
    assert replay.status_code == 403
    assert b"already used" in replay.content
    assert "_auth_user_id" not in attacker.session


def test_a_replayed_sp_initiated_response_is_refused(client, acme, acme_idp):
    first, saml_response = sp_initiated_login(client, acme_idp, "pat@acme.example")
    assert first.status_code == 302
    client.logout()
    replay = post_to_acs(client, acme_idp, saml_response)
    assert 400 <= replay.status_code < 500
    assert signed_in_user(client) is None


def test_idp_initiated_sign_in_is_refused_where_the_organisation_turned_it_off(client, tmp_path, umbrella):
    idp = configure_idp(client, tmp_path, umbrella, "umbrella", allow_idp_initiated=False)
    response, _ = idp_initiated_login(client, idp, "kim@umbrella.example")
    assert 400 <= response.status_code < 500 and signed_in_user(client) is None


def test_another_organisations_idp_cannot_sign_in_or_link_a_member_of_this_organisation(
        client, tmp_path, acme, umbrella, acme_idp):
    umbrella_member = CustomerFactory(organization=umbrella, email="bob@umbrella.example")
    response, _ = sp_initiated_login(client, acme_idp, "bob@umbrella.example", hint="anyone@acme.example")
    assert response.status_code == 403
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.filter(user=umbrella_member).exists()
    umbrella_member.refresh_from_db()
    assert umbrella_member.organization == umbrella
    # Nor through an assertion started at Acme's IdP (IdP-initiated).
    response, _ = idp_initiated_login(client, acme_idp, "BOB@umbrella.example")
    assert response.status_code == 403 and signed_in_user(client) is None


def test_a_new_person_is_created_only_at_the_organisations_own_email_domains(client, acme, acme_idp):
    response, _ = idp_initiated_login(client, acme_idp, "someone@gmail.example")
    assert response.status_code == 403 and signed_in_user(client) is None
    assert not User.objects.filter(email="someone@gmail.example").exists()
    # An existing member at another address is still signed in (staff put them there).
    member = CustomerFactory(organization=acme, email="contractor@gmail.example")
    idp_initiated_login(client, acme_idp, "contractor@gmail.example")
    assert signed_in_user(client) == member


def test_an_idp_asserting_a_staff_email_does_not_sign_in_the_staff_account(client, acme, acme_idp):
    staff = StaffFactory(email="ops@acme.example", is_superuser=True)
    response, _ = idp_initiated_login(client, acme_idp, "ops@acme.example")
    assert response.status_code == 403
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.filter(user=staff).exists()


def test_a_staff_account_wrongly_placed_in_the_organisation_is_still_not_signed_in_by_its_idp(
        client, acme, acme_idp):
    # The admin refuses staff in an organisation (User.clean); the table does not, so the rule
    # is checked again at sign-in.
    staff = StaffFactory(email="lead@acme.example", organization=acme, customer_role=CustomerRole.ADMIN)
    response, _ = idp_initiated_login(client, acme_idp, "lead@acme.example")
    assert response.status_code == 403
    assert signed_in_user(client) is None and not SocialAccount.objects.filter(user=staff).exists()


@pytest.fixture
def sso_required(acme_idp):
    acme_idp.sso.sso_required = True
    organization_sso_save(sso=acme_idp.sso)
    return acme_idp


def test_sso_required_refuses_a_members_password_login_with_a_link_to_sso(client, acme, sso_required):
    member = CustomerFactory(organization=acme, email="pat@acme.example")
    response = client.post("/accounts/login/", {"username": member.username, "password": PASSWORD})
    assert response.status_code == 200
    assert b"single sign-on" in response.content
    assert f'<a href="/accounts/sso/?org={acme.account_id}">Sign in with SSO</a>'.encode() in response.content
    assert signed_in_user(client) is None
    api = APIClient().post("/api/v1/auth/token/", {"username": member.username, "password": PASSWORD}, format="json")
    assert api.status_code == 400 and "single sign-on" in str(api.json())
    # The same person still gets in through the IdP.
    sp_initiated_login(client, sso_required, "pat@acme.example")
    assert signed_in_user(client) == member


def test_sso_required_refuses_password_reset_for_the_organisations_domain(client, acme, sso_required):
    CustomerFactory(organization=acme, email="pat@acme.example")
    response = client.post("/accounts/password/reset/", {"email": "pat@acme.example"})
    assert response.status_code == 200 and b"single sign-on" in response.content
    assert not Notification.objects.filter(template="password_reset").exists()


def test_sso_required_does_not_stop_staff_signing_in_with_a_password(client, acme, sso_required):
    staff = StaffFactory(email="support@acme.example")
    response = client.post("/accounts/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_user(client) == staff


def test_without_sso_required_a_member_still_signs_in_with_a_password(client, acme, acme_idp):
    member = CustomerFactory(organization=acme)
    response = client.post("/accounts/login/", {"username": member.username, "password": PASSWORD})
    assert response.status_code == 302 and signed_in_user(client) == member


def test_the_sp_metadata_is_at_a_stable_url_and_names_our_entity_id_and_acs(client, acme_idp, settings):
    slug = acme_idp.sso.slug
    metadata = client.get(f"/accounts/saml/{slug}/metadata/")
    assert metadata.status_code == 200 and metadata["Content-Type"].startswith("text/xml")
    body = metadata.content.decode()
    assert f'entityID="{settings.SITE_URL}/accounts/saml/{slug}/metadata/"' in body
    assert f"/accounts/saml/{slug}/acs/" in body


@pytest.mark.parametrize("path", ["metadata/", "login/", "acs/finish/", "sls/"])
def test_an_unknown_organisation_slug_is_a_404(client, acme_idp, path):
    assert client.get(f"/accounts/saml/no-such-org/{path}").status_code == 404


@pytest.mark.parametrize("body", [{"SAMLResponse": "garbage!!"}, {"SAMLResponse": base64.b64encode(b"<x>").decode()},
                                  {"SAMLResponse": base64.b64encode(b"\xff\xfe not xml").decode()},
                                  {"SAMLResponse": ""}, {}, {"RelayState": "https://evil.example/"}])
def test_bad_input_at_the_acs_is_a_4xx_never_a_500(client, acme_idp, body):
    response = client.post(acme_idp.acs_url, body)
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert 400 <= response.status_code < 500
    assert signed_in_user(client) is None


def test_finishing_without_an_acs_post_is_a_4xx(client, acme_idp):
    response = client.get(f"/accounts/saml/{acme_idp.sso.slug}/acs/finish/")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("hint", ["nobody@unknown.example", "ara_000000000000", "", "x" * 300, "@"])
def test_sign_in_with_sso_for_an_unknown_address_or_account_is_a_400(client, acme_idp, hint):
    response = client.post("/accounts/sso/", {"hint": hint})
    assert response.status_code == 400


def test_sign_in_with_sso_finds_the_organisation_by_account_id_and_the_login_page_links_it(client, acme, acme_idp):
    assert b'href="/accounts/sso/' in client.get("/accounts/login/").content
    response = client.post("/accounts/sso/", {"hint": acme.account_id})
    assert response.status_code == 302 and response["Location"].startswith(acme_idp.sso_url)


def test_allauth_connect_and_social_signup_pages_are_off(client, acme, acme_idp):
    member = CustomerFactory(organization=acme)
    client.force_login(member)
    for path in ("/accounts/3rdparty/", "/accounts/3rdparty/signup/", "/accounts/social/"):
        assert client.get(path).status_code == 404, path
    # process=connect would attach the IdP identity to whoever is signed in.
    response = client.post(f"/accounts/saml/{acme_idp.sso.slug}/login/", {"process": "connect"})
    request_id, acs_url, relay_state = acme_idp.parse_request(response["Location"])
    saml_response = acme_idp.response(email="other@acme.example", sp_entity_id=acme_idp.sp_entity_id,
                                      acs_url=acs_url, in_response_to=request_id)
    assert post_to_acs(client, acme_idp, saml_response, relay_state).status_code == 403
    assert not SocialAccount.objects.exists()


def test_a_superuser_configures_saml_in_the_admin_from_the_idp_metadata(client, tmp_path, umbrella):
    idp = SamlIdP(tmp_path, "umbrella")
    client.force_login(StaffFactory(is_superuser=True))
    form = {"organization": umbrella.pk, "protocol": "saml", "enabled": "on", "email_domains": "umbrella.example",
            "default_role": "member", "update_role_on_login": "on", "allow_idp_initiated": "on",
            "idp_metadata_xml": "<not-metadata/>"}
    bad = client.post("/admin/accounts/organizationsso/add/", form)
    assert bad.status_code == 200 and b"metadata" in bad.content and not OrganizationSso.objects.exists()
    response = client.post("/admin/accounts/organizationsso/add/", {**form, "idp_metadata_xml": idp.metadata_xml()})
    assert response.status_code == 302, response.content[:2000]
    sso = OrganizationSso.objects.get(organization=umbrella)
    assert sso.social_app.provider == "saml" and sso.social_app.settings["idp"]["entity_id"] == idp.entity_id
    page = client.get(f"/admin/accounts/organizationsso/{sso.pk}/change/")
    assert f"/accounts/saml/{sso.slug}/metadata/".encode() in page.content
    assert f"/accounts/saml/{sso.slug}/acs/".encode() in page.content


def test_an_account_manager_cannot_open_the_sso_admin(client, acme_idp):
    from accounts import roles
    client.force_login(StaffFactory(role=roles.ACCOUNT_MANAGER))
    assert client.get("/admin/accounts/organizationsso/").status_code == 403


def test_allauths_own_sso_pages_render(client, acme_idp):
    # GET of a provider's login asks for a POST (no redirect to an IdP on a link a mail scanner opens).
    page = client.get(f"/accounts/saml/{acme_idp.sso.slug}/login/")
    assert page.status_code == 200 and b"<form" in page.content
    assert client.get("/accounts/3rdparty/login/cancelled/").status_code == 200
    assert client.get("/accounts/3rdparty/login/error/").status_code == 401
    assert client.get("/accounts/sso/?org=ara_x&next=https://evil.example/").status_code == 200


# --- single sign-on and the portal's own two-factor (docs/security.md, "Two-factor", "SSO") -------

def test_an_sso_sign_in_skips_the_local_code_step_of_a_member_who_has_an_authenticator(client, acme, acme_idp):
    from tests.factories import give_totp

    member = CustomerFactory(organization=acme, email="kim@acme.example")
    give_totp(member)
    response, _ = sp_initiated_login(client, acme_idp, "kim@acme.example")
    assert response.status_code == 302 and "/2fa/" not in response["Location"], response
    assert signed_in_user(client) == member  # signed in by the IdP alone: no code asked
    assert client.get("/").status_code == 200


def test_an_organisation_that_requires_two_factor_does_not_confine_its_sso_sign_ins(client, acme, acme_idp):
    acme.mfa_required = True
    acme.save(update_fields=["mfa_required"])
    response, _ = sp_initiated_login(client, acme_idp, "new@acme.example")
    assert response.status_code == 302
    assert signed_in_user(client).email == "new@acme.example"
    page = client.get("/")
    assert page.status_code == 200, page.get("Location")  # not sent to enrolment: the IdP's factor counts
