"""The figures from PostgreSQL's tallies (feedback.models: TicketTally, DurationTally,
AnswerTally; kept by the triggers of migration 0003), for feedback.metrics: the same numbers as
counting the rows, at a cost that grows with the days and buckets of the period, not with its
tickets (docs/performance.md).

- Counts (volume, SLA clocks that stopped, ratings, NPS answers, reopens) are sums of daily tallies.
- Clocks still running are judged against `now`, so they are read from the tickets themselves,
  through a partial index that holds only them (their number is the open backlog).
- Percentiles stay exact, as ``percentile_cont``: the monthly histograms (plus the period's cut
  months, bucketed from their rows) place each needed rank in a bucket, using window functions;
  then the value at that rank is read from the timings in that one bucket, in order
  (an index on bucket and time). Two queries for every percentile of the request.

Only for a period without an organisation: one organisation's rows are few, and counting them is
as fast (feedback.metrics decides).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connections
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from common.replica import read_alias
from tickets.models import Ticket

from . import figures
from .models import AnswerKind, AnswerTally, DurationKind, TicketTally

UTC = dt.timezone.utc
# kind: (time column, value column) of feedback_tickettiming, as in migration 0003.
DURATIONS = {
    DurationKind.FIRST_RESPONSE: ("first_response_at", "first_response_seconds"),
    DurationKind.FIRST_RESPONSE_BUSINESS: ("first_response_at", "first_response_business_seconds"),
    DurationKind.RESOLUTION: ("resolved_at", "resolution_seconds"),
    DurationKind.RESOLUTION_BUSINESS: ("resolved_at", "resolution_business_seconds"),
}
FIGURE_OF_KIND = {  # kind: (part, value field) in feedback.metrics' structures
    DurationKind.FIRST_RESPONSE: ("first_response", "first_response_seconds"),
    DurationKind.FIRST_RESPONSE_BUSINESS: ("first_response", "first_response_business_seconds"),
    DurationKind.RESOLUTION: ("resolution", "resolution_seconds"),
    DurationKind.RESOLUTION_BUSINESS: ("resolution", "resolution_business_seconds"),
}
TALLY_COLUMN = {"acknowledgement": "ack", "response": "response", "resolution": "resolution"}  # TicketTally's
COUNTED_BY = {"first_response": DurationKind.FIRST_RESPONSE, "resolution": DurationKind.RESOLUTION}


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=UTC)


def _pieces(scope, monthly: bool) -> tuple[list[dt.date], list[tuple[object, dt.datetime, dt.datetime]]]:
    """(the period's whole months, [(group, since, until)] of the parts of months it cuts),
    a group being the month when monthly, else None."""
    whole, cut = [], []
    for month in scope.months():
        nxt = figures.add_months(month, 1)
        start, end = max(month, scope.start), min(nxt - dt.timedelta(days=1), scope.end)
        if start == month and end == nxt - dt.timedelta(days=1):
            whole.append(month)
        else:
            cut.append((month if monthly else None, _midnight(start), _midnight(end + dt.timedelta(days=1))))
    return whole, cut


# --- tickets: volume and SLA attainment ----------------------------------------------------------

def tickets(scope, monthly: bool, now: dt.datetime, clocks: dict, empty_volume) -> tuple[dict, dict]:
    """As feedback.metrics._tickets: stopped clocks from the tallies, running ones from the tickets."""
    tallies = TicketTally.objects.filter(day__gte=scope.start, day__lte=scope.end)
    if scope.tier_id is not None:
        tallies = tallies.filter(tier_id=scope.tier_id)
    sums = {"total": Sum("n"), **{f"{c}__{s}": Sum(f"{TALLY_COLUMN[c]}_{s}") for c in clocks for s in ("met", "late")}}
    group = ["tier__code", "severity", "channel"]
    if monthly:
        tallies = tallies.annotate(month=TruncMonth("day"))
        group.insert(0, "month")
    volume: dict = defaultdict(empty_volume)
    sla: dict = defaultdict(dict)
    for row in tallies.values(*group).annotate(**sums).order_by():
        key = row["month"] if monthly else None
        volume[key]["by_severity"][row["severity"]] += row["total"]
        volume[key]["by_channel"][row["channel"]] += row["total"]
        for clock in clocks:
            _add(sla[key], (row["tier__code"], row["severity"], clock),
                 {"met": row[f"{clock}__met"], "breached": row[f"{clock}__late"], "open": 0})
    for key, tier, severity, clock, counts in _running(scope, monthly, now, clocks):
        _add(sla[key], (tier, severity, clock), counts)
    for key in list(sla):
        sla[key] = {k: v for k, v in sla[key].items() if any(v.values())}
    return volume, sla


def _running(scope, monthly: bool, now: dt.datetime, clocks: dict):
    """The period's clocks still running: breached once past due (unless paused), else open."""
    running_any = Q()
    aggregates = {}
    for clock, (due, stop, pauses) in clocks.items():
        running = Q(**{f"{due}__isnull": False, f"{stop}__isnull": True})
        running_any |= running
        paused = Q(status="waiting_on_customer") if pauses else Q(pk__in=[])
        aggregates[f"{clock}__breached"] = Count("pk", filter=running & ~paused & Q(**{f"{due}__lte": now}))
        aggregates[f"{clock}__open"] = Count("pk", filter=running & (paused | Q(**{f"{due}__gt": now})))
    # The filter is the partial index's predicate (ticket_clock_running), so PostgreSQL reads only it.
    rows = Ticket.objects.filter(running_any, created_at__gte=_midnight(scope.start),
                                 created_at__lt=_midnight(scope.end + dt.timedelta(days=1)))
    if scope.tier_id is not None:
        rows = rows.filter(organization__tier_id=scope.tier_id)
    group = ["organization__tier__code", "severity"]
    if monthly:
        rows = rows.annotate(month=TruncMonth("created_at", tzinfo=UTC))
        group.insert(0, "month")
    for row in rows.values(*group).annotate(**aggregates).order_by():
        key = row["month"].date() if monthly else None
        for clock in clocks:
            yield key, row["organization__tier__code"], row["severity"], clock, {
                "met": 0, "breached": row[f"{clock}__breached"], "open": row[f"{clock}__open"]}


def _add(into: dict, key, counts: dict) -> None:
    entry = into.setdefault(key, {"met": 0, "breached": 0, "open": 0})
    for state, value in counts.items():
        entry[state] += value


# --- ratings, NPS answers, reopens ---------------------------------------------------------------

def answers(scope, monthly: bool) -> tuple[dict, dict, dict]:
    """({group: csat counts}, {group: nps counts}, {group: reopen counts}), as feedback.metrics'."""
    tallies = AnswerTally.objects.filter(day__gte=scope.start, day__lte=scope.end)
    if scope.tier_id is not None:
        tallies = tallies.filter(tier_id=scope.tier_id)
    group = ["kind", "value"]
    if monthly:
        tallies = tallies.annotate(month=TruncMonth("day"))
        group.insert(0, "month")
    csat: dict = {}
    nps: dict = {}
    reopens: dict = {}
    for row in tallies.values(*group).annotate(total=Sum("n")).order_by():
        key, value, n = (row["month"] if monthly else None), row["value"], row["total"]
        if not n:
            continue
        if row["kind"] == AnswerKind.CSAT:
            entry = csat.setdefault(key, {"responses": 0, "satisfied": 0})
            entry["responses"] += n
            entry["satisfied"] += n if value >= figures.CSAT_SATISFIED_FROM else 0
        elif row["kind"] == AnswerKind.NPS:
            entry = nps.setdefault(key, {"responses": 0, "promoters": 0, "detractors": 0})
            entry["responses"] += n
            entry["promoters"] += n if value >= figures.NPS_PROMOTER_FROM else 0
            entry["detractors"] += n if value <= figures.NPS_DETRACTOR_UP_TO else 0
        elif row["kind"] == AnswerKind.REOPEN:
            entry = reopens.setdefault(key, {"resolved": 0, "reopened": 0})
            entry["resolved"] += n
            entry["reopened"] += n if value else 0
    return csat, nps, reopens


# --- percentiles ---------------------------------------------------------------------------------

def durations(scope, monthly: bool, fractions) -> dict:
    """{"first_response": {group: {field: (p50, p90), "count": n}}, "resolution": {...}}, exact.
    Monthly, the whole period's percentiles come too, under the group None: percentiles do not
    add up from months', but the months' histograms do (GROUPING SETS, the same two queries)."""
    whole, cut = _pieces(scope, monthly)
    ranks = _locate(scope, monthly, whole, cut, fractions)
    values = _values_at(scope, monthly, ranks)
    out: dict = {"first_response": {}, "resolution": {}}
    for (group, kind), (count, wanted, _) in ranks.items():
        part, field = FIGURE_OF_KIND[kind]
        entry = out[part].setdefault(group, {"count": 0})
        if kind == COUNTED_BY[part]:
            entry["count"] = count
        entry[field] = tuple(figures.interpolate(values[(group, kind, low)], values[(group, kind, high)], weight)
                             for low, high, weight in wanted)
    for part, groups in out.items():  # a figure with values of one kind only still has both fields
        for entry in groups.values():
            for kind, (p, field) in FIGURE_OF_KIND.items():
                if p == part:
                    entry.setdefault(field, (None, None))
    return out


# The timings' time columns, each with the kinds measured at it (one scan reads both).
BY_TIME = {"first_response_at": (DurationKind.FIRST_RESPONSE, DurationKind.FIRST_RESPONSE_BUSINESS),
           "resolved_at": (DurationKind.RESOLUTION, DurationKind.RESOLUTION_BUSINESS)}


def _cut_rows(cut, tier_id) -> tuple[list[str], list]:
    """The cut months' timings as (group, kind, bucket, n): read through the covering indexes on
    the time columns (index-only); one scan per time column counts both kinds measured at it,
    as pairs of buckets, which are then split (cheaper than a row per kind: measured)."""
    sql, params = [], []
    for at, (first, second) in BY_TIME.items():
        for group, since, until in cut:
            sql.append(
                f"SELECT p.grp, k.kind, k.bucket, p.n FROM (SELECT %s::date AS grp, "
                f"feedback_bucket({DURATIONS[first][1]}) AS b1, feedback_bucket({DURATIONS[second][1]}) AS b2, "
                f"count(*)::int AS n FROM feedback_tickettiming WHERE {at} >= %s AND {at} < %s"
                + (" AND tier_id = %s" if tier_id is not None else "")
                + f" GROUP BY 2, 3) p, LATERAL (VALUES ({int(first)}, p.b1), ({int(second)}, p.b2)) AS k(kind, bucket) "
                "WHERE k.bucket IS NOT NULL")
            params += [group, since, until] + ([tier_id] if tier_id is not None else [])
    return sql, params


def _locate(scope, monthly: bool, whole, cut, fractions) -> dict:
    """{(group, kind): (count, [(low rank, high rank, weight) per fraction],
    {rank: (its bucket, its place in the bucket)})}."""
    parts, params = [], []
    if whole:
        parts.append(f"SELECT {'month' if monthly else 'NULL::date'} AS grp, kind, bucket, n FROM feedback_durationtally "
                     "WHERE month = ANY(%s)" + (" AND tier_id = %s" if scope.tier_id is not None else ""))
        params += [whole] + ([scope.tier_id] if scope.tier_id is not None else [])
    if cut:
        sql, p = _cut_rows(cut, scope.tier_id)
        parts += sql
        params += p
    if not parts:
        return {}
    # Each bucket with the count before it in its group and kind (window functions); only the
    # buckets holding a rank that percentile_cont needs come back: for a fraction f of `total`
    # values, ranks floor(f * (total - 1)) and the one after it.
    # Integers stay integers (count(*)::int: a bigint in the union makes every sum a numeric) and
    # the fractions are float8, not numeric: numeric arithmetic cost a fifth of this query.
    holds = " OR ".join(f"(floor({float(f)!r}::float8 * (total - 1)) < before + n AND "
                        f"floor({float(f)!r}::float8 * (total - 1)) + 1 >= before)"
                        for f in fractions)  # our own constants, never input
    # Monthly, grp is the month (never NULL) and the whole period's set comes as grp NULL.
    sets = "GROUPING SETS ((grp, kind, bucket), (kind, bucket))" if monthly else "grp, kind, bucket"
    sql = (f"WITH h AS (SELECT grp, kind, bucket, sum(n)::int AS n FROM ({' UNION ALL '.join(parts)}) u "
           f"GROUP BY {sets} HAVING sum(n) > 0), "
           "c AS (SELECT grp, kind, bucket, n, sum(n) OVER (PARTITION BY grp, kind ORDER BY bucket) - n AS before, "
           "sum(n) OVER (PARTITION BY grp, kind) AS total FROM h) "
           f"SELECT grp, kind, total, bucket, before, n FROM c WHERE {holds}")
    buckets: dict = defaultdict(list)
    with connections[read_alias()].cursor() as cursor:  # raw SQL: the router never sees it
        cursor.execute(sql, params)
        for group, kind, total, bucket, before, n in cursor.fetchall():
            buckets[(group, DurationKind(kind), int(total))].append((int(before), int(n), bucket))
    out = {}
    for (group, kind, total), held in buckets.items():
        wanted = [figures.percentile_ranks(total, f) for f in fractions]
        at = {}
        for rank in sorted({r for low, high, _ in wanted for r in (low, high)}):
            before, _, bucket = next(b for b in held if b[0] <= rank < b[0] + b[1])
            at[rank] = (bucket, rank - before)
        out[(group, kind)] = (total, wanted, at)
    return out


def _values_at(scope, monthly: bool, ranks: dict) -> dict:
    """{(group, kind, rank): value}: each read from its bucket's timings in the period, in order."""
    if not ranks:
        return {}
    branches, params = [], []
    for (group, kind), (_, _, located) in ranks.items():
        at, value = DURATIONS[kind]
        since, until = _span(scope, group, monthly)
        for bucket, first_rank, offset, count in _runs(located):
            # The ranks a percentile needs are neighbours, nearly always in one bucket: one read.
            branches.append(
                f"(SELECT %s::date AS grp, {int(kind)} AS kind, %s::bigint + row_number() OVER (ORDER BY v) - 1 AS rank, v "
                f"FROM (SELECT {value} AS v FROM feedback_tickettiming WHERE feedback_bucket({value}) = %s "
                f"AND {at} >= %s AND {at} < %s" + (" AND tier_id = %s" if scope.tier_id is not None else "")
                + f" ORDER BY {value} OFFSET %s LIMIT %s) s)")
            params += [group, first_rank, bucket, since, until] + ([scope.tier_id] if scope.tier_id is not None else [])
            params += [offset, count]
    with connections[read_alias()].cursor() as cursor:  # raw SQL: the router never sees it
        cursor.execute(" UNION ALL ".join(branches), params)
        return {(group, DurationKind(kind), int(rank)): v for group, kind, rank, v in cursor.fetchall()}


def _runs(located: dict):
    """(bucket, first rank, offset in the bucket, how many) for runs of consecutive ranks that
    share a bucket."""
    runs: list[list] = []
    for rank, (bucket, offset) in sorted(located.items()):
        last = runs[-1] if runs else None
        if last and last[0] == bucket and last[1] + last[3] == rank:
            last[3] += 1
        else:
            runs.append([bucket, rank, offset, 1])
    return [tuple(run) for run in runs]


def _span(scope, group, monthly: bool) -> tuple[dt.datetime, dt.datetime]:
    if group is None:
        return _midnight(scope.start), _midnight(scope.end + dt.timedelta(days=1))
    month_end = figures.add_months(group, 1) - dt.timedelta(days=1)
    return _midnight(max(group, scope.start)), _midnight(min(month_end, scope.end) + dt.timedelta(days=1))

