"""Report PDFs and the portal's Reports page (thin: qbr.documents renders, qbr.data reads).

Who sees what (docs/reports.md): staff with the QBR view permission see every organisation's
decks and reports, drafts included; an organisation's customer admins see its final decks and
its monthly reports; everyone else, members included, gets a 404, the same answer as for an
account that does not exist, so nothing tells them which organisations have reports.

A PDF is rendered by a worker, never here: until its file is of the current data the answer is
a 202 page that says how far the render got and reloads itself (or JSON, for a script)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Organization
from common.portal import customer_only

from . import data as report_data
from . import documents, periods, services
from .models import Qbr, QbrStatus, RenderedReport, RenderStatus, ReportKind, UsageReport
from .usage import PAID_TIERS

POLL_SECONDS = 2


def may_see_all(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("qbr.view_qbr")


def _organization(request, account_id: str) -> Organization:
    """The organisation, if the viewer may see its reports at all; else 404."""
    user = request.user
    organization = Organization.objects.select_related("tier", "account_manager").filter(account_id=account_id).first()
    if organization is None:
        raise Http404("No such organisation.")
    if may_see_all(user) or (user.is_customer_admin and user.organization_id == organization.pk):
        return organization
    raise Http404("No such organisation.")


def _refused(request, reason: str, status: int = 404) -> HttpResponse:
    return render(request, "qbr/refused.html", {"reason": reason}, status=status)


def _deliver(request, *, kind: str, organization: Organization, period: str, data: dict, title: str):
    if request.method == "POST":  # "Try again" after a failed render
        document = RenderedReport.objects.filter(kind=kind, organization=organization, period=period).first()
        if document is not None:
            documents.document_retry(document=document)
        return redirect(request.path)
    answer = documents.document_request(kind=kind, organization=organization, period=period, data=data)
    document = answer.document
    if answer.ready:
        response = FileResponse(document.file.open("rb"), content_type="application/pdf",
                                filename=f"{title}.pdf")
        response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline")
        response["ETag"] = f'"{document.checksum}"'
        response["Cache-Control"] = "private, no-cache"  # behind sign-in; revalidated, never shared
        return response
    progress = {"status": document.status, "requested_at": document.requested_at.isoformat(),
                "error": document.error if document.status == RenderStatus.FAILED else ""}
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(progress, status=202)
    else:
        response = render(request, "qbr/progress.html", {"title": title, "document": document, "poll": POLL_SECONDS},
                          status=202)
    if document.status != RenderStatus.FAILED:
        response["Retry-After"] = str(POLL_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _qbr(request, organization: Organization, period: str) -> Qbr:
    try:
        year, quarter = periods.parse_quarter(period, today=timezone.now().date())
    except periods.PeriodError as exc:
        raise _Refusal(str(exc))
    if may_see_all(request.user):
        try:
            return services.qbr_open(organization=organization, year=year, quarter=quarter)
        except ValidationError as exc:
            raise _Refusal(" ".join(exc.messages))
    qbr = Qbr.objects.filter(organization=organization, year=year, quarter=quarter, status=QbrStatus.FINAL).first()
    if qbr is None:
        raise Http404("No final QBR for this quarter.")
    return qbr


class _Refusal(Exception):
    pass


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def deck(request, account_id: str, period: str):
    organization = _organization(request, account_id)
    try:
        qbr = _qbr(request, organization, period)
    except _Refusal as exc:
        return _refused(request, str(exc))
    qbr.organization = organization
    data = documents.qbr_shown(qbr)
    return _deliver(request, kind=ReportKind.QBR, organization=organization, period=qbr.period, data=data,
                    title=f"{organization.name}: QBR {qbr.year} Q{qbr.quarter}")


@login_required
@require_GET
def deck_preview(request, account_id: str, period: str):
    """The deck as HTML, at once (staff, while editing): the same template the PDF is made from."""
    if not may_see_all(request.user):
        raise Http404("No such organisation.")
    organization = _organization(request, account_id)
    try:
        qbr = _qbr(request, organization, period)
    except _Refusal as exc:
        return _refused(request, str(exc))
    qbr.organization = organization
    data = documents.qbr_shown(qbr)
    return render(request, "qbr/deck.html", documents.context(ReportKind.QBR, data, asset=settings.STATIC_URL))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def usage_report(request, account_id: str, period: str):
    organization = _organization(request, account_id)
    try:
        month = periods.parse_month(period, today=timezone.now().date())
    except periods.PeriodError as exc:
        return _refused(request, str(exc))
    if organization.tier.code not in PAID_TIERS:
        return _refused(request, f"Monthly usage reports come with Pro and Enterprise; {organization.name} is on "
                                 f"{organization.tier.name}.")
    if not may_see_all(request.user) and not UsageReport.objects.filter(organization=organization, month=month).exists():
        raise Http404("No report for this month.")
    data = report_data.usage_report_data(organization, month)
    return _deliver(request, kind=ReportKind.USAGE, organization=organization, period=period, data=data,
                    title=f"{organization.name}: usage report {period}")


@require_GET
@customer_only
def reports(request):
    """An organisation's final QBR decks and monthly usage reports (its customer admins)."""
    user = request.user
    if not user.is_customer_admin:
        raise Http404("Reports are for your organisation's customer admins.")
    organization = user.organization
    return render(request, "qbr/reports.html", {
        "organization": organization,
        "decks": Qbr.objects.filter(organization=organization, status=QbrStatus.FINAL).order_by("-year", "-quarter")[:20],
        "usage_reports": UsageReport.objects.filter(organization=organization).order_by("-month")[:24],
    })
