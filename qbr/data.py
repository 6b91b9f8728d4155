"""The figures of a QBR deck and of a monthly usage report, read from the data (a selector).

Nothing here computes a figure a second time: ticket, SLA, response-time, CSAT and NPS figures
are feedback.metrics' (the reader of the team's figures), uptime and credits are
status.credits'. This module picks them for one organisation and period and adds what only a
report has (usage, the incident list, open items). The result is plain JSON values: it is
hashed into the data version of the PDF (qbr.documents), frozen into a final QBR's snapshot,
and is all the templates see.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Organization
from common.replica import replica_reads
from feedback import figures as fig
from feedback import metrics
from feedback.models import FeatureRequest, FeatureStatus, NpsSurvey, TicketRating
from onboarding.models import EngagementRequest, EngagementStatus, TicketScope
from status.credits import month_data, organization_month, terms_for
from status.models import ACTIVE_MAINTENANCE, Incident, MaintenanceWindow
from tickets.models import OPEN_STATUSES, SeverityCode, Ticket

from . import periods
from .models import DailyUsage, UsageMetric

UTC = dt.timezone.utc
COMMENTS = 6  # the latest comments a slide has room for
OPEN_TICKETS = 8
TOP_ISSUES = 5
MAINTENANCE_AHEAD = dt.timedelta(days=90)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=UTC)


# --- usage ---------------------------------------------------------------------------------------

def usage(organization: Organization, months: list[dt.date], previous: list[dt.date]) -> dict:
    """Totals per metric of `months` and of `previous` (the period before, as long), their change
    in percent, and each month's totals."""
    start, end = previous[0] if previous else months[0], fig.add_months(months[-1], 1)
    rows = (DailyUsage.objects.filter(organization=organization, date__gte=start, date__lt=end)
            .annotate(month=TruncMonth("date")).values("month", "metric").annotate(total=Sum("value")).order_by())
    by_month: dict[dt.date, dict[str, int]] = {}
    for row in rows:
        month = row["month"] if isinstance(row["month"], dt.date) else row["month"].date()
        by_month.setdefault(month, {})[row["metric"]] = int(row["total"])
    metrics_ = []
    for metric in UsageMetric:
        current = sum(by_month.get(m, {}).get(metric.value, 0) for m in months)
        before = sum(by_month.get(m, {}).get(metric.value, 0) for m in previous)
        has_before = any(metric.value in by_month.get(m, {}) for m in previous)
        metrics_.append({"metric": metric.value, "name": metric.label, "total": current,
                         "previous": before if has_before else None,
                         "change_percent": periods.change_percent(current, before) if has_before else None})
    return {
        "has_data": any(m in by_month for m in months),
        "metrics": metrics_,
        "months": [{"month": m.isoformat(), **{k.value: by_month.get(m, {}).get(k.value) for k in UsageMetric}}
                   for m in months],
    }


# --- tickets and support figures -----------------------------------------------------------------

def _support(organization: Organization, start: dt.date, end: dt.date, now: dt.datetime) -> dict:
    scope = metrics.Scope(start, end, organization_id=organization.pk)
    total, months = metrics.report(scope, now=now, fresh=True)
    row = metrics.flat(total)
    clocks = {}
    for entry in total["sla_attainment"]:
        c = clocks.setdefault(entry["clock"], {"met": 0, "breached": 0, "open": 0})
        for state in c:
            c[state] += entry[state]
    for c in clocks.values():
        c["percent_met"] = fig.percent(c["met"], c["met"] + c["breached"])
    return {
        "tickets_opened": total["tickets_opened"],
        "by_severity": total["volume"]["by_severity"],
        "by_channel": total["volume"]["by_channel"],
        "sla_percent_met": row["sla_percent_met"],
        "sla_met": row["sla_met"], "sla_breached": row["sla_breached"], "sla_open": row["sla_open"],
        "sla_by_clock": clocks,
        "first_response": total["first_response"],
        "resolution": total["resolution"],
        "by_severity_percentiles": metrics.by_severity(scope),
        "csat": total["csat"],
        "nps": total["nps"],
        "reopen_rate": total["reopen_rate"],
        # The charts' rows: the metrics reader's own months, as the dashboard draws them.
        "months": [{"month": m.isoformat(), "figures": f} for m, f in months],
    }


