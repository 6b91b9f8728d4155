"""Tenancy: a customer sees and changes only their own organisation's data, on every page and
endpoint. The route guard at the bottom fails when a new route is added without being walked here."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tickets import services
from tickets.models import Attachment, Message, Ticket, TicketEvent
from tests.conftest import api_as, login
from tests.factories import CustomerAdminFactory, CustomerFactory, OrganizationFactory, api_key_for, tier

pytestmark = pytest.mark.django_db

# Every named route, by what it exposes. Routes that hold organisation data are walked below.
TENANT_ROUTES = {
    "video_calls:list",  # tests/test_video_calls.py
    "portal:dashboard", "portal:ticket_new", "portal:help", "portal:ticket", "portal:attachment", "portal:ticket_escalate",
    "ticket-list", "ticket-detail", "ticket-messages", "ticket-attachments", "ticket-download", "ticket-escalate",
    # Walked in tests/onboarding/test_tenancy.py.
    "onboarding:plan", "onboarding:services", "onboarding:engagement", "onboarding:engagement_respond",
    "onboarding:engagement_from_ticket", "onboarding:calendar_feed",
    # The viewer's own profile and API tokens; another person's token is a 404:
    # tests/security/test_accounts.py.
    "accounts:profile", "accounts:api_token_create", "accounts:api_token_revoke",
    # Walked in tests/feedback/test_tenancy.py (the signed links there too: a link answers only
    # the survey it was made for).
    "feedback:feature_requests", "feedback:figures", "feedback:figures_csv", "feedback:rate", "feedback:nps",
    "metrics",
    # An organisation's uptime and credits (its admins only): tests/status/test_credits.py.
    "status:uptime", "uptime",
    # An organisation's QBR decks and monthly reports (staff, its admins; others 404):
    # tests/qbr/test_reports.py.
    "qbr:reports", "qbr:deck", "qbr:deck_preview", "qbr:usage_report",
}
NO_TENANT_DATA = {
    "slack-events",  # signed by Slack, not a user's session: tests/slack/test_events.py
    # Signed by Slack; the channel decides the organisation, and a status command for another
    # organisation's ticket is refused: tests/slack/test_commands.py
    "slack-commands",
    "login", "logout", "api-token", "schema", "api-docs", "healthz", "bench-trivial",
    # Probes and Prometheus metrics: counts and ages, no organisation's data: tests/test_observability.py.
    "readyz", "prometheus-metrics",
    # The public status page and its feeds hold no organisation's data (an organisation's own
    # maintenance is not on it), subscriptions act on a signed link: tests/status/test_page.py.
    "status:page", "status:summary", "status:feed", "status:subscribe", "status:confirm", "status:unsubscribe",
    # Staff only (monitoring systems): tests/status/test_api.py.
    "status-incidents", "status-incident", "status-maintenances", "status-maintenance",
    # Staff or the usage token (the platform reports usage): tests/qbr/test_usage.py.
    "usage",
    # django-allauth: each acts on the signed-in person or on a signed link, never on an organisation.
    *(f"account_{name}" for name in (
        "login", "logout", "signup", "inactive", "email", "email_verification_sent", "confirm_email",
        "confirm_login_code", "reauthenticate", "request_reauthentication_code", "confirm_reauthentication_code",
        "change_password", "set_password", "reset_password", "reset_password_done", "reset_password_from_key",
        "reset_password_from_key_done")),
    # Single sign-on: an organisation's IdP signs in only that organisation's own members, never
    # staff or another organisation's (tests/security/test_sso_saml.py, tests/security/test_sso_oidc.py);
    # the connections and social signup pages answer 404.
    "accounts:sso_start", "saml_acs", "saml_finish_acs", "saml_login", "saml_metadata", "saml_sls",
    "openid_connect_login", "openid_connect_callback",
    "socialaccount_connections", "socialaccount_login_cancelled", "socialaccount_login_error", "socialaccount_signup",
    # allauth's two-factor pages: the signed-in person's own factors only (tests/security/test_mfa.py).
    *(f"mfa_{name}" for name in (
        "index", "authenticate", "reauthenticate", "activate_totp", "deactivate_totp", "view_recovery_codes",
        "download_recovery_codes", "generate_recovery_codes", "add_webauthn", "list_webauthn", "edit_webauthn",
        "remove_webauthn", "reauthenticate_webauthn")),
}


@pytest.fixture
def world():
    """Two organisations, each with an admin, a member, a ticket with a reply and an attachment."""
    out = {}
    for name in ("a", "b"):
        org = OrganizationFactory(name=f"Org {name}", tier=tier("enterprise"))
        admin = CustomerAdminFactory(organization=org, username=f"{name}-admin")
        member = CustomerFactory(organization=org, username=f"{name}-member")
        ticket, _ = services.ticket_create(organization=org, requester=member, subject=f"Secret of {name}",
                                           description=f"Private detail {name}", severity="P2", channel="portal")
        message = services.message_create(ticket=ticket, author=member, body=f"Reply of {name}")
        attachment = services.attachment_create(ticket=ticket, uploaded_by=member, message=message,
                                                uploaded_file=SimpleUploadedFile(f"{name}.log", b"data"))
        out[name] = dict(org=org, admin=admin, member=member, ticket=ticket, attachment=attachment)
    return out


def _counts():
    return (Ticket.objects.count(), Message.objects.count(), Attachment.objects.count(), TicketEvent.objects.count())


@pytest.mark.parametrize("role", ["admin", "member"])
def test_portal_pages_never_show_or_change_another_organisations_data(client, world, role):
    a, b = world["a"], world["b"]
    a["org"].slack_channel = "C0SECRETA"
    a["org"].save()
    login(client, b[role])
    t, att = a["ticket"], a["attachment"]
    before = _counts()
    for page in ("/", "/?status=all", "/tickets/new/", "/help/", "/?status=all&q=Secret", "/?q=Private+detail"):
        body = client.get(page).content.decode()
        assert "Secret of a" not in body and a["org"].account_id not in body and "C0SECRETA" not in body
    assert client.get(f"/tickets/{t.pk}/").status_code == 404
    assert client.post(f"/tickets/{t.pk}/", {"body": "intrusion"}).status_code == 404
    assert client.get(f"/tickets/{t.pk}/attachments/{att.pk}/").status_code == 404
    assert client.post(f"/tickets/{t.pk}/escalate/", {"reason": "intrusion"}).status_code == 404
    # Own ticket id with a foreign attachment id is refused too.
    assert client.get(f"/tickets/{b['ticket'].pk}/attachments/{att.pk}/").status_code == 404
    assert _counts() == before
    # A ticket opened in the portal lands in the viewer's own organisation.
    client.post("/tickets/new/", {"subject": "mine", "severity": "P3", "environment": "production",
                                  "description": "x"})
    assert Ticket.objects.get(subject="mine").organization == b["org"]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


@pytest.mark.parametrize("caches", [False, True], ids=["uncached", "cached"])
@pytest.mark.parametrize("role", ["admin", "member"])
def test_api_endpoints_never_show_or_change_another_organisations_data(world, role, caches, settings):
    settings.TICKET_LIST_CACHE = settings.AUTH_TOKEN_CACHE = caches
    a, b = world["a"], world["b"]
    # Each organisation reads its list first, so with the caches on a foreign page is stored.
    for _ in range(2):
        token_client(a["admin"]).get("/api/v1/tickets/")
        token_client(a["admin"]).get(f"/api/v1/tickets/?organization={a['org'].account_id}")
        token_client(a["admin"]).get("/api/v1/tickets/?q=Secret")
        token_client(b[role]).get("/api/v1/tickets/")
    client = token_client(b[role])
    t, att = a["ticket"], a["attachment"]
    before = _counts()

    listed = client.get("/api/v1/tickets/").json()
    assert {row["organization"] for row in listed["results"]} == {b["org"].account_id}
    assert client.get(f"/api/v1/tickets/?organization={a['org'].account_id}").json()["results"] == []
    for q in ("Secret", "Private detail", "Reply of a"):
        found = client.get("/api/v1/tickets/", {"q": q}).json()["results"]
        assert all(row["organization"] == b["org"].account_id for row in found), q
    for method, url, data in [
        ("get", f"/api/v1/tickets/{t.pk}/", None),
        ("patch", f"/api/v1/tickets/{t.pk}/", {"subject": "pwned"}),
        ("put", f"/api/v1/tickets/{t.pk}/", {"subject": "pwned"}),
        ("get", f"/api/v1/tickets/{t.pk}/messages/", None),
        ("post", f"/api/v1/tickets/{t.pk}/messages/", {"body": "intrusion"}),
        ("post", f"/api/v1/tickets/{t.pk}/escalate/", {"reason": "intrusion"}),
        ("get", f"/api/v1/tickets/{t.pk}/attachments/", None),
        ("get", f"/api/v1/tickets/{t.pk}/attachments/{att.pk}/download/", None),
        ("get", f"/api/v1/tickets/{b['ticket'].pk}/attachments/{att.pk}/download/", None),
    ]:
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert "Secret of a" not in response.content.decode()
    upload = client.post(f"/api/v1/tickets/{t.pk}/attachments/",
                         {"file": SimpleUploadedFile("x.txt", b"x")}, format="multipart")
    assert upload.status_code == 404
    assert _counts() == before
    created = client.post("/api/v1/tickets/", {"subject": "mine", "description": "x", "severity": "P3",
                                               "organization": a["org"].account_id}, format="json")
    assert created.status_code == 400 and not Ticket.objects.filter(subject="mine").exists()


def test_customers_cannot_enter_the_back_office(client, world):
    login(client, world["b"]["admin"])
    response = client.get("/admin/tickets/ticket/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def _route_names(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            if entry.namespace == "admin":
                continue  # staff only; guarded by is_staff (test above)
            yield from _route_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_route_is_classified_for_tenancy():
    unclassified = set(_route_names()) - TENANT_ROUTES - NO_TENANT_DATA
    assert not unclassified, f"Walk these routes in the tenancy tests, then classify them: {sorted(unclassified)}"
