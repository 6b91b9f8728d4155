"""Issue 16: every page, admin changelist and change page, and API endpoint (GET) runs the same
number of SQL queries whether the world holds 1 row of everything or 25.

The routes come from the URL resolver, so a new page is walked without editing this file; a
route that cannot be walked (POST-only, a signed webhook) must be named in EXCLUDED with a reason,
and one that needs URL arguments must say where they come from (KWARGS), or
test_every_route_is_walked_or_excluded fails.

The two worlds are one database grown in place: the world of 1 is built and every route is
measured, then 24 more of every row are added and every route is measured again. Each URL is
fetched once before it is counted (first-request caches: ContentType, sessions, policies).
"""
from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from .factories import CustomerAdminFactory, CustomerFactory, OrganizationFactory, StaffFactory, give_totp, tier

SMALL, LARGE = 1, 25

# Routes no GET can walk, each with the reason. Keep this short and true.
EXCLUDED = {
    "accounts/logout/": "signs the walker out (its GET is a confirmation form with no rows)",
    "accounts/profile/tokens/": "POST-only: makes an API token",
    "accounts/profile/tokens/<int:pk>/revoke/": "POST-only: revokes an API token",
    "tickets/<int:pk>/escalate/": "POST-only: asks for escalation",
    "services/requests/<int:pk>/respond/": "POST-only: the customer's answer to a proposal",
    "tickets/<int:ticket_pk>/professional-services/": "POST-only: turns a ticket into an engagement",
    "api/v1/auth/token/": "POST-only: exchanges a password for a token",
    "api/v1/status/incidents/": "POST-only (staff opens an incident); incidents are read on status/",
    "api/v1/status/incidents/<int:pk>/": "PATCH-only (staff updates an incident)",
    "api/v1/status/maintenances/": "POST-only (staff schedules maintenance)",
    "api/v1/status/maintenances/<int:pk>/": "PATCH-only (staff changes a window)",
    "api/v1/tickets/<pk>/escalate/": "POST-only: asks for escalation",
    "integrations/slack/events/": "Slack webhook: POST signed with the signing secret",
    "integrations/slack/commands/": "Slack webhook: POST signed with the signing secret",
    "api/v1/usage/": "POST-only: the platform reports daily usage",
    "accounts/": "a redirect to accounts/profile/ (walked)",
    "accounts/login/": "redirects a signed-in walker; a sign-in form with no rows",
    "accounts/signup/": "redirects a signed-in walker (sign-up is closed)",
    "accounts/password/set/": "redirects a walker who has a password; a form with no rows",
    "accounts/email/": "a 404 by design: addresses are set by staff",
    "admin/login/": "redirects a signed-in walker; a sign-in form with no rows",
    "bench/trivial": "benchmark probe, touches no database",
    "healthz": "liveness probe: no database, no rows",
    "readyz": "readiness probe: a fixed set of checks, no rows",
    "metrics": "Prometheus scrape: a fixed set of aggregate queries (tests/test_observability.py holds it constant)",
    "api/schema/": "the OpenAPI document: generated from code, reads no rows (and takes seconds)",
    "api/docs/": "Swagger UI shell: static HTML",
    "admin/jsi18n/": "JavaScript catalogue, no rows",
    "admin/logout/": "signs the walker out",
    "admin/autocomplete/": "needs app_label/model_name/field_name query arguments; read by change pages",
    "admin/r/<path:content_type_id>/<path:object_id>/": "view-on-site redirect to a portal page walked itself",
    "admin/<url>": "the admin's catch-all 404",
    "admin/accounts/user/<id>/password/": "a set-password form for one user, no rows",
}
# allauth's own pages (password reset, MFA, ...) show a form about the signed-in user, never a
# list of rows; they are walked only where they need no arguments (below), the keyed ones excluded.
EXCLUDED_PREFIXES = {
    "accounts/password/reset/key/": "allauth: a reset key from a mail",
    "accounts/login/code/": "allauth: a login code from a mail",
    "accounts/reauthenticate/code/": "allauth: a login code from a mail",
    "accounts/confirm-email/": "allauth: a confirmation key from a mail",
    "accounts/3rdparty/": "allauth: third-party login callbacks (provider redirects)",
    "accounts/saml/": "allauth: SAML endpoints of an organisation's IdP (signed assertions)",
    "accounts/oidc/": "allauth: OIDC callbacks (provider redirects)",
    "accounts/social/": "allauth: third-party login callbacks (provider redirects)",
}
# allauth's two-factor pages (accounts/2fa/: the index and the key list are walked) that a walker
# cannot reach with a GET: each is a form about the walker's own factors, never a list of rows.
EXCLUDED.update({
    "accounts/2fa/authenticate/": "only inside a sign-in (allauth's code stage); a code form",
    "accounts/2fa/reauthenticate/": "allauth: asked for by a two-factor change; a code form",
    "accounts/2fa/webauthn/reauthenticate/": "allauth: asked for by a two-factor change; a key prompt",
    "accounts/2fa/totp/activate/": "asks a walker's session (no sign-in record) to re-authenticate; a QR form",
    "accounts/2fa/totp/deactivate/": "a confirmation for the walker's own app (404 without one)",
    "accounts/2fa/webauthn/add/": "asks a walker's session to re-authenticate; a key prompt",
    "accounts/2fa/webauthn/keys/<int:pk>/edit/": "a name form for one of the walker's keys",
    "accounts/2fa/webauthn/keys/<int:pk>/remove/": "a confirmation for one of the walker's keys",
    "accounts/2fa/recovery-codes/": "the walker's own codes (404 without an app): ten codes, no rows",
    "accounts/2fa/recovery-codes/download/": "the walker's own codes as a text file",
    "accounts/2fa/recovery-codes/generate/": "asks a walker's session to re-authenticate; a confirmation",
})