def _common_issues(organization: Organization, start: dt.date, end: dt.date) -> dict:
    tickets = Ticket.objects.filter(organization=organization, created_at__gte=_day_start(start),
                                    created_at__lt=_day_start(end + dt.timedelta(days=1)))
    by_component = [{"name": r["component__name"] or "No component set", "tickets": r["n"]} for r in
                    tickets.values("component__name").annotate(n=Count("pk")).order_by("-n", "component__name")[:TOP_ISSUES]]
    by_category = [{"name": r["category__name"], "in_scope": r["category__in_scope"], "tickets": r["n"]} for r in
                   TicketScope.objects.filter(ticket__in=tickets).values("category__name", "category__in_scope")
                   .annotate(n=Count("pk")).order_by("-n", "category__name")[:TOP_ISSUES]]
    by_environment = dict(tickets.values_list("environment").annotate(n=Count("pk")).order_by())
    return {"by_component": by_component, "by_category": by_category, "by_environment": by_environment}


def _comments(organization: Organization, start: dt.date, end: dt.date) -> list[dict]:
    since, until = _day_start(start), _day_start(end + dt.timedelta(days=1))
    ratings = (TicketRating.objects.filter(organization=organization, rated_at__gte=since, rated_at__lt=until)
               .exclude(comment="").order_by("-rated_at").values("rated_at", "score", "comment")[:COMMENTS])
    answers = (NpsSurvey.objects.filter(organization=organization, answered_at__gte=since, answered_at__lt=until)
               .exclude(comment="").order_by("-answered_at").values("answered_at", "score", "comment")[:COMMENTS])
    out = [{"kind": "CSAT", "at": r["rated_at"].date().isoformat(), "score": r["score"], "comment": r["comment"]}
           for r in ratings]
    out += [{"kind": "NPS", "at": a["answered_at"].date().isoformat(), "score": a["score"], "comment": a["comment"]}
            for a in answers]
    return sorted(out, key=lambda c: c["at"], reverse=True)[:COMMENTS]


# --- uptime and incidents ------------------------------------------------------------------------

def _uptime(terms, months: list[dt.date], now: dt.datetime) -> dict:
    out, incident_ids = [], set()
    for month in months:
        if _day_start(month) > now:
            continue
        result = organization_month(month_data(month, now=now), terms, now=now)
        incident_ids.update(result.incident_ids)
        out.append({"month": month.isoformat(), "uptime_percent": str(result.uptime_percent),
                    "target_percent": None if result.target_percent is None else str(result.target_percent),
                    "met": result.met, "downtime_minutes": str(result.downtime_minutes),
                    "credit_percent": str(result.credit_percent)})
    return {"months": out, "downtime_incident_ids": sorted(incident_ids),
            "target_percent": None if terms.target is None else str(terms.target)}


def _incidents(terms, start: dt.date, end: dt.date, counted: set[int]) -> dict:
    """Incidents that touched the components the organisation's uptime is measured on."""
    since, until = _day_start(start), _day_start(end + dt.timedelta(days=1))
    components = terms.component_ids
    incidents = Incident.objects.filter(started_at__lt=until).filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=since))
    if components is not None:
        incidents = incidents.filter(components__in=components).distinct()
    rows = []
    for incident in incidents.order_by("-started_at")[:8]:
        minutes = None if incident.resolved_at is None else \
            round((incident.resolved_at - incident.started_at).total_seconds() / 60)
        rows.append({"id": incident.pk, "title": incident.title, "impact": incident.get_impact_display(),
                     "started": incident.started_at.date().isoformat(), "minutes": minutes,
                     "counted": incident.pk in counted})
    by_impact = dict(incidents.values_list("impact").annotate(n=Count("pk", distinct=True)).order_by())
    return {"total": sum(by_impact.values()), "by_impact": by_impact, "latest": rows}


def _maintenance_ahead(organization: Organization, now: dt.datetime) -> list[dict]:
    windows = (MaintenanceWindow.objects.filter(status__in=ACTIVE_MAINTENANCE, announced_revision__gt=0, ends_at__gt=now,
                                                starts_at__lte=now + MAINTENANCE_AHEAD)
               .filter(Q(organizations=None) | Q(organizations=organization)).distinct().order_by("starts_at")[:6])
    return [{"title": w.title, "starts": w.starts_at.isoformat(), "ends": w.ends_at.isoformat()} for w in windows]


# --- open items ----------------------------------------------------------------------------------

