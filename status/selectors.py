"""Reads of the status domain: the public page and feeds (a constant number of queries,
whatever the number of components, incidents and days), and the maintenance a customer's
dashboard shows."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from . import uptime
from .models import (
    ACTIVE_MAINTENANCE, DOWNTIME_IMPACTS, STATUS_RANK, Component, ComponentStatus, Impact, Incident,
    IncidentComponent, MaintenanceStatus, MaintenanceWindow,
)

PORTAL_HORIZON = timedelta(days=14)
BAR_DAYS = 90
HISTORY_MONTHS = 3
HISTORY_PER_MONTH = 10  # the page stays the same size however busy a month was; the feed has all


def maintenance_upcoming_for(organization, *, now=None) -> list[MaintenanceWindow]:
    """Announced windows that concern this organisation, from now (or in progress) to two weeks ahead."""
    now = now or timezone.now()
    return list(
        MaintenanceWindow.objects.filter(status__in=ACTIVE_MAINTENANCE, announced_revision__gt=0,
                                         ends_at__gt=now, starts_at__lte=now + PORTAL_HORIZON)
        .filter(Q(organizations=None) | Q(organizations=organization)).distinct().order_by("starts_at")[:5]
    )


def dashboard_panel(request, *, organization, now, **_page) -> dict | None:
    """The dashboard's planned-maintenance block (registered by tickets.apps), when there is any."""
    windows = maintenance_upcoming_for(organization, now=now)
    return {"windows": windows} if windows else None


# --- the public page ------------------------------------------------------------------------------

# Statuspage's page indicator and its words.
INDICATOR_WORDS = {"none": "All Systems Operational", "minor": "Minor Service Outage",
                   "major": "Partial System Outage", "critical": "Major Service Outage",
                   "maintenance": "Service Under Maintenance"}
_COMPONENT_INDICATOR = {ComponentStatus.OPERATIONAL: "none", ComponentStatus.UNDER_MAINTENANCE: "maintenance",
                        ComponentStatus.DEGRADED: "minor", ComponentStatus.PARTIAL_OUTAGE: "major",
                        ComponentStatus.MAJOR_OUTAGE: "critical"}
_INDICATOR_RANK = ["none", "maintenance", "minor", "major", "critical"]


@dataclass
class ComponentView:
    component: Component
    status: str
    days: list[dict] = field(default_factory=list)
    uptime_percent: str = "100"

    @property
    def bars(self):
        from .presenting import bars

        return bars(self.days)

    @property
    def status_label(self) -> str:
        return ComponentStatus(self.status).label


@dataclass
class PageView:
    now: dt.datetime
    indicator: str
    description: str
    components: list[ComponentView]
    incidents: list[Incident]
    maintenances: list[MaintenanceWindow]
    history: list[tuple[dt.date, list[Incident], int]]
    updated_at: dt.datetime


def _public_windows(now):
    # Only windows meant for everyone are public: an organisation's own maintenance is told to it.
    return (MaintenanceWindow.objects.filter(status__in=ACTIVE_MAINTENANCE, announced_revision__gt=0, ends_at__gt=now,
                                             organizations=None)
            .prefetch_related("components").order_by("starts_at"))


def page(*, now: dt.datetime | None = None, bar_days: int = BAR_DAYS, history: bool = True) -> PageView:
    """The page's data; the JSON summary asks for neither bars (bar_days=0) nor history."""
    now = now or timezone.now()
    components = list(Component.objects.all())
    affected = Prefetch("affected", IncidentComponent.objects.select_related("component").order_by("component__name"))
    open_incidents = list(Incident.objects.filter(resolved_at__isnull=True).prefetch_related(affected, "updates")
                          .order_by("-started_at"))
    windows = list(_public_windows(now))
    status = {c.pk: ComponentStatus.OPERATIONAL for c in components}
    for window in windows:
        if window.status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING):
            for c in window.components.all() or components:
                status[c.pk] = _worse(status[c.pk], ComponentStatus.UNDER_MAINTENANCE)
    for incident in open_incidents:
        for a in incident.affected.all():
            status[a.component_id] = _worse(status[a.component_id], a.status)
    indicator = "none"
    for value in status.values():
        indicator = max(indicator, _COMPONENT_INDICATOR[value], key=_INDICATOR_RANK.index)
    for incident in open_incidents:  # an incident's declared impact counts even with no component named
        if incident.impact != Impact.NONE:
            indicator = max(indicator, incident.impact, key=_INDICATOR_RANK.index)
    views = [ComponentView(c, status[c.pk]) for c in components]
    if bar_days:
        _bars(views, now, bar_days)
    history = _history(now) if history else []
    stamps = [now - timedelta(days=3650)] + [i.updated_at for i in open_incidents] + \
        [i.updated_at for _, month, _ in history for i in month[:1]] + [w.created_at for w in windows]
    return PageView(now=now, indicator=indicator, description=INDICATOR_WORDS[indicator], components=views,
                    incidents=open_incidents, maintenances=windows, history=history, updated_at=max(stamps))