# Admin models whose rows are a fixed set (seed data or one row per tier), not grown to 25.
FIXED_SETS = {
    "accounts.Tier": "the four tiers of the support guide",
    "accounts.Severity": "P1-P4",
    "auth.Group": "the staff roles",
    "onboarding.PlanTemplate": "the guide's onboarding template",
    "onboarding.ServiceOffering": "the guide's professional services",
    "onboarding.ScopeCategory": "the guide's in/out-of-scope list",
    "status.CreditSchedule": "one credit schedule a tier",
}

# Known N+1 the deadline did not allow fixing: route -> (queries with 1, queries with 25).
KNOWN_N_PLUS_ONE: dict[str, tuple[int, int]] = {}


@dataclass
class World:
    org: object = None
    admin_user: object = None
    member: object = None
    staff: object = None
    tickets: list = field(default_factory=list)
    made: int = 0


# --- the worlds -----------------------------------------------------------------------------------

def _base_world() -> World:
    from onboarding.services.checkins import calendar_feed_for_organization
    from status.models import Component

    w = World()
    w.staff = StaffFactory(username="walker-staff", is_superuser=True, role="Account manager")
    w.org = OrganizationFactory(name="Walker Ltd", account_id="walker", tier=tier("enterprise"),
                                account_manager=w.staff, support_engineer=w.staff)
    w.admin_user = CustomerAdminFactory(organization=w.org, username="walker-admin")
    w.member = CustomerFactory(organization=w.org, username="walker-member")
    if not Component.objects.exists():
        Component.objects.create(name="API", position=1)
    calendar_feed_for_organization(w.org)
    from status.incidents import incident_open
    incident_open(actor=w.staff, title="Slow API", body="Looking.", components=[Component.objects.first()])
    return w


