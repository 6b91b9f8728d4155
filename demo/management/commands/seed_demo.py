"""Demo data for `make run`, and bulk scale data for benchmarks.

    python manage.py seed_demo                              # the demo (idempotent)
    python manage.py seed_demo --orgs 1000 --tickets 100000 # scale data (demo/scale.py; COPY on PostgreSQL)
"""
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts import roles
from accounts.models import CustomerRole, Organization, Tier, User
from tickets import services
from tickets.models import Channel, Environment, Status

DEMO_PASSWORD = "aragora-demo"
# Staff must use two-factor (STAFF_MFA_REQUIRED): every demo staff account has an authenticator app
# with this secret (base32), so the demo works without a phone: add it to any TOTP app, or print the
# current code with `manage.py demo_2fa_code <username>`. Published, so demo only (ARAGORA_DEMO).
DEMO_TOTP_SECRET = "ARAGORADEMOTOTPSECRETAAAAAAAAAAA"

STAFF = [
    ("support", "Sam", "Support", roles.SUPPORT_ENGINEER),
    ("senior", "Sasha", "Senior", roles.SENIOR_ENGINEER),
    ("lead", "Lee", "Lead", roles.ENGINEERING_LEAD),
    ("vp", "Vic", "Vega", roles.VP_ENGINEERING),
    ("exec", "Eve", "Exec", roles.EXECUTIVE),
    ("am", "Alex", "Manager", roles.ACCOUNT_MANAGER),
]

# (name, tier, username prefix)
ORGS = [
    ("Globex Community", Tier.FREE, "globex"),
    ("Initech", Tier.PRO, "initech"),
    ("Umbrella Labs", Tier.PRO, "umbrella"),
    ("Acme Corporation", Tier.ENTERPRISE, "acme"),
]

DEMO_TICKETS = [
    # (severity, subject, final status)
    ("P1", "API returning 5xx for all requests", Status.NEW),
    ("P2", "Debates not completing since this morning", Status.ACKNOWLEDGED),
    ("P3", "Slow response times on /v1/debates", Status.IN_PROGRESS),
    ("P3", "Intermittent 429s from the SDK", Status.WAITING_ON_CUSTOMER),
    ("P4", "Typo in the billing settings page", Status.RESOLVED),
    ("P4", "Unclear error message when a token expires", Status.CLOSED),
]


