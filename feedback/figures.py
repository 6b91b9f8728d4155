"""The arithmetic of the team's figures (pure: no Django), shared by the metrics reader, the
pages, the CSV export and the monthly review. Tested without a database.

Definitions (the issue and the guide's "Continuous Improvement"):

- percentile: linear interpolation between closest ranks, as PostgreSQL's ``percentile_cont``
  (so the SQLite fallback and PostgreSQL give the same number for the same values).
- CSAT: share of ratings 4-5 among all ratings, in percent.
- NPS: % promoters (9-10) minus % detractors (0-6), from -100 to 100.
- reopen rate: tickets reopened after resolution / tickets resolved, in percent.
"""
from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence

CSAT_SCORES = range(1, 6)
CSAT_SATISFIED_FROM = 4
CSAT_LOW_UP_TO = 2
NPS_SCORES = range(0, 11)
NPS_PROMOTER_FROM = 9
NPS_DETRACTOR_UP_TO = 6


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """percentile_cont(fraction) of values already in ascending order; None when empty."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be within 0..1, got {fraction}")
    n = len(sorted_values)
    if n == 0:
        return None
    low, high, weight = percentile_ranks(n, fraction)
    return interpolate(sorted_values[low], sorted_values[high], weight)


def percentile_ranks(count: int, fraction: float) -> tuple[int, int, float]:
    """(low rank, high rank, weight of the high one), 0-based, of percentile_cont(fraction) over
    `count` values: the value is v[low] + (v[high] - v[low]) * weight. The tallied reader asks the
    database for just those two values (feedback.tallies)."""
    position = fraction * (count - 1)
    low = math.floor(position)
    return low, min(low + 1, count - 1), position - low


def interpolate(low_value: float, high_value: float, weight: float) -> float:
    return float(low_value + (high_value - low_value) * weight)


def percent(part: int, whole: int, digits: int = 1) -> float | None:
    return None if not whole else round(100.0 * part / whole, digits)


def csat_percent(satisfied: int, responses: int) -> float | None:
    return percent(satisfied, responses)


def nps_score(promoters: int, detractors: int, responses: int) -> float | None:
    """% promoters − % detractors, one decimal; None without answers."""
    if not responses:
        return None
    return round(100.0 * (promoters - detractors) / responses, 1)


def nps_group(score: int) -> str:
    if score >= NPS_PROMOTER_FROM:
        return "promoter"
    return "detractor" if score <= NPS_DETRACTOR_UP_TO else "passive"


def is_low_csat(score: int) -> bool:
    return score <= CSAT_LOW_UP_TO


def change(current, previous):
    """A figure's change from the month before (None when either side is missing)."""
    if current is None or previous is None:
        return None
    return round(current - previous, 1)


def format_duration(seconds: float | None) -> str:
    """"—", "45 min", "3 h 20 min", "2 d 4 h": short, for tables and chart labels."""
    if seconds is None:
        return "—"
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


# --- calendar periods (UTC dates) ------------------------------------------------------------------

def quarter_of(day: _dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def quarter_bounds(year: int, quarter: int) -> tuple[_dt.date, _dt.date]:
    """First and last day of a quarter."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1..4, got {quarter}")
    first = _dt.date(year, 3 * quarter - 2, 1)
    return first, add_months(first, 3) - _dt.timedelta(days=1)


def month_start(day: _dt.date) -> _dt.date:
    return day.replace(day=1)


def add_months(first_of_month: _dt.date, months: int) -> _dt.date:
    index = first_of_month.month - 1 + months
    return _dt.date(first_of_month.year + index // 12, index % 12 + 1, 1)


def months_between(start: _dt.date, end: _dt.date) -> list[_dt.date]:
    """First days of the months from start's to end's, both included."""
    out, month = [], month_start(start)
    while month <= end:
        out.append(month)
        month = add_months(month, 1)
    return out


def previous_month(today: _dt.date) -> tuple[_dt.date, _dt.date]:
    """First and last day of the month before `today`'s."""
    first = add_months(month_start(today), -1)
    return first, month_start(today) - _dt.timedelta(days=1)


MAX_RANGE_MONTHS = 24


def range_problem(start: _dt.date, end: _dt.date) -> str | None:
    """Why a metrics range is refused, or None: `to` before `from`, or longer than 2 years."""
    if end < start:
        return "`to` is before `from`."
    limit = start.replace(year=start.year + 2) if not (start.month == 2 and start.day == 29) \
        else _dt.date(start.year + 2, 2, 28)
    if end >= limit:
        return "The range is longer than 2 years; ask for at most 2 years at a time."
    return None