def _open_items(organization: Organization, now: dt.datetime) -> dict:
    tickets = Ticket.objects.filter(organization=organization, status__in=OPEN_STATUSES)
    by_severity = dict.fromkeys(SeverityCode.values, 0)
    by_severity.update(dict(tickets.values_list("severity").annotate(n=Count("pk")).order_by()))
    latest = [{"id": t.pk, "subject": t.subject, "severity": t.severity, "status": t.get_status_display(),
               "age_days": (now - t.created_at).days}
              for t in tickets.order_by("severity", "created_at")[:OPEN_TICKETS]]
    features = [{"id": f.pk, "title": f.title, "status": f.get_status_display()} for f in
                FeatureRequest.objects.filter(organization=organization, status__in=[
                    FeatureStatus.NEW, FeatureStatus.UNDER_REVIEW, FeatureStatus.PLANNED]).order_by("-created_at")[:6]]
    services = [{"id": e.pk, "summary": e.summary, "offering": e.offering.name, "status": e.get_status_display()}
                for e in EngagementRequest.objects.filter(organization=organization).exclude(
                    status__in=[EngagementStatus.DELIVERED, EngagementStatus.DECLINED])
                .select_related("offering").order_by("-created_at")[:6]]
    return {"tickets": sum(by_severity.values()), "by_severity": by_severity, "latest": latest,
            "feature_requests": features, "services_requests": services}


# --- the two reports -----------------------------------------------------------------------------

def _lines(text: str) -> list[str]:
    return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]


@replica_reads
def qbr_data(qbr, *, now: dt.datetime | None = None) -> dict:
    """Everything a QBR deck shows, as of `now` (a final QBR shows its snapshot instead)."""
    now = now or timezone.now()
    organization = qbr.organization
    start, end = fig.quarter_bounds(qbr.year, qbr.quarter)
    months = fig.months_between(start, end)
    previous = [fig.add_months(m, -3) for m in months]
    terms = terms_for([organization])[organization.pk]  # what its uptime is measured on, read once
    uptime = _uptime(terms, months, now)
    support = _support(organization, start, end, now)
    return {
        "report": "qbr",
        "organization": {"name": organization.name, "account_id": organization.account_id,
                         "tier": organization.tier.name,
                         "account_manager": (organization.account_manager.get_full_name()
                                             or organization.account_manager.username)
                         if organization.account_manager else ""},
        "period": {"label": f"{qbr.year} Q{qbr.quarter}", "key": qbr.period, "start": start.isoformat(),
                   "end": end.isoformat(), "previous_label": periods.quarter_label(*periods.previous_quarter(
                       qbr.year, qbr.quarter)), "complete": _day_start(end + dt.timedelta(days=1)) <= now},
        "as_of": now.date().isoformat(),
        "usage": usage(organization, months, previous),
        "support": support,
        "uptime": uptime,
        "incidents": _incidents(terms, start, end, set(uptime["downtime_incident_ids"])),
        "common_issues": _common_issues(organization, start, end),
        "comments": _comments(organization, start, end),
        "maintenance": _maintenance_ahead(organization, now),
        "open": _open_items(organization, now),
        "narrative": {"summary": qbr.summary, "upcoming_features": _lines(qbr.upcoming_features),
                      "beta_opportunities": _lines(qbr.beta_opportunities), "next_steps": _lines(qbr.next_steps)},
    }


@replica_reads
def usage_report_data(organization: Organization, month: dt.date, *, now: dt.datetime | None = None) -> dict:
    """Everything a monthly usage report shows: usage with the three months before it for its
    trend, tickets and SLA attainment, uptime and any credit, CSAT."""
    now = now or timezone.now()
    end = fig.add_months(month, 1) - dt.timedelta(days=1)
    trend = [fig.add_months(month, -k) for k in (3, 2, 1)]
    support = _support(organization, month, end, now)
    uptime = _uptime(terms_for([organization])[organization.pk], [month], now)
    return {
        "report": "usage",
        "organization": {"name": organization.name, "account_id": organization.account_id,
                         "tier": organization.tier.name},
        "period": {"label": f"{month:%B %Y}", "key": f"{month:%Y-%m}", "start": month.isoformat(),
                   "end": end.isoformat(), "previous_label": f"{trend[-1]:%B %Y}"},
        "usage": usage(organization, [month], [trend[-1]]),
        "trend": usage(organization, [*trend, month], [])["months"],
        "support": {k: support[k] for k in ("tickets_opened", "by_severity", "sla_percent_met", "sla_met",
                                            "sla_breached", "sla_open", "sla_by_clock", "first_response",
                                            "resolution", "csat")},
        "uptime": uptime,
    }
