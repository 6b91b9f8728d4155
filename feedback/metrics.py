"""The one reader of the team's figures: every page, the API, the CSV export, the monthly review
and (later) the QBR decks read them here. Computed by the database (counts, conditional
aggregates, ``percentile_cont``) from the ticket rows and feedback's stored rows, never by
looping over tickets in Python. The arithmetic on the results is ``feedback.figures`` (pure).

What each figure counts, for a period of UTC dates [start, end]:

- tickets opened, volume by severity and channel, SLA attainment: tickets *created* in it.
  Attainment per tier x severity x clock, from the ticket's stored due and stop times: met
  (stopped by its due time), breached (stopped late, or running past due), open (running and
  not yet due, or paused while waiting on the customer); tickets without a target don't count.
  ``percent_met`` = met / (met + breached): an open clock has not been judged yet.
- first response: responses *given* in it (the first public staff reply), created-to-reply.
- resolution: tickets *resolved* in it (their latest resolution), created-to-resolved, time
  waiting on the customer included (the SLA attainment is where pauses are honoured).
  Both in calendar seconds and in business seconds on the ticket's coverage calendar, read
  from ``TicketTiming``, which the event subscriber fills when they happen.
- reopen rate: of the tickets first resolved in it, the share reopened since.
- CSAT: ratings given in it; NPS: answers given in it.

Two ways to the same numbers (tests/feedback/test_tallies.py holds them equal):

- PostgreSQL, a period without an organisation: from the tallies the database keeps
  (``feedback.tallies``), which cost what the period's days and buckets cost, not its tickets.
- One organisation, or SQLite: from the rows here. Percentiles by ``percentile_cont`` on
  PostgreSQL; SQLite has none, so there the database sorts the values (ORDER BY) and
  ``figures.percentile`` interpolates them the same way.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, F, Field, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from common.replica import replica_reads
from tickets.models import Channel, SeverityCode, Ticket

from . import figures, tallies
from .models import NpsSurvey, TicketRating, TicketTiming

UTC = dt.timezone.utc
CLOCKS = {  # API name: (due field, stop field, can pause)
    "acknowledgement": ("ack_due_at", "acknowledged_at", False),
    "response": ("response_due_at", "first_response_at", False),
    "resolution": ("resolution_due_at", "resolved_at", True),
}
FRACTIONS = (0.5, 0.9)


@dataclass(frozen=True)
class Scope:
    """A period of UTC dates, both included, optionally narrowed to one tier or organisation."""
    start: dt.date
    end: dt.date
    tier_id: int | None = None
    organization_id: int | None = None

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=UTC)

    @property
    def until(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=UTC)

    def months(self) -> list[dt.date]:
        return figures.months_between(self.start, self.end)


class PercentilesCont(Aggregate):
    """PostgreSQL: percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x): both percentiles
    from one sort."""
    function = "percentile_cont"
    template = "%(function)s(ARRAY[%(fractions)s]::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fractions=FRACTIONS, **extra):
        fractions = ", ".join(repr(float(f)) for f in fractions)  # our own constants, never input
        super().__init__(expression, fractions=fractions, output_field=Field(), **extra)


def _window(qs, field: str, scope: Scope):
    return qs.filter(**{f"{field}__gte": scope.since, f"{field}__lt": scope.until})


def _narrow(qs, scope: Scope, *, via_organization: bool = False):
    if scope.organization_id is not None:
        qs = qs.filter(organization_id=scope.organization_id)
    if scope.tier_id is not None:
        qs = qs.filter(**{"organization__tier_id" if via_organization else "tier_id": scope.tier_id})
    return qs


def _by(qs, month_field: str | None, *fields: str):
    """values() grouped by month of `month_field` (when given) and `fields`."""
    if month_field:
        qs = qs.annotate(month=TruncMonth(month_field, tzinfo=UTC))
        return qs.values("month", *fields)
    return qs.values(*fields) if fields else qs


def _month(row, monthly: bool):
    return row["month"].date() if monthly else None


# --- percentiles ---------------------------------------------------------------------------------

def _percentiles(qs, time_field: str, value_fields: tuple[str, str], monthly: bool) -> dict:
    """{month or None: {value field: (p50, p90), "count": n}} of the non-null values."""
    qs = qs.filter(**{f"{value_fields[0]}__isnull": False})
    if connection.vendor == "postgresql":
        aggregates = {"count": Count("pk"), **{f: PercentilesCont(f) for f in value_fields}}
        rows = _by(qs, time_field).annotate(**aggregates).order_by() if monthly else [qs.aggregate(**aggregates)]
        out = {}
        for row in rows:
            out[_month(row, monthly)] = {"count": row["count"],
                                         **{f: tuple(row[f]) if row[f] else (None, None) for f in value_fields}}
        return out
    return _percentiles_sorted(qs, time_field, value_fields, monthly)


def _percentiles_sorted(qs, time_field, value_fields, monthly) -> dict:
    # SQLite: the database sorts, Python interpolates (see the module docstring).
    out: dict = {}
    for field in value_fields:
        groups: dict = defaultdict(list)
        for row in _by(qs, time_field if monthly else None).values(*(["month"] if monthly else []), field) \
                .order_by(*(["month"] if monthly else []), field):
            groups[_month(row, monthly)].append(row[field])
        for key, values in groups.items():
            entry = out.setdefault(key, {"count": len(values)})
            entry[field] = tuple(figures.percentile(values, f) for f in FRACTIONS)
    return out


def _duration(entry: dict | None, calendar_field: str, business_field: str) -> dict:
    entry = entry or {}
    cal = entry.get(calendar_field, (None, None))
    biz = entry.get(business_field, (None, None))
    return {"count": entry.get("count", 0),
            "calendar": {"p50_seconds": _round(cal[0]), "p90_seconds": _round(cal[1])},
            "business": {"p50_seconds": _round(biz[0]), "p90_seconds": _round(biz[1])}}


def _round(value):
    return None if value is None else round(float(value), 1)


# --- counts --------------------------------------------------------------------------------------

def _tickets(scope: Scope, monthly: bool, now: dt.datetime) -> tuple[dict, dict]:
    """Volume and SLA attainment from one scan of the period's tickets:
    ({month or None: {"by_severity", "by_channel"}}, {month or None: {(tier, severity, clock): counts}})."""
    tickets = _narrow(_window(Ticket.objects.all(), "created_at", scope), scope, via_organization=True)
    aggregates = {"n": Count("pk")}
    for clock, (due, stop, pauses) in CLOCKS.items():
        has = Q(**{f"{due}__isnull": False})
        stopped = Q(**{f"{stop}__isnull": False})
        running = has & ~stopped
        paused = Q(status="waiting_on_customer") if pauses else Q(pk__in=[])
        aggregates[f"{clock}__met"] = Count("pk", filter=has & stopped & Q(**{f"{stop}__lte": F(due)}))
        aggregates[f"{clock}__breached"] = Count("pk", filter=(has & stopped & Q(**{f"{stop}__gt": F(due)}))
                                                 | (running & ~paused & Q(**{f"{due}__lte": now})))
        aggregates[f"{clock}__open"] = Count("pk", filter=running & (paused | Q(**{f"{due}__gt": now})))
    rows = _by(tickets, "created_at" if monthly else None, "organization__tier__code", "severity", "channel") \
        .annotate(**aggregates).order_by()
    volume: dict = defaultdict(_empty_volume)
    sla: dict = defaultdict(dict)
    for row in rows:
        key = _month(row, monthly)
        volume[key]["by_severity"][row["severity"]] += row["n"]
        volume[key]["by_channel"][row["channel"]] += row["n"]
        for clock in CLOCKS:
            counts = {state: row[f"{clock}__{state}"] for state in ("met", "breached", "open")}
            if any(counts.values()):
                _add_counts(sla[key].setdefault((row["organization__tier__code"], row["severity"], clock), {}),
                            counts)
    return volume, sla


def _counts(qs, time_field: str, monthly: bool, **aggregates) -> dict:
    rows = _by(qs, time_field if monthly else None).annotate(**aggregates).order_by() if monthly \
        else [qs.aggregate(**aggregates)]
    return {_month(row, monthly): {k: row[k] or 0 for k in aggregates} for row in rows}


def _csat(scope: Scope, monthly: bool) -> dict:
    ratings = _narrow(_window(TicketRating.objects.filter(score__isnull=False), "rated_at", scope), scope)
    return _counts(ratings, "rated_at", monthly, responses=Count("pk"),
                   satisfied=Count("pk", filter=Q(score__gte=figures.CSAT_SATISFIED_FROM)))


def _nps(scope: Scope, monthly: bool) -> dict:
    answers = _narrow(_window(NpsSurvey.objects.filter(score__isnull=False), "answered_at", scope), scope)
    return _counts(answers, "answered_at", monthly, responses=Count("pk"),
                   promoters=Count("pk", filter=Q(score__gte=figures.NPS_PROMOTER_FROM)),
                   detractors=Count("pk", filter=Q(score__lte=figures.NPS_DETRACTOR_UP_TO)))


def _reopens(scope: Scope, monthly: bool) -> dict:
    timings = _narrow(_window(TicketTiming.objects.all(), "first_resolved_at", scope), scope)
    return _counts(timings, "first_resolved_at", monthly, resolved=Count("pk"),
                   reopened=Count("pk", filter=Q(reopen_count__gt=0)))


# --- the figures ---------------------------------------------------------------------------------

def _assemble(*, volume, sla, first_response, resolution, csat, nps, reopens) -> dict:
    by_severity = volume["by_severity"]
    attainment = []
    for (tier, severity, clock), counts in sorted(sla.items()):
        judged = counts["met"] + counts["breached"]
        attainment.append({"tier": tier, "severity": severity, "clock": clock, **counts,
                           "percent_met": figures.percent(counts["met"], judged)})
    csat = csat or {"responses": 0, "satisfied": 0}
    nps = nps or {"responses": 0, "promoters": 0, "detractors": 0}
    reopens = reopens or {"resolved": 0, "reopened": 0}
    return {
        "tickets_opened": sum(by_severity.values()),
        "volume": volume,
        "first_response": _duration(first_response, "first_response_seconds", "first_response_business_seconds"),
        "resolution": _duration(resolution, "resolution_seconds", "resolution_business_seconds"),
        "sla_attainment": attainment,
        "csat": {"responses": csat["responses"], "satisfied": csat["satisfied"],
                 "percent_satisfied": figures.csat_percent(csat["satisfied"], csat["responses"])},
        "nps": {"responses": nps["responses"], "promoters": nps["promoters"],
                "passives": nps["responses"] - nps["promoters"] - nps["detractors"], "detractors": nps["detractors"],
                "score": figures.nps_score(nps["promoters"], nps["detractors"], nps["responses"])},
        "reopen_rate": {"resolved": reopens["resolved"], "reopened": reopens["reopened"],
                        "percent": figures.percent(reopens["reopened"], reopens["resolved"])},
    }


def _empty_volume() -> dict:
    return {"by_severity": dict.fromkeys(SeverityCode.values, 0), "by_channel": dict.fromkeys(Channel.values, 0)}


def _durations(scope: Scope, monthly: bool) -> dict:
    timings = _narrow(TicketTiming.objects.all(), scope)
    return {
        "first_response": _percentiles(_window(timings, "first_response_at", scope), "first_response_at",
                                       ("first_response_seconds", "first_response_business_seconds"), monthly),
        "resolution": _percentiles(_window(timings, "resolved_at", scope), "resolved_at",
                                   ("resolution_seconds", "resolution_business_seconds"), monthly),
    }


@replica_reads
def by_severity(scope: Scope) -> dict[str, dict]:
    """First-response and resolution percentiles of each severity, {code: {"first_response",
    "resolution"}} (the QBR's "response time percentiles"): the same windows and rules as the
    period's, one severity at a time, from the rows (meant for one organisation's period)."""
    out = {}
    for code in SeverityCode.values:
        timings = _narrow(TicketTiming.objects.filter(severity=code), scope)
        response = _percentiles(_window(timings, "first_response_at", scope), "first_response_at",
                                ("first_response_seconds", "first_response_business_seconds"), False)
        resolution = _percentiles(_window(timings, "resolved_at", scope), "resolved_at",
                                  ("resolution_seconds", "resolution_business_seconds"), False)
        out[code] = {"first_response": _duration(response.get(None), "first_response_seconds",
                                                 "first_response_business_seconds"),
                     "resolution": _duration(resolution.get(None), "resolution_seconds",
                                             "resolution_business_seconds")}
    return out


def _tallied(scope: Scope) -> bool:
    """PostgreSQL keeps tallies (feedback.tallies); one organisation's rows are few enough to count."""
    return connection.vendor == "postgresql" and scope.organization_id is None


