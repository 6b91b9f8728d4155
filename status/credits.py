"""Uptime per organisation and the service credits it settles (docs/uptime.md): the data read
from the database once per run, the arithmetic in status.uptime (pure).

A month-end run reads the month's downtime incidents and maintenance once, every organisation's
agreement once, and computes each organisation in memory: its cost grows with organisations
and incidents, never with queries per organisation.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Organization, User
from notifications.services import notification_enqueue_many

from . import uptime
from .models import (
    DOWNTIME_IMPACTS, Component, ComponentStatus, CreditSchedule, Incident, IncidentComponent, MaintenanceStatus,
    MaintenanceWindow, ServiceCredit, UptimeAgreement,
)

CREDIT_TIERS = ("pro", "enterprise")  # Free has no uptime SLA (the guide)


def notice() -> dt.timedelta:
    return dt.timedelta(hours=settings.STATUS_MAINTENANCE_NOTICE_HOURS)


@dataclass
class MonthData:
    """What every organisation's month is computed from."""

    month: dt.date
    outages: list[uptime.Outage]  # one per (incident, component) that counts as downtime
    maintenances: list[uptime.Maintenance]
    incidents: dict[int, Incident]
    all_component_ids: set[int]


def month_data(month: dt.date, *, now: dt.datetime) -> MonthData:
    start, end = uptime.month_bounds(month)
    # An incident counts for a component it put in major outage, or for every component it names
    # when its impact is major or critical.
    rows = (IncidentComponent.objects.filter(incident__started_at__lt=min(end, now))
            .filter(Q(incident__resolved_at__isnull=True) | Q(incident__resolved_at__gt=start))
            .filter(Q(status=ComponentStatus.MAJOR_OUTAGE) | Q(incident__impact__in=DOWNTIME_IMPACTS))
            .select_related("incident"))
    outages, incidents = [], {}
    for row in rows:
        incidents[row.incident_id] = row.incident
        outages.append(uptime.Outage(row.incident.started_at, row.incident.resolved_at, row.incident_id,
                                     row.component_id))
    windows = (MaintenanceWindow.objects.exclude(status=MaintenanceStatus.CANCELLED)
               .filter(starts_at__lt=end, ends_at__gt=start).prefetch_related("components"))
    maintenances = [uptime.Maintenance(w.starts_at, w.ends_at, w.announced_at,
                                       frozenset(c.pk for c in w.components.all())) for w in windows]
    return MonthData(month, outages, maintenances, incidents, set(Component.objects.values_list("pk", flat=True)))


@dataclass
class Terms:
    component_ids: set[int] | None  # None: all
    target: Decimal | None
    bands: list[uptime.Band]


def _schedules() -> tuple[dict[int, CreditSchedule], dict[int, CreditSchedule]]:
    by_pk, by_tier = {}, {}
    for schedule in CreditSchedule.objects.prefetch_related("bands"):
        by_pk[schedule.pk] = schedule
        if schedule.tier_id:
            by_tier[schedule.tier_id] = schedule
    return by_pk, by_tier


def _bands(schedule: CreditSchedule | None) -> list[uptime.Band]:
    if schedule is None:
        return []
    return [uptime.Band(b.lower_percent, b.upper_percent, b.credit_percent) for b in schedule.bands.all()]


def terms_for(organizations) -> dict[int, Terms]:
    """{organization id: what its uptime is measured on}, for many organisations in 3 queries."""
    organizations = list(organizations)
    by_pk, by_tier = _schedules()
    agreements = {a.organization_id: a for a in UptimeAgreement.objects.filter(organization__in=organizations)}
    chosen: dict[int, set[int]] = {}
    for organization_id, component_id in (UptimeAgreement.components.through.objects
                                          .filter(uptimeagreement__organization__in=organizations)
                                          .values_list("uptimeagreement__organization_id", "component_id")):
        chosen.setdefault(organization_id, set()).add(component_id)
    out = {}
    for organization in organizations:
        agreement = agreements.get(organization.pk)
        schedule = by_pk.get(agreement.schedule_id) if agreement and agreement.schedule_id else \
            by_tier.get(organization.tier_id)
        out[organization.pk] = Terms(chosen.get(organization.pk), schedule.target_percent if schedule else None,
                                     _bands(schedule))
    return out


def organization_month(data: MonthData, terms: Terms, *, now: dt.datetime | None = None,
                       components: dict | None = None) -> uptime.MonthUptime:
    """`components`: uptime.component_months() of the month, when the caller computed it once
    for many organisations."""
    if components is None:
        components = uptime.component_months(data.month, data.outages, data.maintenances, notice=notice(), now=now)
    return uptime.organization_uptime(data.month, components, terms.component_ids, target=terms.target,
                                      bands=terms.bands)


