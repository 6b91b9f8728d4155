"""Single sign-on by OpenID Connect, against a real provider: django-oauth-toolkit with OIDC on
(RS256; discovery, authorize, token, userinfo, JWKS) in its own Django process and database
(tests/security/oidc_idp/). docs/security.md, "Single sign-on"."""
import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from accounts.models import CustomerRole, OrganizationSso, User
from accounts.sso.services import organization_sso_save
from tests.factories import CustomerFactory, StaffFactory
from tests.processes import wait_until

pytestmark = pytest.mark.django_db
IDP_PASSWORD = "idp-passphrase-42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcIdP:
    def __init__(self, base: str):
        self.base = base
        self.discovery_url = f"{base}/o/.well-known/openid-configuration"

    def setup(self, **spec):
        response = requests.post(f"{self.base}/setup/", data=json.dumps(spec), timeout=10)
        response.raise_for_status()

    def answers(self) -> bool:
        try:
            return requests.get(self.discovery_url, timeout=1).status_code == 200
        except requests.ConnectionError:
            return False


@pytest.fixture(scope="module")
def oidc_idp(tmp_path_factory):
    directory = tmp_path_factory.mktemp("oidc-idp")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    port = free_port()
    env = {**os.environ, "OIDC_IDP_DB": str(directory / "idp.sqlite3"), "OIDC_IDP_RSA_KEY": key}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = open(directory / "idp.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "tests.security.oidc_idp.serve", str(port)],
                               cwd=Path(django_settings.BASE_DIR), env=env, stdout=log, stderr=subprocess.STDOUT)
    idp = OidcIdP(f"http://127.0.0.1:{port}")
    try:
        assert wait_until(lambda: idp.answers() or process.poll() is not None, timeout=60) and process.poll() is None, \
            (directory / "idp.log").read_text()
        yield idp
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def configure(idp, organization, name, **options):
    client_id, secret = f"{name}-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    sso = organization_sso_save(sso=OrganizationSso(
        organization=organization, protocol="oidc", email_domains=f"{name}.example",
        oidc_discovery_url=f"{idp.base}/o", oidc_client_id=client_id, oidc_client_secret=secret, **options))
    idp.setup(clients=[{"client_id": client_id, "client_secret": secret,
                        "redirect_uri": f"http://testserver/accounts/oidc/{sso.slug}/login/callback/"}])
    return sso


@pytest.fixture
def acme_oidc(oidc_idp, enterprise_org):
    return configure(oidc_idp, enterprise_org, "acme", role_attribute="groups", admin_values="support-admins")


def person(idp, email, groups=(), misconduct=None):
    username = email.replace("@", "_at_")
    idp.setup(users=[{"username": username, "password": IDP_PASSWORD, "email": email, "first_name": "Ada",
                      "last_name": "Lovelace", "groups": list(groups)}], misconduct=misconduct or {})
    return username


def oidc_login(client, idp, hint, username):
    start = client.post("/accounts/sso/", {"hint": hint})
    assert start.status_code == 302 and start["Location"].startswith(f"{idp.base}/o/authorize/"), start
    browser = requests.Session()
    assert browser.post(f"{idp.base}/login/", data={"username": username, "password": IDP_PASSWORD},
                        timeout=10).status_code == 200
    authorized = browser.get(start["Location"], allow_redirects=False, timeout=10)
    assert authorized.status_code == 302, authorized.text[:500]
    callback = urlsplit(authorized.headers["Location"])
    assert callback.netloc == "testserver" and "code=" in callback.query
    return client.get(f"{callback.path}?{callback.query}")


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_an_oidc_login_creates_the_person_in_that_organisation_with_the_default_role(
        client, oidc_idp, enterprise_org, acme_oidc):
    response = oidc_login(client, oidc_idp, "ada@acme.example", person(oidc_idp, "ada@acme.example"))
    assert response.status_code == 302, response.content[:1000]
    user = signed_in_user(client)
    assert user is not None and user.email == "ada@acme.example"
    assert (user.organization, user.customer_role, user.is_staff) == (enterprise_org, CustomerRole.MEMBER, False)
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    assert SocialAccount.objects.get(user=user).provider == acme_oidc.slug