def _parts(scope: Scope, monthly: bool, now: dt.datetime) -> dict:
    if _tallied(scope):
        volume, sla = tallies.tickets(scope, monthly, now, CLOCKS, _empty_volume)
        csat, nps, reopens = tallies.answers(scope, monthly)
        return {"volume": volume, "sla": sla, **tallies.durations(scope, monthly, FRACTIONS), "csat": csat,
                "nps": nps, "reopens": reopens}
    volume, sla = _tickets(scope, monthly, now)
    return {"volume": volume, "sla": sla, **_durations(scope, monthly), "csat": _csat(scope, monthly),
            "nps": _nps(scope, monthly), "reopens": _reopens(scope, monthly)}


def _figures(parts: dict, key) -> dict:
    return _assemble(volume=parts["volume"].get(key) or _empty_volume(), sla=parts["sla"].get(key, {}),
                     first_response=parts["first_response"].get(key), resolution=parts["resolution"].get(key),
                     csat=parts["csat"].get(key), nps=parts["nps"].get(key), reopens=parts["reopens"].get(key))


def _add_counts(into: dict, counts: dict) -> None:
    for name, value in counts.items():
        if isinstance(value, dict):
            _add_counts(into.setdefault(name, {}), value)
        else:
            into[name] = into.get(name, 0) + value


