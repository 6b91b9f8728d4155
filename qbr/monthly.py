"""Monthly usage reports (the guide's Included Services, Pro and Enterprise): on the 1st, every
paid organisation gets last month's report, exactly once.

Once: a `UsageReport` row per organisation and month (a unique constraint; the beat inserts with
ON CONFLICT DO NOTHING, so a second beat, a retried task or two workers add nothing), and the
mail is claimed by `mailed_at` when the PDF is first ready, in the render's transaction, with
outbox keys per report and recipient. The beat runs hourly, so a missed 1st is caught up; each
run costs one insert-select for the month and one look at the unmailed rows.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Organization, User
from common.links import absolute_url
from feedback.figures import add_months
from notifications.services import notification_enqueue_many

from . import documents
from .models import RenderedReport, RenderStatus, ReportKind, UsageReport
from .usage import PAID_TIERS


def last_month(today: dt.date) -> dt.date:
    return add_months(today.replace(day=1), -1)


def usage_reports_create(month: dt.date) -> int:
    """The month's reports of every Pro and Enterprise organisation that existed by its end."""
    end = dt.datetime.combine(add_months(month, 1), dt.time.min, tzinfo=dt.timezone.utc)
    wanting = (Organization.objects.filter(tier__code__in=PAID_TIERS, created_at__lt=end)
               .exclude(usage_reports__month=month).values_list("pk", flat=True))
    rows = [UsageReport(organization_id=pk, month=month) for pk in wanting]
    UsageReport.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def usage_reports_due(*, now: dt.datetime | None = None) -> dict:
    """The beat's hourly tick: make last month's reports, queue a render of each new one, and
    re-send renders whose task was lost. The tick computes no figures: each worker builds its
    report's data when it renders (so 1,000 reports fan out over the workers at once)."""
    now = now or timezone.now()
    month = last_month(now.date())
    created = usage_reports_create(month)
    period = f"{month:%Y-%m}"
    unmailed = UsageReport.objects.filter(mailed_at__isnull=True, month=month).values_list("organization_id", flat=True)
    rendered = RenderedReport.objects.filter(kind=ReportKind.USAGE, period=period)
    missing = list(unmailed.exclude(organization_id__in=rendered.values("organization_id")))
    RenderedReport.objects.bulk_create(
        [RenderedReport(kind=ReportKind.USAGE, organization_id=pk, period=period, wanted_version="",
                        requested_at=now) for pk in missing], ignore_conflicts=True, batch_size=1000)
    ids = list(rendered.filter(organization_id__in=missing, status=RenderStatus.QUEUED).values_list("pk", flat=True))
    for pk in ids:
        documents.send_render(pk)
    resent = documents.pending_resend(now=now)
    return {"created": created, "queued": len(ids), "resent": resent}


def report_url(kind: str, organization: Organization, period: str) -> str:
    name = "qbr:deck" if kind == ReportKind.QBR else "qbr:usage_report"
    return absolute_url(name, organization.account_id, period)


def usage_report_ready(*, document: RenderedReport) -> int:
    """Called in the render's transaction: the first time a month's PDF is ready, its customer
    admins are mailed a link (the PDF stays behind sign-in: a mail may be forwarded)."""
    month = dt.date(int(document.period[:4]), int(document.period[5:7]), 1)
    claimed = UsageReport.objects.filter(organization_id=document.organization_id, month=month,
                                         mailed_at__isnull=True).update(mailed_at=timezone.now())
    if not claimed:
        return 0
    organization = document.organization
    admins = User.objects.filter(organization=organization, customer_role="admin", is_active=True).exclude(email="")
    url = report_url(ReportKind.USAGE, organization, document.period)
    return notification_enqueue_many([
        {"key": f"usage_report:{organization.pk}:{document.period}:email:{admin.email}", "channel": "email",
         "recipient": admin.email, "template": "usage_report",
         "context": {"organization": organization.name, "month": f"{month:%B %Y}", "report_url": url,
                     "contact_name": admin.first_name, "audience": "customer"}}
        for admin in admins.order_by("pk")])