def _grow(w: World, count: int) -> None:
    """Add `count` of every row the pages list; the walker's organisation gets its share of each."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount, SocialApp
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from accounts.models import Heartbeat, OrganizationSso
    from accounts.services import api_token_create
    from email_intake.models import InboundEmail
    from feedback.models import MonthlyReview, SurveyRecipient
    from feedback.services.reviews import monthly_review_freeze
    from qbr.models import RenderedReport
    from status.models import CreditSchedule, UptimeAgreement
    from feedback.models import FeatureRequest, NpsSurvey, TicketRating
    from notifications.models import Notification
    from onboarding.models import CheckIn, OnboardingPlan, PlanActivity
    from onboarding.models import EngagementRequest, EngagementStep, ServiceOffering
    from onboarding.services.plans import plan_create
    from qbr.models import DailyUsage, UsageReport
    from qbr.services import qbr_finalize, qbr_open
    from status.incidents import incident_open, incident_update_post
    from status.maintenance import maintenance_schedule
    from status.models import Component, Incident, ServiceCredit, Subscriber
    from tickets import services as tickets
    from video_calls.models import VideoCall

    now = timezone.now()
    component = Component.objects.first()
    for _ in range(count):
        i = w.made = w.made + 1
        Component.objects.create(name=f"Service {i}", position=10 + i)  # the status page's rows
        # another organisation with its own people, each a row on the admin lists
        other = OrganizationFactory(name=f"Walker peer {i}", account_id=f"peer{i}", account_manager=w.staff,
                                    tier=tier("enterprise"))
        peer = CustomerAdminFactory(organization=other, username=f"walker-peer{i}")
        colleague = CustomerFactory(organization=w.org, username=f"walker-colleague{i}")
        give_totp(StaffFactory(username=f"walker-staff{i}"))  # a row of the admin's two-factor list
        for requester in (w.member, colleague, peer):
            ticket, _ = tickets.ticket_create(
                organization=requester.organization, requester=requester, subject=f"Walk {i}",
                description="It broke.", severity="P3", channel="portal", component=component)
            tickets.ticket_assign(ticket=ticket, actor=w.staff, assignee=w.staff)
            reply = tickets.message_create(ticket=ticket, author=w.staff, body="Looking.")
            tickets.message_create(ticket=ticket, author=w.staff, body="Internal.", is_internal=True)
            tickets.message_create(ticket=ticket, author=requester, body="Thanks.")
            tickets.attachment_create(ticket=ticket, uploaded_by=requester, message=reply,
                                      uploaded_file=SimpleUploadedFile(f"log{i}.txt", b"log line\n", "text/plain"))
            if requester.organization_id == w.org.pk:
                w.tickets.append(ticket)
            Notification.objects.create(key=f"walk-{ticket.pk}", channel="email", recipient="a@example.com",
                                        template="walk", subject="s", body_text="b", ticket=ticket)
            TicketRating.objects.create(ticket=ticket, requester=requester, organization=requester.organization,
                                        tier=requester.organization.tier, assignee=w.staff, score=4,
                                        expires_at=now + dt.timedelta(days=7), rated_at=now)
        # The rows whose pages are walked (the first ticket, incident, engagement) grow too: their
        # change and detail pages list children (messages, attachments, events, updates, steps).
        first = w.tickets[0]
        reply = tickets.message_create(ticket=first, author=w.staff, body=f"Update {i}.")
        tickets.message_create(ticket=first, author=w.staff, body=f"Note {i}.", is_internal=True)
        tickets.message_create(ticket=first, author=w.member, body=f"Answer {i}.")
        tickets.attachment_create(ticket=first, uploaded_by=w.member, message=reply,
                                  uploaded_file=SimpleUploadedFile(f"more{i}.txt", b"log line\n", "text/plain"))
        # the first incident (the base world's) stays open and gathers an update a row; the rest
        # are history
        incident = incident_open(actor=w.staff, title=f"Outage {i}", body="Looking.", components=[component])
        incident_update_post(incident=incident, actor=w.staff, body="Fixed.", status="resolved")
        incident_update_post(incident=Incident.objects.order_by("pk").first(), actor=w.staff,
                             body=f"Still watching ({i}).", status="monitoring")
        start = now + dt.timedelta(days=3 + i)
        maintenance_schedule(actor=w.staff, title=f"Upgrade {i}", description="d", starts_at=start,
                             ends_at=start + dt.timedelta(hours=1), components=[component])
        Subscriber.objects.create(email=f"sub{i}@example.com", confirmed_at=now)
        api_token_create(user=peer, name=f"walk {i}")
        # the peer organisation signs in through its IdP (the admin's Single sign-on and Social accounts)
        sso_app = SocialApp.objects.create(provider="saml", provider_id=f"peer{i}", client_id=f"peer{i}", name=f"Peer {i}",
                                           settings={"idp": {"entity_id": f"https://idp{i}.example/",
                                                             "x509cert": "x", "sso_url": f"https://idp{i}.example/sso"}})
        OrganizationSso.objects.create(organization=other, slug=f"peer{i}", social_app=sso_app,
                                       email_domains=f"peer{i}.example")
        SocialAccount.objects.create(user=peer, provider=f"peer{i}", uid=peer.email, extra_data={})
        Heartbeat.objects.create(name=f"worker-{i}", seen_at=now)
        SurveyRecipient.objects.create(user=peer, nps_opted_out=True, opted_out_at=now)
        # one review frozen by the service; the others copy its figures (freezing computes them all)
        frozen = MonthlyReview.objects.order_by("pk").first() or monthly_review_freeze()
        MonthlyReview.objects.create(month=dt.date(2000 + i, 1, 1), figures=frozen.figures, by_tier=frozen.by_tier,
                                     frozen_at=now)
        EmailAddress.objects.create(user=peer, email=peer.email, verified=True, primary=True)
        AccessAttempt.objects.create(username=peer.username, ip_address="10.0.0.1", user_agent="walker",
                                     http_accept="*/*", path_info="/accounts/login/", get_data="", post_data="",
                                     failures_since_start=1)
        AccessLog.objects.create(username=peer.username, ip_address="10.0.0.1", user_agent="walker",
                                 http_accept="*/*", path_info="/accounts/login/")
        AccessFailureLog.objects.create(username=peer.username, ip_address="10.0.0.1", user_agent="walker",
                                        http_accept="*/*", path_info="/accounts/login/", locked_out=False)
        InboundEmail.objects.create(mailbox="support", raw=ContentFile(b"Subject: hi\r\n\r\nhi\r\n", name=f"m{i}.eml"),
                                    size=20, from_address=w.member.email, subject=f"Mail {i}",
                                    organization=w.org, ticket=w.tickets[-1], processed_by=w.staff)
        for org, person in ((w.org, w.admin_user), (other, peer)):
            FeatureRequest.objects.create(organization=org, requested_by=person, title=f"Wish {i}",
                                          description="d")
            # the first survey is this quarter's (an older one is closed: a 410)
            NpsSurvey.objects.create(user=person, organization=org, tier=org.tier, year=now.year + 1 - i,
                                     quarter=(now.month - 1) // 3 + 1, sent_at=now)
            VideoCall.objects.create(organization=org, requested_by=person, purpose="qbr",
                                     preferred_times="mornings", scheduled_by=w.staff)
            CheckIn.objects.create(organization=org, slot=f"walk-{i}", kind="checkin", owner=w.staff,
                                   starts_at=now + dt.timedelta(days=i), duration_minutes=30)
            DailyUsage.objects.create(organization=org, date=now.date() - dt.timedelta(days=i), metric="api_calls",
                                      value=100 * i)
            # this quarter's deck final and last month's report made, so a customer admin may open them
            deck = qbr_open(organization=org, year=now.year + 1 - i, quarter=(now.month - 1) // 3 + 1)
            if i == 1:
                qbr_finalize(qbr=deck, actor=w.staff)
            UsageReport.objects.create(organization=org, month=(now.date().replace(day=1) - dt.timedelta(days=1)
                                                                ).replace(day=1, year=now.year + 1 - i))
            RenderedReport.objects.create(kind="usage", organization=org, period=f"{2000 + i}-01",
                                          wanted_version="walk", requested_at=now)
            if not UptimeAgreement.objects.filter(organization=org).exists():
                UptimeAgreement.objects.create(organization=org, schedule=CreditSchedule.objects.first())
            ServiceCredit.objects.create(organization=org, month=dt.date(2026 - i, 1, 1), uptime_percent=Decimal("99.5"),
                                         downtime_minutes=Decimal("10"), excluded_maintenance_minutes=Decimal("0"),
                                         credit_percent=Decimal("5"))
            offering = ServiceOffering.objects.filter(is_active=True).first()
            if offering is not None:
                EngagementRequest.objects.create(organization=org, offering=offering, requested_by=person,
                                                 summary=f"Help {i}", details="d", account_manager=w.staff)
        engagement = EngagementRequest.objects.filter(organization=w.org).order_by("pk").first()
        if engagement is not None:
            EngagementStep.objects.create(engagement=engagement, status="scoping", actor=w.staff, note=f"Step {i}")
        if not OnboardingPlan.objects.filter(organization=other).exists():
            plan_create(organization=other, kickoff_date=now.date(), actor=w.staff)
    if not OnboardingPlan.objects.filter(organization=w.org).exists():
        plan_create(organization=w.org, kickoff_date=now.date(), actor=w.staff)
    plan = OnboardingPlan.objects.get(organization=w.org)
    # the walker's plan gets one activity more per grown row (the template's are the base)
    last = plan.activities.order_by("-order").first() if hasattr(plan, "activities") else None
    if last is not None:
        for k in range(count):
            PlanActivity.objects.create(plan=plan, order=last.order + 1 + k + w.made, phase=last.phase,
                                        phase_first_day=last.phase_first_day, name=f"Extra {k}",
                                        participants=last.participants, owner_role=last.owner_role,
                                        start_offset=last.start_offset, duration_days=1,
                                        start_date=last.start_date, end_date=last.start_date)


# --- the routes -----------------------------------------------------------------------------------

def _routes(patterns=None, prefix: str = ""):
    """(route, pattern) for every URL the resolver knows, admin and DRF routers included. Regex
    routes (DRF routers, the admin's app index) are written as paths: `tickets/<pk>/`."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        here = prefix + _as_path(str(p.pattern))
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, here)
        elif isinstance(p, URLPattern):
            yield here, p