def _worse(a: str, b: str) -> str:
    return a if STATUS_RANK[a] >= STATUS_RANK[b] else b


def _bars(views: list[ComponentView], now: dt.datetime, days: int) -> None:
    """90 days a component: each day's downtime (major outage, or a major/critical incident
    naming it) and whether anything lesser happened, from one query."""
    today = now.date()
    since = dt.datetime(today.year, today.month, today.day, tzinfo=dt.timezone.utc) - timedelta(days=days - 1)
    rows = (IncidentComponent.objects.filter(incident__started_at__lt=now)
            .filter(Q(incident__resolved_at__isnull=True) | Q(incident__resolved_at__gt=since))
            .values_list("component_id", "status", "incident__impact", "incident__started_at", "incident__resolved_at"))
    down: dict[int, list] = {}
    lesser: dict[int, list] = {}
    for component_id, status, impact, start, end in rows:
        outage = uptime.Outage(start, end)
        if status == ComponentStatus.MAJOR_OUTAGE or impact in DOWNTIME_IMPACTS:
            down.setdefault(component_id, []).append(outage)
        elif status in (ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.DEGRADED):
            lesser.setdefault(component_id, []).append(outage)
    dates = [since.date() + timedelta(days=i) for i in range(days)]
    for view in views:
        pk = view.component.pk
        seconds = uptime.daily_downtime(days, today, down.get(pk, []), now=now)
        degraded = uptime.daily_downtime(days, today, lesser.get(pk, []), now=now) if pk in lesser else [0] * days
        view.days = [{"date": day, "downtime_minutes": round(s / 60),
                      "level": uptime.day_level(s) if s else ("minor" if d else "ok")}
                     for day, s, d in zip(dates, seconds, degraded)]
        total = (now - since).total_seconds()
        view.uptime_percent = f"{uptime.uptime_percent(int(total), min(sum(seconds), int(total))):.2f}"


def _history(now: dt.datetime) -> list[tuple[dt.date, list[Incident], int]]:
    """(month, its latest resolved incidents (at most HISTORY_PER_MONTH), how many it had)."""
    from django.db.models import Count, F, Window
    from django.db.models.functions import RowNumber, TruncMonth

    first = (now.date().replace(day=1) - timedelta(days=31 * (HISTORY_MONTHS - 1))).replace(day=1)
    since = dt.datetime(first.year, first.month, 1, tzinfo=dt.timezone.utc)
    resolved = Incident.objects.filter(resolved_at__isnull=False, started_at__gte=since)
    counts = {row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]: row["n"]
              for row in resolved.annotate(month=TruncMonth("started_at", tzinfo=dt.timezone.utc))
              .values("month").annotate(n=Count("pk")).order_by()}
    affected = Prefetch("affected", IncidentComponent.objects.select_related("component").order_by("component__name"))
    # Only the rows shown: the latest HISTORY_PER_MONTH of each month (a window function).
    ranked = resolved.annotate(rank=Window(RowNumber(), partition_by=TruncMonth("started_at", tzinfo=dt.timezone.utc),
                                           order_by=F("started_at").desc()))
    latest = list(ranked.filter(rank__lte=HISTORY_PER_MONTH).prefetch_related(affected).order_by("-started_at"))
    months: dict[dt.date, list[Incident]] = {}
    month = now.date().replace(day=1)
    while month >= first:
        months[month] = []
        month = (month - timedelta(days=1)).replace(day=1)
    for incident in latest:
        key = incident.started_at.astimezone(dt.timezone.utc).date().replace(day=1)
        if key in months:
            months[key].append(incident)
    return [(m, shown, counts.get(m, 0)) for m, shown in months.items()]


def incidents_for_feed(limit: int = 50) -> list[Incident]:
    return list(Incident.objects.prefetch_related("updates").order_by("-updated_at")[:limit])


def maintenances_for_feed(limit: int = 20) -> list[MaintenanceWindow]:
    return list(MaintenanceWindow.objects.filter(announced_revision__gt=0, organizations=None)
                .exclude(status=MaintenanceStatus.CANCELLED, announced_at__isnull=True)
                .prefetch_related("components").order_by("-starts_at")[:limit])