def uptime_for(organization: Organization, month: dt.date, *, now: dt.datetime | None = None) -> uptime.MonthUptime:
    """One organisation's month as it stands (the current month: until now)."""
    now = now or timezone.now()
    data = month_data(month, now=now)
    return organization_month(data, terms_for([organization])[organization.pk], now=now)


def _last_month(today: dt.date) -> dt.date:
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def credits_settle(month: dt.date, *, now: dt.datetime | None = None, batch: int = 2000) -> int:
    """Record the month's uptime and credit for every Pro and Enterprise organisation that has
    none yet, and tell the customer admins of those owed a credit. Idempotent: a row per
    organisation and month (a unique constraint), notices keyed per organisation and month;
    a second run, or two at once, records and sends nothing more. Returns rows recorded."""
    now = now or timezone.now()
    _, end = uptime.month_bounds(month)
    if end > now:
        raise ValueError("A month is settled once it is over.")
    data = month_data(month, now=end)
    components = uptime.component_months(month, data.outages, data.maintenances, notice=notice(), now=end)
    settled = ServiceCredit.objects.filter(month=month, organization=OuterRef("pk"))
    pending = (Organization.objects.filter(tier__code__in=CREDIT_TIERS).exclude(Exists(settled))
               .select_related("tier").order_by("pk"))
    recorded = 0
    organizations = list(pending)
    for i in range(0, len(organizations), batch):
        chunk = organizations[i:i + batch]
        terms = terms_for(chunk)
        with transaction.atomic():
            rows, owed = [], []
            for organization in chunk:
                result = organization_month(data, terms[organization.pk], now=end, components=components)
                rows.append(ServiceCredit(
                    organization=organization, month=month, uptime_percent=result.uptime_percent,
                    target_percent=result.target_percent, downtime_minutes=result.downtime_minutes,
                    excluded_maintenance_minutes=result.excluded_maintenance_minutes,
                    credit_percent=result.credit_percent, computed_at=now))
                if result.incident_ids:
                    owed.append((organization, result))
            ServiceCredit.objects.bulk_create(rows, ignore_conflicts=True)
            recorded += len(rows)
            if owed:
                _link_incidents_and_tell(month, owed)
    return recorded


def _link_incidents_and_tell(month: dt.date, results) -> None:
    credits = {c.organization_id: c for c in ServiceCredit.objects.filter(
        month=month, organization__in=[o for o, _ in results])}
    pairs = [(credits[o.pk].pk, i) for o, r in results for i in r.incident_ids if o.pk in credits]
    _link(pairs)
    owed = [(o, r) for o, r in results if r.credit_percent]
    admins: dict[int, list] = {}
    for admin in (User.objects.filter(organization__in=[o for o, _ in owed], customer_role="admin", is_active=True)
                  .exclude(email="").order_by("pk")):  # one query for the batch, not one per organisation
        admins.setdefault(admin.organization_id, []).append(admin)
    specs = []
    for organization, result in owed:
        for admin in admins.get(organization.pk, []):
            specs.append({"key": f"service_credit:{organization.pk}:{month:%Y-%m}:email:{admin.email}",
                          "channel": "email", "recipient": admin.email, "template": "service_credit",
                          "context": {"organization": organization.name, "month": f"{month:%B %Y}",
                                      "uptime_percent": str(result.uptime_percent),
                                      "target_percent": str(result.target_percent),
                                      "credit_percent": str(result.credit_percent),
                                      "downtime_minutes": str(result.downtime_minutes),
                                      "audience": "customer"}})
    notification_enqueue_many(specs)


def _link(pairs: list[tuple[int, int]]) -> None:
    """(credit, incident) rows. On PostgreSQL one INSERT from two arrays: a bad month links
    every organisation to a dozen incidents, and building 150,000 through-model objects took 5 of
    a 10,000-organisation run's 17 s (bench/status.py)."""
    through = ServiceCredit.incidents.through
    if not pairs:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {through._meta.db_table} (servicecredit_id, incident_id) "
                           "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING",
                           [[c for c, _ in pairs], [i for _, i in pairs]])
        return
    through.objects.bulk_create([through(servicecredit_id=c, incident_id=i) for c, i in pairs],
                                ignore_conflicts=True)


def credits_settle_last_month(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return credits_settle(_last_month(now.date()), now=now)
