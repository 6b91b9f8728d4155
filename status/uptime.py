"""Uptime and service credits: pure arithmetic (no Django), the rules of docs/uptime.md.

Downtime of an organisation in a UTC calendar month is the union of its outage intervals
(incidents that put a component it uses in major outage, or of major/critical impact naming
one), clipped to the month, minus the parts inside maintenance announced at least
`notice` ahead. Time is counted in whole seconds; percentages are Decimals.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

UTC = dt.timezone.utc
PLACES = Decimal("0.0001")  # uptime percent as stored: 99.9583


class ScheduleError(ValueError):
    """A credit schedule with a gap, an overlap or a band outside 0..target."""


@dataclass(frozen=True)
class Outage:
    start: dt.datetime
    end: dt.datetime | None  # None: still going on
    source_id: int | None = None  # the incident
    component_id: int | None = None


@dataclass(frozen=True)
class Maintenance:
    start: dt.datetime
    end: dt.datetime
    announced_at: dt.datetime | None
    component_ids: frozenset = frozenset()  # empty: the whole platform


@dataclass(frozen=True)
class Band:
    lower: Decimal
    upper: Decimal
    credit: Decimal


@dataclass
class MonthUptime:
    month: dt.date
    seconds_in_month: int
    downtime_seconds: int
    excluded_maintenance_seconds: int
    uptime_percent: Decimal
    target_percent: Decimal | None
    credit_percent: Decimal
    incident_ids: list[int] = field(default_factory=list)

    @property
    def downtime_minutes(self) -> Decimal:
        return (Decimal(self.downtime_seconds) / 60).quantize(Decimal("0.01"))

    @property
    def excluded_maintenance_minutes(self) -> Decimal:
        return (Decimal(self.excluded_maintenance_seconds) / 60).quantize(Decimal("0.01"))

    @property
    def met(self) -> bool | None:
        return None if self.target_percent is None else self.uptime_percent >= self.target_percent


def _aware(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (UTC), not {moment!r}")
    return moment.astimezone(UTC)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(month.year, month.month, 1, tzinfo=UTC)
    end = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def union(intervals) -> list[tuple[dt.datetime, dt.datetime]]:
    """Sorted, merged, non-overlapping intervals (touching ones merge). O(n log n)."""
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def subtract(intervals, holes) -> list[tuple[dt.datetime, dt.datetime]]:
    """intervals minus holes, both merged (from union). Linear in their lengths."""
    out, h = [], 0
    holes = list(holes)
    for start, end in intervals:
        cursor = start
        while h < len(holes) and holes[h][1] <= cursor:
            h += 1
        k = h
        while k < len(holes) and holes[k][0] < end:
            hole_start, hole_end = holes[k]
            if hole_start > cursor:
                out.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def _seconds(intervals) -> int:
    return sum(int((b - a).total_seconds()) for a, b in intervals)


def excluded_windows(maintenances, *, notice: dt.timedelta, component_id=None) -> list[tuple[dt.datetime, dt.datetime]]:
    """The maintenance windows that do not count as downtime of a component: announced at least
    `notice` before they started (exactly `notice` counts as in time), naming the component or
    the whole platform."""
    windows = []
    for m in maintenances:
        start, end = _aware(m.start, "maintenance start"), _aware(m.end, "maintenance end")
        if end <= start:
            raise ValueError("A maintenance window must end after it starts.")
        if m.component_ids and component_id is not None and component_id not in m.component_ids:
            continue
        if m.announced_at is not None and _aware(m.announced_at, "announced_at") <= start - notice:
            windows.append((start, end))
    return union(windows)


@dataclass
class ComponentMonth:
    """One component's month: its outage intervals merged (`down`), what is left of them after
    announced maintenance (`counted`), and the incidents behind them."""

    down: list[tuple[dt.datetime, dt.datetime]]
    counted: list[tuple[dt.datetime, dt.datetime]]
    sources: list[int]


def component_months(month: dt.date, outages, maintenances=(), *, notice=dt.timedelta(hours=48),
                     now: dt.datetime | None = None) -> dict:
    """{component id: ComponentMonth}. The part of the month that depends on components only,
    so a month-end run computes it once, not once per organisation."""
    month_start, month_end = month_bounds(month)
    until = min(_aware(now, "now"), month_end) if now is not None else month_end
    spans: dict = {}
    sources: dict = {}
    for outage in outages:
        start = _aware(outage.start, "outage start")
        end = _aware(outage.end, "outage end") if outage.end is not None else until
        if outage.end is not None and end < start:
            raise ValueError(f"An outage cannot end before it starts ({start} > {end}).")
        start, end = max(start, month_start), min(end, until)
        if end > start:
            spans.setdefault(outage.component_id, []).append((start, end))
            if outage.source_id is not None:
                sources.setdefault(outage.component_id, set()).add(outage.source_id)
    maintenances = list(maintenances)
    out = {}
    for component_id, intervals in spans.items():
        down = union(intervals)
        counted = subtract(down, excluded_windows(maintenances, notice=notice, component_id=component_id))
        out[component_id] = ComponentMonth(down, counted, sorted(sources.get(component_id, ())))
    return out


def organization_uptime(month: dt.date, components: dict, uses=None, *, target: Decimal | None = None,
                        bands=()) -> MonthUptime:
    """An organisation's month from component_months(): the components it uses (None: all)
    merged once, so two components down at once are one outage for the customer."""
    month_start, month_end = month_bounds(month)
    chosen = [c for cid, c in components.items() if uses is None or cid in uses]
    raw = union(span for c in chosen for span in c.down)
    counted = union(span for c in chosen for span in c.counted)
    total = int((month_end - month_start).total_seconds())
    downtime = _seconds(counted)
    uptime = uptime_percent(total, downtime)
    return MonthUptime(month=month_start.date(), seconds_in_month=total, downtime_seconds=downtime,
                       excluded_maintenance_seconds=_seconds(raw) - downtime, uptime_percent=uptime,
                       target_percent=target, credit_percent=credit_for(uptime, target, bands),
                       incident_ids=sorted({i for c in chosen for i in c.sources}))


def month_uptime(month: dt.date, outages, maintenances=(), *, notice=dt.timedelta(hours=48),
                 now: dt.datetime | None = None, target: Decimal | None = None, bands=()) -> MonthUptime:
    """One organisation's month. `outages` are the intervals of the components it uses; an
    outage still going on counts until `now` (default: the month's end). Each component's
    outages lose the announced maintenance of that component; what remains, over all the
    components, is merged once."""
    components = component_months(month, outages, maintenances, notice=notice, now=now)
    return organization_uptime(month, components, target=target, bands=bands)


def uptime_percent(total_seconds: int, downtime_seconds: int) -> Decimal:
    """100 × (1 − downtime ÷ month), rounded down to 4 places: a customer is never shown a
    target met that was missed (99.89996 is 99.8999, below 99.9)."""
    exact = Decimal(100) * (Decimal(total_seconds - downtime_seconds) / Decimal(total_seconds))
    return exact.quantize(PLACES, rounding=ROUND_FLOOR)


def check_bands(bands, target) -> list[Band]:
    """The bands sorted from the top, checked: they cover [0, target) exactly, each [lower,
    upper), no gap, no overlap, credits growing as uptime falls. No bands: no credits."""
    target = Decimal(str(target))
    ordered = sorted((Band(Decimal(str(b.lower)), Decimal(str(b.upper)), Decimal(str(b.credit))) for b in bands),
                     key=lambda b: b.upper, reverse=True)
    if not ordered:
        return []
    for band in ordered:
        if not (0 <= band.lower < band.upper <= 100):
            raise ScheduleError(f"Band {band.lower}-{band.upper} % is not a range within 0-100 %.")
        if not (0 < band.credit <= 100):
            raise ScheduleError(f"Band {band.lower}-{band.upper} %: a credit is more than 0 and at most 100 %.")
    if ordered[0].upper != target:
        raise ScheduleError(f"The first band must start at the target, {target} % (it starts at {ordered[0].upper} %).")
    for above, below in zip(ordered, ordered[1:]):
        if below.upper > above.lower:
            raise ScheduleError(f"Bands {below.lower}-{below.upper} % and {above.lower}-{above.upper} % overlap.")
        if below.upper < above.lower:
            raise ScheduleError(f"Gap between {below.upper} % and {above.lower} %: no credit is defined there.")
        if below.credit <= above.credit:
            raise ScheduleError("Credits must grow as uptime falls "
                                f"({below.credit} % below {below.upper} % is not more than {above.credit} %).")
    if ordered[-1].lower != 0:
        raise ScheduleError(f"The last band must reach 0 % (it stops at {ordered[-1].lower} %).")
    return ordered


def credit_for(uptime: Decimal, target, bands) -> Decimal:
    """The credit owed for a month's uptime: the band it falls in; at or above target, none."""
    if target is None or uptime >= Decimal(str(target)):
        return Decimal("0")
    for band in check_bands(bands, target):
        if band.lower <= uptime < band.upper:
            return band.credit
    return Decimal("0")


def daily_downtime(days: int, today: dt.date, outages, *, now: dt.datetime) -> list[int]:
    """Seconds of downtime on each of the `days` UTC days ending today (oldest first), from the
    union of the outages: the status page's uptime bars."""
    first = dt.datetime(today.year, today.month, today.day, tzinfo=UTC) - dt.timedelta(days=days - 1)
    spans = union((max(_aware(o.start, "start"), first),
                   min(_aware(o.end, "end") if o.end else now, now)) for o in outages)
    out = [0] * days
    for start, end in spans:
        day = max(0, int((start - first).total_seconds() // 86400))
        while day < days:
            day_start = first + dt.timedelta(days=day)
            day_end = day_start + dt.timedelta(days=1)
            if day_start >= end:
                break
            out[day] += int((min(end, day_end) - max(start, day_start)).total_seconds())
            day += 1
    return out


def day_level(downtime_seconds: int) -> str:
    """A day's colour on the uptime bars: none, minor (under 1 % of the day: ~14 min), major."""
    if downtime_seconds <= 0:
        return "ok"
    return "minor" if downtime_seconds < 864 else "major"
