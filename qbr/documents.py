"""Rendered PDFs: asked for by a request or the beat, rendered by a Celery worker, stored with
their checksum and the version of their data (docs/reports.md).

- A report's data (qbr.data) hashes to its *data version*. A request whose version matches the
  stored file's gets that file; otherwise `document_request` marks the row queued for that
  version and sends the render task after commit. The web request never waits for a render.
- The worker claims the row with a conditional UPDATE (queued, or rendering with an expired
  lease: its worker died), so two workers never render one report together, and a killed worker's
  render is taken up again (the task is acks_late, and the request or the hourly sweep re-sends
  it). It rebuilds the data, renders, and stores the file with the version it actually built.
- A monthly usage report is mailed once, when its PDF is first ready (qbr.monthly).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organization

from . import data as report_data
from . import deck_charts, pdf
from .models import Qbr, QbrStatus, RenderedReport, RenderStatus, ReportKind

logger = logging.getLogger(__name__)
# Bumped when a template or chart changes what a PDF shows: the stored files are then stale.
LAYOUT_VERSION = "2"
TEMPLATES = {ReportKind.QBR: "qbr/deck.html", ReportKind.USAGE: "qbr/usage_report.html"}


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REPORT_RENDER_LEASE_SECONDS)


def data_version(data: dict) -> str:
    payload = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{LAYOUT_VERSION}:{payload}".encode()).hexdigest()


# --- what a report shows -------------------------------------------------------------------------

def qbr_shown(qbr: Qbr, *, now: dt.datetime | None = None) -> dict:
    """A final QBR shows what it was made final with; a draft shows the data as it stands."""
    if qbr.status == QbrStatus.FINAL:
        return qbr.snapshot
    return report_data.qbr_data(qbr, now=now)


def build(kind: str, organization: Organization, period: str, *, now: dt.datetime | None = None) -> dict:
    if kind == ReportKind.QBR:
        year, quarter = int(period[:4]), int(period[-1])
        qbr = Qbr.objects.select_related("organization__tier", "organization__account_manager").get(
            organization=organization, year=year, quarter=quarter)
        return qbr_shown(qbr, now=now)
    month = dt.date(int(period[:4]), int(period[5:7]), 1)
    return report_data.usage_report_data(organization, month, now=now)


def context(kind: str, data: dict, *, asset: str = "") -> dict:
    """`asset`: where the fonts are, relative to the PDF's base (static/) or, for the browser
    preview, the static URL."""
    charts = deck_charts.qbr_charts(data) if kind == ReportKind.QBR else deck_charts.usage_report_charts(data)
    return {"d": data, "charts": charts, "final": data.get("final", False), "asset": asset}


# --- asking ---------------------------------------------------------------------------------------

@dataclass
class Answer:
    document: RenderedReport
    ready: bool  # the stored file is of this data version


def _is_current(document: RenderedReport, version: str) -> bool:
    return document.status == RenderStatus.READY and document.data_version == version and bool(document.file)


def document_request(*, kind: str, organization: Organization, period: str, data: dict,
                     now: dt.datetime | None = None) -> Answer:
    """The stored PDF if it is of `data`; else the render is queued (once) and the row says how far
    it got. Safe to call on every poll: a render in progress for this version is not queued again."""
    now = now or timezone.now()
    version = data_version(data)
    document, created = RenderedReport.objects.get_or_create(
        kind=kind, organization=organization, period=period,
        defaults={"wanted_version": version, "requested_at": now, "status": RenderStatus.QUEUED})
    if created:
        send_render(document.pk)
        return Answer(document, False)
    if _is_current(document, version):
        return Answer(document, True)
    in_hand = Q(status=RenderStatus.QUEUED, requested_at__gt=now - lease()) | Q(
        status=RenderStatus.RENDERING, started_at__gt=now - lease())
    # Conditional: concurrent pollers queue one render, not one each.
    queued = (RenderedReport.objects.filter(pk=document.pk)
              .exclude(in_hand & Q(wanted_version=version))
              .exclude(status=RenderStatus.FAILED, wanted_version=version)  # failed for this data: told, not retried
              .update(status=RenderStatus.QUEUED, wanted_version=version, requested_at=now, error=""))
    if queued:
        send_render(document.pk)
        document.refresh_from_db()
    return Answer(document, False)


def document_retry(*, document: RenderedReport, now: dt.datetime | None = None) -> None:
    """Someone asked again after a failure: queue it once more."""
    now = now or timezone.now()
    if RenderedReport.objects.filter(pk=document.pk, status=RenderStatus.FAILED).update(
            status=RenderStatus.QUEUED, requested_at=now, error=""):
        send_render(document.pk)


def send_render(document_id: int) -> None:
    from .tasks import render_report  # the task module imports this one
    transaction.on_commit(lambda: _publish(render_report, document_id), robust=True)



def _publish(task, document_id: int) -> None:
    try:
        task.apply_async(args=[document_id], retry=False)
    except Exception:  # broker down: the row stays queued and the hourly sweep sends it again
        logger.warning("could not queue the render of report %s", document_id, exc_info=True)


# --- rendering (the worker) -----------------------------------------------------------------------

def _claim(document_id: int, now: dt.datetime) -> bool:
    return bool(RenderedReport.objects.filter(pk=document_id).filter(
        Q(status=RenderStatus.QUEUED) | Q(status=RenderStatus.RENDERING, started_at__lte=now - lease()))
        .update(status=RenderStatus.RENDERING, started_at=now, attempts=F("attempts") + 1))


def document_render(document_id: int, *, now: dt.datetime | None = None) -> str:
    """Render one queued report. Returns what happened: rendered, skipped (another worker has it,
    or it is current), failed."""
    now = now or timezone.now()
    if not _claim(document_id, now):
        return "skipped"
    document = RenderedReport.objects.select_related("organization__tier").get(pk=document_id)
    started = time.perf_counter()
    try:
        data = build(document.kind, document.organization, document.period, now=now)
        version = data_version(data)
        body, pages, refused = pdf.render(TEMPLATES[document.kind], context(document.kind, data))
    except Exception as exc:  # a bug or bad data: the row says so instead of rendering forever
        logger.exception("report %s failed to render", document_id)
        RenderedReport.objects.filter(pk=document_id, status=RenderStatus.RENDERING).update(
            status=RenderStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        return "failed"
    elapsed = round((time.perf_counter() - started) * 1000)
    checksum = hashlib.sha256(body).hexdigest()
    old = document.file.name if document.file else ""
    name = f"{document.kind}-{document.organization.account_id}-{document.period}-{checksum[:12]}.pdf"
    document.file.save(name, ContentFile(body), save=False)
    with transaction.atomic():
        RenderedReport.objects.filter(pk=document_id).update(
            status=RenderStatus.READY, data_version=version, file=document.file.name, checksum=checksum,
            size=len(body), pages=pages, render_ms=elapsed, rendered_at=timezone.now(), error="")
        # Data that changed while this render ran asks for another: the next request sees the mismatch.
        if document.kind == ReportKind.USAGE:
            from .monthly import usage_report_ready  # mail once, in this transaction
            usage_report_ready(document=document)
    if old and old != document.file.name:
        document.file.storage.delete(old)
    if refused:
        logger.warning("report %s: refused %d external resource(s)", document_id, len(refused))
    return "rendered"


def pending_resend(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Renders whose task was lost (broker down, worker killed before acking): queued or rendering
    past their lease. Sent again; the claim keeps a live render from being doubled."""
    now = now or timezone.now()
    stale = list(RenderedReport.objects.filter(
        Q(status=RenderStatus.QUEUED, requested_at__lte=now - lease())
        | Q(status=RenderStatus.RENDERING, started_at__lte=now - lease())).values_list("pk", flat=True)[:limit])
    from .tasks import render_report
    for pk in stale:
        _publish(render_report, pk)
    return len(stale)