def test_the_role_comes_from_the_groups_claim_at_each_login(client, oidc_idp, enterprise_org, acme_oidc):
    username = person(oidc_idp, "max@acme.example", groups=["support-admins"])
    oidc_login(client, oidc_idp, "max@acme.example", username)
    assert signed_in_user(client).customer_role == CustomerRole.ADMIN
    client.logout()
    person(oidc_idp, "max@acme.example", groups=["engineering"])
    oidc_login(client, oidc_idp, "max@acme.example", username)
    assert signed_in_user(client).customer_role == CustomerRole.MEMBER


def test_an_id_token_from_a_foreign_issuer_is_refused(client, oidc_idp, enterprise_org, acme_oidc):
    username = person(oidc_idp, "ada@acme.example", misconduct={"token_issuer": "https://evil.example/o"})
    response = oidc_login(client, oidc_idp, "ada@acme.example", username)
    assert 400 <= response.status_code < 500
    assert signed_in_user(client) is None and not User.objects.filter(email="ada@acme.example").exists()


def test_an_id_token_with_a_forged_signature_is_refused(client, oidc_idp, enterprise_org, acme_oidc):
    username = person(oidc_idp, "ada@acme.example", misconduct={"forge_signature": True})
    response = oidc_login(client, oidc_idp, "ada@acme.example", username)
    assert 400 <= response.status_code < 500
    assert signed_in_user(client) is None and not User.objects.filter(email="ada@acme.example").exists()


def test_another_organisations_idp_cannot_sign_in_a_member_of_this_organisation(
        client, oidc_idp, enterprise_org, other_org, acme_oidc):
    member = CustomerFactory(organization=other_org, email="bob@umbrella.example")
    response = oidc_login(client, oidc_idp, "anyone@acme.example", person(oidc_idp, "bob@umbrella.example"))
    assert response.status_code == 403
    assert signed_in_user(client) is None and not SocialAccount.objects.filter(user=member).exists()


def test_an_oidc_idp_naming_a_staff_email_does_not_sign_in_the_staff_account(
        client, oidc_idp, enterprise_org, acme_oidc):
    staff = StaffFactory(email="root@acme.example", is_superuser=True)
    response = oidc_login(client, oidc_idp, "anyone@acme.example", person(oidc_idp, "root@acme.example"))
    assert response.status_code == 403
    assert signed_in_user(client) is None and not SocialAccount.objects.filter(user=staff).exists()


@pytest.mark.parametrize("query", ["", "?code=forged&state=forged", "?error=access_denied&state=x", "?state=x"])
def test_a_forged_or_incomplete_callback_is_a_4xx(client, acme_oidc, query):
    response = client.get(f"/accounts/oidc/{acme_oidc.slug}/login/callback/{query}")
    assert 400 <= response.status_code < 500 or (response.status_code == 302 and "cancelled" in response["Location"])
    assert signed_in_user(client) is None


def test_an_unknown_oidc_provider_is_a_404(client, acme_oidc):
    assert client.get("/accounts/oidc/no-such-org/login/callback/?code=x&state=y").status_code == 404
    assert client.post("/accounts/oidc/no-such-org/login/").status_code == 404


def test_an_unreachable_issuer_is_the_admin_forms_error_and_a_502_at_sign_in(client, oidc_idp, acme_oidc):
    closed = f"http://127.0.0.1:{free_port()}/o"
    with pytest.raises(ValidationError):
        organization_sso_save(sso=OrganizationSso(organization=CustomerFactory().organization, protocol="oidc",
                                                  oidc_discovery_url=closed, oidc_client_id="x",
                                                  oidc_client_secret="y"))
    acme_oidc.social_app.settings["server_url"] = closed  # the issuer moved after it was configured
    acme_oidc.social_app.save()
    response = client.post("/accounts/sso/", {"hint": "ada@acme.example"})
    assert response.status_code == 502 and b"did not answer" in response.content