class Command(BaseCommand):
    help = "Create demo organisations, people and tickets; or bulk scale data with --orgs/--tickets."

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, help="Bulk: number of organisations to add.")
        parser.add_argument("--tickets", type=int, help="Bulk: number of tickets to add across them.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed for bulk data.")

    def handle(self, *args, orgs=None, tickets=None, seed=42, **options):
        if orgs or tickets:
            if not (orgs and tickets):
                self.stderr.write("--orgs and --tickets go together.")
                raise SystemExit(2)
            return self.bulk(orgs, tickets, seed)
        self.demo()

    # -- the demo ------------------------------------------------------------------------------
    @transaction.atomic
    def demo(self):
        password = make_password(DEMO_PASSWORD)
        admin, _ = User.objects.get_or_create(
            username="admin", defaults=dict(is_staff=True, is_superuser=True, email="admin@aragora.ai",
                                            password=password, first_name="Ada", last_name="Admin"))
        staff = {}
        for username, first, last, role in STAFF:
            user, _ = User.objects.get_or_create(
                username=username, defaults=dict(is_staff=True, email=f"{username}@aragora.ai", password=password,
                                                 first_name=first, last_name=last, timezone="America/Los_Angeles"))
            user.groups.add(Group.objects.get(name=role))
            staff[username] = user
        for user in [admin, *staff.values()]:
            self._demo_totp(user)

        tiers = {t.code: t for t in Tier.objects.all()}
        for name, tier_code, prefix in ORGS:
            org, created = Organization.objects.get_or_create(
                name=name, defaults=dict(tier=tiers[tier_code], account_manager=staff["am"] if tier_code != "free" else None,
                                         support_engineer=staff["support"] if tier_code == "enterprise" else None))
            people = {}
            for role in (CustomerRole.ADMIN, CustomerRole.MEMBER):
                username = f"{prefix}-{role}"
                people[role], _ = User.objects.get_or_create(
                    username=username, defaults=dict(organization=org, customer_role=role, password=password,
                                                     email=f"{role}@{prefix}.example",
                                                     first_name=prefix.title(), last_name=role.title()))
            if created and tiers[tier_code].ticket_portal:
                self._demo_tickets(org, people, staff["support"])
            if created and tier_code == Tier.ENTERPRISE:
                self._demo_onboarding(org, people, staff)
        self._demo_maintenance(admin)
        self._demo_status(admin)
        self._demo_usage()
        from demo.feedback_data import seed_feedback

        seed_feedback(staff)  # ratings, NPS answers, feature requests, and six months of history
        self._demo_reports(staff["am"])
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready. Sign in at {settings.SITE_URL}/ with any demo user; password {DEMO_PASSWORD!r}."))

    def _demo_totp(self, user):
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP

        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)

    def _demo_maintenance(self, admin):
        """An announced maintenance window, as customers see it on their dashboard."""
        from status.maintenance import maintenance_announce
        from status.models import MaintenanceWindow

        start = (timezone.now() + timedelta(days=4)).replace(hour=6, minute=0, second=0, microsecond=0)
        window, created = MaintenanceWindow.objects.get_or_create(
            title="Database engine upgrade", defaults=dict(
                description="Debates and reports are read-only for up to 15 minutes while the primary fails over.",
                starts_at=start, ends_at=start + timedelta(hours=1), created_by=admin))
        if created:
            maintenance_announce(window=window, actor=admin)

    def _demo_reports(self, account_manager):
        """The Reports tab is not empty on a first visit: Acme's last quarter's QBR is final (its
        figures frozen from the demo data above), this quarter's is a draft in the admin, and the
        paying organisations have their last three monthly reports (marked mailed, so the demo
        does not mail old months; the beat makes and mails the next one). PDFs render on first
        open, in the worker."""
        from feedback.figures import add_months
        from qbr.models import QbrStatus, UsageReport
        from qbr.monthly import last_month
        from qbr.periods import quarter_reviewed_at
        from qbr.services import qbr_finalize, qbr_open

        acme = Organization.objects.filter(name="Acme Corporation").first()
        if acme is None:
            return
        today = timezone.now().date()
        year, quarter = quarter_reviewed_at(today)
        reviewed = qbr_open(organization=acme, year=year, quarter=quarter)
        if not reviewed.summary:
            reviewed.summary = ("Usage grew steadily through the quarter; the P1 response target was met every time, "
                                "and the one P2 breach came from a weekend upgrade.")
            reviewed.upcoming_features = "Streaming debate transcripts\nOrganisation-wide API usage quotas"
            reviewed.beta_opportunities = "Early access to the EU data residency region"
            reviewed.next_steps = "Schedule the SSO migration with Acme IT\nReview the rate-limit settings of the SDK"
            reviewed.save()
        if reviewed.status != QbrStatus.FINAL:
            qbr_finalize(qbr=reviewed, actor=account_manager)
        qbr_open(organization=acme, year=today.year, quarter=(today.month - 1) // 3 + 1)
        month = last_month(today)
        paying = Organization.objects.filter(name__in=[n for n, _, _ in ORGS], tier__code__in=["pro", "enterprise"])
        UsageReport.objects.bulk_create(
            [UsageReport(organization=organization, month=add_months(month, -back), mailed_at=timezone.now())
             for organization in paying for back in range(3)], ignore_conflicts=True)

    def _demo_usage(self):
        """A year of plausible daily usage for the paying demo organisations (QBRs and monthly
        reports chart it): weekday peaks, growth over the year, Enterprise larger than Pro."""
        import random

        from qbr.models import DailyUsage
        from qbr.usage import UsageRow, usage_import

        paying = list(Organization.objects.filter(name__in=[n for n, _, _ in ORGS], tier__code__in=["pro", "enterprise"])
                      .select_related("tier"))
        if not paying or DailyUsage.objects.filter(organization__in=paying).exists():
            return
        today = timezone.now().date()
        rows = []
        for organization in paying:
            rng = random.Random(organization.account_id)
            scale = 40 if organization.tier.code == "enterprise" else 6
            for back in range(365, 0, -1):
                day = today - timedelta(days=back)
                growth = 1 + (365 - back) / 365  # doubles over the year
                weekday = 1.0 if day.weekday() < 5 else 0.35
                debates = int(scale * growth * weekday * rng.uniform(0.7, 1.3))
                rows += [UsageRow(organization.account_id, day, "debates", debates),
                         UsageRow(organization.account_id, day, "tokens", debates * rng.randint(9_000, 14_000)),
                         UsageRow(organization.account_id, day, "api_calls", debates * rng.randint(30, 60))]
        usage_import(rows)

    def _demo_status(self, admin):
        """Status page history: two resolved incidents in the last weeks (one a major API outage,
        which costs Enterprise uptime), told through the services as staff would."""
        import time_machine

        from status.incidents import incident_open, incident_update_post
        from status.models import Component, Incident

        if Incident.objects.filter(title__in=["Elevated API error rate", "Slow debate replays"]).exists():
            return
        now = timezone.now()
        api, debates = Component.objects.get(name="API"), Component.objects.get(name="Debates")
        for title, component, status, impact, days_ago, minutes in (
                ("Elevated API error rate", api, "major_outage", "major", 9, 95),
                ("Slow debate replays", debates, "degraded_performance", "minor", 3, 40)):
            began = (now - timedelta(days=days_ago)).replace(hour=14, minute=5, second=0, microsecond=0)
            with time_machine.travel(began, tick=False):
                incident = incident_open(actor=admin, title=title, impact=impact, components={component: status},
                                         body="We are investigating reports of errors.")
            with time_machine.travel(began + timedelta(minutes=minutes // 3), tick=False):
                incident_update_post(incident=incident, actor=admin, status="identified",
                                     body="The cause is identified; a fix is rolling out.")
            with time_machine.travel(began + timedelta(minutes=minutes), tick=False):
                incident_update_post(incident=incident, actor=admin, status="resolved",
                                     body="Resolved. Everything is back to normal.")

    def _demo_tickets(self, org, people, engineer):
        for n, (severity, subject, final) in enumerate(DEMO_TICKETS):
            requester = people[CustomerRole.MEMBER] if n % 2 else people[CustomerRole.ADMIN]
            ticket, _ = services.ticket_create(
                organization=org, requester=requester, subject=subject, severity=severity, channel=Channel.PORTAL,
                description=f"{subject}. Started around 09:40 UTC; reproducible with the steps in the runbook.",
                environment=Environment.PRODUCTION, affected_users="25%",
                business_impact="Our analysts cannot finish their reviews.", already_tried="Retried; rotated API key.")
            if final == Status.NEW:
                continue
            services.ticket_assign(ticket=ticket, actor=engineer, assignee=engineer)
            services.ticket_acknowledge(ticket=ticket, actor=engineer)
            if final == Status.ACKNOWLEDGED:
                continue
            services.message_create(ticket=ticket, author=engineer,
                                    body="Thanks for the details. We are looking into it now.")
            services.message_create(ticket=ticket, author=engineer, is_internal=True,
                                    body="Looks related to the cache rollout; checking with the platform team.")
            services.ticket_set_status(ticket=ticket, actor=engineer, status=Status.IN_PROGRESS)
            if final == Status.IN_PROGRESS:
                continue
            if final == Status.WAITING_ON_CUSTOMER:
                services.message_create(ticket=ticket, author=engineer, body="Could you send us a HAR file?")
                services.ticket_set_status(ticket=ticket, actor=engineer, status=Status.WAITING_ON_CUSTOMER)
                continue
            services.ticket_resolve(ticket=ticket, actor=engineer)
            if final == Status.CLOSED:
                services.ticket_set_status(ticket=ticket, actor=engineer, status=Status.CLOSED)

    def _demo_onboarding(self, org, people, staff):
        """Acme's onboarding a week and a half in: some done, one overdue, one blocked; a
        professional-services proposal waiting for an answer; an out-of-scope ticket."""
        from onboarding import services as onboarding
        from onboarding.meeting_days import add_business_days, next_business_day
        from onboarding.models import OnboardingPlan, ServiceOffering, ScopeCategory
        from onboarding.services.plans import _apply_dates

        plan = OnboardingPlan.objects.filter(organization=org).first()  # made on the move to Enterprise
        if plan is None:
            return
        plan = onboarding.plan_set_contacts(plan=plan, actor=staff["am"], technical_lead=staff["lead"],
                                            customer_it_contact=people[CustomerRole.ADMIN])
        # Demo only: back-date the kickoff (the service refuses past dates, rightly).
        plan.kickoff_date = add_business_days(next_business_day(timezone.localdate()), -7)
        activities = list(plan.activities.order_by("order"))
        _apply_dates(plan, activities)
        plan.save()
        type(activities[0]).objects.bulk_update(activities, ["start_date", "end_date"])
        for activity, status, notes in [
            (activities[0], "done", "Great kickoff; Acme's team of 6 joined."),
            (activities[1], "done", ""),
            (activities[2], "done", "Reviewed the event pipeline; no blockers."),
            (activities[3], "in_progress", "Webhook retries still to be wired."),
            (activities[4], "blocked", "Waiting for the IdP metadata from Acme IT."),
        ]:
            onboarding.activity_update(activity=activity, actor=staff["am"], status=status, notes=notes)
        onboarding.included_services_ensure(organization=org, start=plan.go_live_date)
        onboarding.checkins_generate()

        engagement = onboarding.engagement_request_create(
            organization=org, requester=people[CustomerRole.ADMIN],
            offering=ServiceOffering.objects.get(code="compliance-mapping"), summary="SOC 2 control mapping",
            details="Map our Aragora deployment to our SOC 2 controls before the audit in spring.")
        start = next_business_day(timezone.localdate() + timedelta(days=21))
        onboarding.engagement_advance(engagement=engagement, actor=staff["am"], to_status="proposal",
                                      estimate="3 weeks, one compliance engineer", price="18500.00",
                                      start_date=start, end_date=add_business_days(start, 14),
                                      note="Scoped on our call; includes a gap report.")
        ticket, _ = services.ticket_create(
            organization=org, requester=people[CustomerRole.MEMBER], subject="Help writing a Salesforce connector",
            description="Could you write the Apex code that pushes debate results into our Salesforce org?",
            severity="P4", channel=Channel.PORTAL)
        onboarding.ticket_mark_out_of_scope(ticket=ticket, actor=staff["support"],
                                            category=ScopeCategory.objects.get(code="custom-code"))

    # -- scale data ----------------------------------------------------------------------------
    def bulk(self, n_orgs: int, n_tickets: int, seed: int):
        from demo.scale import seed_scale

        self.stdout.write(f"Bulk: {n_orgs} organisations, {n_tickets} tickets ({connection.vendor}):")
        phases = seed_scale(n_orgs, n_tickets, seed, out=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"Bulk: {n_orgs} organisations, {n_tickets} tickets in {phases.total:.1f} s."))