def _as_path(pattern: str) -> str:
    pattern = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", r"<\1>", pattern)
    return pattern.removeprefix("^").removesuffix("$")


def _excluded(route: str) -> str | None:
    if route in EXCLUDED:
        return EXCLUDED[route]
    for start, why in EXCLUDED_PREFIXES.items():
        if route.startswith(start):
            return why
    if route.startswith("api/v1/") and route.endswith(r"\.(?P<format>[a-z0-9]+)/?$"):
        return "DRF format-suffix twin of a walked route"
    if route.startswith("admin/"):
        tail = route.split("/")
        # add/delete/history views show no lists of rows; the changelist and change page do
        if route.endswith("/add/") or route.endswith("/delete/") or route.endswith("/history/"):
            return "admin add/delete/history: a form or confirmation, no list of rows"
        if route.endswith("<path:object_id>/") and len(tail) > 3:
            return "admin's redirect from <id>/ to <id>/change/"
    return None


def _model_admin(route: str):
    for model, model_admin in admin.site._registry.items():
        if route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model, model_admin
    return None, None


def _qbr_period() -> str:
    today = timezone.now().date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _last_month() -> str:
    first = timezone.now().date().replace(day=1) - dt.timedelta(days=1)
    return first.strftime("%Y-%m")


def _first(model, **filters):
    return model.objects.filter(**filters).order_by("pk").first()