def _totals(parts: dict, scope: Scope) -> dict:
    """The period's parts from its months': every count adds up; percentiles do not, so the
    period's are read from the database again."""
    total: dict = {"volume": {None: _empty_volume()}, "sla": {None: {}}, "csat": {None: {}}, "nps": {None: {}},
                   "reopens": {None: {}}}
    for name in total:
        for counts in parts[name].values():
            target = total[name][None]
            if name == "sla":
                for key, states in counts.items():
                    _add_counts(target.setdefault(key, {}), states)
            else:
                _add_counts(target, counts)
    if _tallied(scope):  # the tallied reader gave the period's percentiles with its months'
        total.update({name: {None: parts[name].get(None)} for name in ("first_response", "resolution")})
    else:
        total.update(_durations(scope, False))
    for name in ("csat", "nps", "reopens"):
        if not total[name][None]:
            del total[name][None]
    return total


def _cached(kind: str, scope: Scope, now: dt.datetime, fresh: bool, build):
    """The figures are a report, not a ledger: a computed answer is kept for
    FEEDBACK_METRICS_CACHE_SECONDS (a window of the clock, the same for every reader), because a
    year over a million tickets costs seconds of sorting (docs/performance.md). 0 turns it off."""
    ttl = getattr(settings, "FEEDBACK_METRICS_CACHE_SECONDS", 0)
    if fresh or not ttl:
        return build()
    key = (f"feedback.metrics:1:{kind}:{scope.start}:{scope.end}:{scope.tier_id}:{scope.organization_id}:"
           f"{int(now.timestamp() // ttl)}")
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, ttl)
    return value