def _feedback_rating_url(w):
    from feedback import links
    from feedback.models import TicketRating
    rating = _first(TicketRating, organization=w.org)
    return {"ticket_id": rating.ticket_id, "token": links.rating_token(rating)}


def _nps_url(w):
    from feedback import links
    from feedback.models import NpsSurvey
    return {"token": links.nps_token(_first(NpsSurvey, organization=w.org))}


def _status_token(kind):
    def make(w):
        from status import links
        from status.models import Subscriber
        url = (links.confirm_url if kind == "confirm" else links.unsubscribe_url)(_first(Subscriber))
        return {"token": url.rstrip("/").rsplit("/", 1)[1]}
    return make


def _engagement(w):
    from onboarding.models import EngagementRequest
    return {"pk": _first(EngagementRequest, organization=w.org).pk}


def _calendar(w):
    from onboarding.models import CalendarFeed
    return {"secret": _first(CalendarFeed, organization=w.org).secret}


def _attachment(w):
    attachment = w.tickets[0].attachments.order_by("pk").first()
    return {"pk": attachment.ticket_id, "attachment_id": attachment.pk}


# Query strings a route needs to answer at all.
QUERY = {
    "api/v1/uptime/": lambda w: f"?month={_last_month()}&organization={w.org.account_id}",
}