@replica_reads
def compute(scope: Scope, *, now: dt.datetime | None = None, fresh: bool = False) -> dict:
    """The figures of the whole period (the API's answer). `fresh`: never from the cache."""
    now = now or timezone.now()
    return _cached("compute", scope, now, fresh, lambda: _figures(_parts(scope, False, now), None))


@replica_reads
def report(scope: Scope, *, now: dt.datetime | None = None,
           fresh: bool = False) -> tuple[dict, list[tuple[dt.date, dict]]]:
    """(the period's figures, each month's figures): the dashboard, the portal page and the CSV.
    Months cut by the period's ends count only their days inside it."""
    now = now or timezone.now()

    def build():
        if len(scope.months()) == 1:  # the period is its one month: nothing to group (half the work)
            figures_ = _figures(_parts(scope, False, now), None)
            return figures_, [(scope.months()[0], figures_)]
        parts = _parts(scope, True, now)
        months = [(month, _figures(parts, month)) for month in scope.months()]
        return _figures(_totals(parts, scope), None), months

    return _cached("report", scope, now, fresh, build)


# --- flat rows (CSV, reviews, chart series) ------------------------------------------------------

FLAT_COLUMNS = [
    "tickets_opened",
    "first_response_count", "first_response_p50_seconds", "first_response_p90_seconds",
    "first_response_business_p50_seconds", "first_response_business_p90_seconds",
    "resolution_count", "resolution_p50_seconds", "resolution_p90_seconds",
    "resolution_business_p50_seconds", "resolution_business_p90_seconds",
    "sla_met", "sla_breached", "sla_open", "sla_percent_met",
    "csat_responses", "csat_percent_satisfied", "nps_responses", "nps_score",
    "reopen_resolved", "reopen_reopened", "reopen_rate_percent",
    *[f"severity_{code}" for code in SeverityCode.values], *[f"channel_{c}" for c in Channel.values],
]
# Higher is better for these; lower for durations and the reopen rate (the review's arrows).
HIGHER_IS_BETTER = {"sla_percent_met", "csat_percent_satisfied", "nps_score"}


def flat(fig: dict) -> dict:
    """One figures dict as one row of plain values, in FLAT_COLUMNS order."""
    row = {"tickets_opened": fig["tickets_opened"]}
    for name in ("first_response", "resolution"):
        part = fig[name]
        row[f"{name}_count"] = part["count"]
        for kind, prefix in (("calendar", name), ("business", f"{name}_business")):
            row[f"{prefix}_p50_seconds"] = part[kind]["p50_seconds"]
            row[f"{prefix}_p90_seconds"] = part[kind]["p90_seconds"]
    totals = {state: sum(r[state] for r in fig["sla_attainment"]) for state in ("met", "breached", "open")}
    row.update(sla_met=totals["met"], sla_breached=totals["breached"], sla_open=totals["open"],
               sla_percent_met=figures.percent(totals["met"], totals["met"] + totals["breached"]))
    row.update(csat_responses=fig["csat"]["responses"], csat_percent_satisfied=fig["csat"]["percent_satisfied"],
               nps_responses=fig["nps"]["responses"], nps_score=fig["nps"]["score"],
               reopen_resolved=fig["reopen_rate"]["resolved"], reopen_reopened=fig["reopen_rate"]["reopened"],
               reopen_rate_percent=fig["reopen_rate"]["percent"])
    row.update({f"severity_{k}": v for k, v in fig["volume"]["by_severity"].items()})
    row.update({f"channel_{k}": v for k, v in fig["volume"]["by_channel"].items()})
    return {column: row.get(column) for column in FLAT_COLUMNS}