# Where a keyed route's arguments come from. Admin change pages need none here: the object is the
# first row of the ModelAdmin's model.
KWARGS = {
    "tickets/<int:pk>/": lambda w: {"pk": w.tickets[0].pk},
    "tickets/<int:pk>/attachments/<int:attachment_id>/": _attachment,
    "services/requests/<int:pk>/": _engagement,
    "calendar/<str:secret>.ics": _calendar,
    "feedback/rate/<int:ticket_id>/<str:token>/": _feedback_rating_url,
    "feedback/nps/<str:token>/": _nps_url,
    "status/subscribe/confirm/<str:token>/": _status_token("confirm"),
    "status/unsubscribe/<str:token>/": _status_token("unsubscribe"),
    "reports/qbr/<str:account_id>/<quarter:period>.pdf": lambda w: {"account_id": w.org.account_id,
                                                                    "period": _qbr_period()},
    "reports/qbr/<str:account_id>/<quarter:period>.html": lambda w: {"account_id": w.org.account_id,
                                                                     "period": _qbr_period()},
    "reports/usage/<str:account_id>/<month:period>.pdf": lambda w: {"account_id": w.org.account_id,
                                                                    "period": _last_month()},
    "api/v1/tickets/<pk>/": lambda w: {"pk": w.tickets[0].pk},
    "api/v1/tickets/<pk>/messages/": lambda w: {"pk": w.tickets[0].pk},
    "api/v1/tickets/<pk>/attachments/": lambda w: {"pk": w.tickets[0].pk},
    "api/v1/tickets/<pk>/attachments/<attachment_id>/download/": _attachment,
    "admin/email_intake/inboundemail/<int:pk>/raw/": lambda w: {"pk": _first(_model("email_intake.InboundEmail")).pk},
}


def _model(label):
    from django.apps import apps
    return apps.get_model(label)


def _url(route: str, pattern: URLPattern, w: World) -> str | None:
    """The URL to walk for a route in world w; None when no argument source is known."""
    keys = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
    query = QUERY[route](w) if route in QUERY else ""
    if not keys:
        return "/" + route + query
    if route in KWARGS:
        kwargs = KWARGS[route](w)
    elif route.startswith("admin/") and route.endswith("<path:object_id>/change/"):
        model, _ = _model_admin(route)
        row = _first(model) if model is not None else None
        if row is None:
            return None
        kwargs = {"object_id": row.pk}
    elif route.startswith("admin/") and keys == {"app_label"}:
        return None  # the app index pages: walked per app below
    else:
        return None
    return _reverse(route, pattern, kwargs) + query


def _reverse(route: str, pattern: URLPattern, kwargs: dict) -> str:
    # Fill the converters in the route's own text (the route has no name to reverse() by).
    path = route
    for key, value in kwargs.items():
        path = re.sub(r"<(?:\w+:)?%s>" % key, str(value), path)
    return "/" + path


def _walkers(route: str, w: World):
    if route.startswith("admin/"):
        return {"staff": w.staff}
    if route.startswith("api/") or route.startswith("reports/"):  # reports: staff read every org's
        return {"staff": w.staff, "customer-admin": w.admin_user, "member": w.member}
    return {"customer-admin": w.admin_user, "member": w.member}


def _walk_plan():
    """route -> pattern for every walked route (not excluded)."""
    plan = {}
    for route, pattern in _routes():
        if _excluded(route) is None:
            plan[route] = pattern
    return plan


def _admin_app_pages():
    return sorted({f"/admin/{model._meta.app_label}/" for model in admin.site._registry})


# --- measuring ------------------------------------------------------------------------------------

@dataclass
class Count:
    queries: int
    status: int
    sql: list
    seconds: float = 0.0


def _count(client: Client, url: str) -> Count:
    started = time.monotonic()
    client.get(url)  # warm: first-request caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return Count(len(queries), response.status_code, [q["sql"] for q in queries.captured_queries],
                 time.monotonic() - started)


def _measure(w: World, clients: dict) -> dict:
    counts = {}
    for route, pattern in _walk_plan().items():
        url = _url(route, pattern, w)
        if url is None:
            continue
        for role, user in _walkers(route, w).items():
            counts[(route, role)] = _count(clients[role], url)
    for url in _admin_app_pages():
        counts[(url[1:], "staff")] = _count(clients["staff"], url)
    return counts


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.core.cache import cache

    from tickets.sla.policy import forget_policies

    settings = override_settings(
        TICKET_LIST_CACHE=False, AUTH_TOKEN_CACHE=False, FEEDBACK_METRICS_CACHE_SECONDS=0,
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    started = time.monotonic()
    with settings, django_db_blocker.unblock():
        cache.clear()
        forget_policies()
        with transaction.atomic():
            w = _base_world()
            _grow(w, SMALL)
            clients = {}
            for role, user in (("staff", w.staff), ("customer-admin", w.admin_user), ("member", w.member)):
                clients[role] = Client(raise_request_exception=False)  # a 500 is reported, not raised
                clients[role].force_login(user)
            small = _measure(w, clients)
            built = time.monotonic()
            _grow(w, LARGE - SMALL)
            grown = time.monotonic()
            large = _measure(w, clients)
            rows = {model._meta.label: model._default_manager.count() for model in admin.site._registry}
            transaction.set_rollback(True)
        cache.clear()
        forget_policies()
    timings = {"first world + walk": built - started, "growing": grown - built,
               "second walk": time.monotonic() - grown}
    print("constant-queries timings:", {k: round(v, 1) for k, v in timings.items()})
    slowest = sorted(large.items(), key=lambda item: -item[1].seconds)[:8]
    print("slowest routes (world of 25):", [(route, role, round(c.seconds, 2)) for (route, role), c in slowest])
    return small, large, rows


# --- the tests ------------------------------------------------------------------------------------

def test_every_route_is_walked_or_excluded():
    """A new URL is walked automatically; one that needs arguments says where they come from."""
    unwalkable = []
    for route, pattern in _walk_plan().items():
        keys = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
        if not keys or route in KWARGS:
            continue
        if route.startswith("admin/") and (route.endswith("<path:object_id>/change/") or keys == {"app_label"}):
            continue
        unwalkable.append(route)
    assert not unwalkable, "routes neither walked nor EXCLUDED (add a KWARGS source or an exclusion " \
                           "with its reason):\n  " + "\n  ".join(unwalkable)


@pytest.mark.django_db  # (also tells pytest-django to set the test database up)
def test_every_walked_route_answers(measured):
    small, large, _ = measured
    problems = []
    for key in sorted(set(small) | set(large)):
        for name, counts in (("1", small), ("25", large)):
            count = counts.get(key)
            if count is None:
                problems.append(f"{key}: not walked in the world of {name} (no argument row?)")
            elif count.status >= 500 or count.status == 405:
                problems.append(f"{key}: {count.status} in the world of {name}")
    # every route gets a real answer for at least one walker: otherwise the count measures an error page
    reached = {route for (route, role), c in large.items() if c.status in (200, 202)}
    for route in {route for route, role in large} - reached:
        problems.append(f"{route}: no walker got a 200/202 " +
                        str({role: c.status for (r, role), c in large.items() if r == route}))
    assert not problems, "\n".join(problems)


def _shape(sql: str) -> str:
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def _grown(small: list, large: list) -> str:
    """The query shapes that ran more often with more rows: the N+1 to fix."""
    before, after = Counter(map(_shape, small)), Counter(map(_shape, large))
    grown = [(after[shape] - before[shape], shape) for shape in after if after[shape] != before[shape]]
    return "; ".join(f"{n:+d}x {shape[:400]}" for n, shape in sorted(grown, reverse=True)[:3])


@pytest.mark.django_db  # (also tells pytest-django to set the test database up)
def test_query_count_does_not_grow_with_rows(measured):
    small, large, _ = measured
    grew = []
    for key in sorted(set(small) & set(large)):
        route, role = key
        a, b = small[key].queries, large[key].queries
        if a != b and route not in KNOWN_N_PLUS_ONE:
            grew.append(f"/{route} as {role}: {a} queries with {SMALL} row, {b} with {LARGE}; "
                        f"grown: {_grown(small[key].sql, large[key].sql)}")
    assert not grew, f"{len(grew)} routes' query counts depend on the rows:\n  " + "\n  ".join(grew)


@pytest.mark.django_db  # (also tells pytest-django to set the test database up)
def test_the_admin_change_pages_walk_real_rows(measured):
    """An admin change page with no row to open would be counted as skipped; say which."""
    small, _, _ = measured
    missing = [f"admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry
               if (f"admin/{m._meta.app_label}/{m._meta.model_name}/<path:object_id>/change/", "staff") not in small]
    assert not missing, "admin models with no row in the world of 1 (grow them in _grow):\n  " + "\n  ".join(missing)


@pytest.mark.django_db
def test_the_large_world_has_many_rows_of_every_admin_model(measured):
    """A changelist of 3 rows in both worlds proves nothing: every admin model is grown in _grow,
    unless its rows are a fixed set (FIXED_SETS)."""
    _, _, rows = measured
    few = {label: n for label, n in rows.items() if n < LARGE and label not in FIXED_SETS}
    assert not few, f"admin models with fewer than {LARGE} rows in the large world (grow them in _grow): {few}"
