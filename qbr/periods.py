"""A report's period from its URL (2026-Q3, 2026-09) and whether it can be reported yet. Pure:
no Django (the figures' calendar helpers are feedback.figures')."""
from __future__ import annotations

import datetime as dt
import re

from feedback.figures import add_months, quarter_bounds

QUARTER = re.compile(r"(?P<year>\d{4})-Q(?P<quarter>[1-4])")
MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])")
FIRST_YEAR = 2000


class PeriodError(ValueError):
    """Why a period cannot be reported (shown to whoever asked)."""


def parse_quarter(text: str, *, today: dt.date) -> tuple[int, int]:
    """(year, quarter) of "YYYY-QN". A QBR is prepared during its quarter, so a quarter that has
    begun is fine; one that has not is refused."""
    match = QUARTER.fullmatch(text or "")
    if not match:
        raise PeriodError(f"{text!r} is not a quarter; write it as YYYY-QN, e.g. 2026-Q3.")
    year, quarter = int(match["year"]), int(match["quarter"])
    if year < FIRST_YEAR:
        raise PeriodError(f"There are no reports before {FIRST_YEAR}.")
    if quarter_bounds(year, quarter)[0] > today:
        raise PeriodError(f"{year} Q{quarter} has not begun: there is nothing to review yet.")
    return year, quarter


def parse_month(text: str, *, today: dt.date) -> dt.date:
    """The first day of "YYYY-MM". A monthly report covers a whole month, so only a month that
    has ended can be reported."""
    match = MONTH.fullmatch(text or "")
    if not match:
        raise PeriodError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2026-09.")
    month = dt.date(int(match["year"]), int(match["month"]), 1)
    if month.year < FIRST_YEAR:
        raise PeriodError(f"There are no reports before {FIRST_YEAR}.")
    if add_months(month, 1) > today:
        raise PeriodError(f"{month:%B %Y} has not ended: its report is made on the 1st of the month after.")
    return month


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def quarter_label(year: int, quarter: int) -> str:
    return f"{year} Q{quarter}"


def quarter_reviewed_at(day: dt.date) -> tuple[int, int]:
    """The quarter a QBR meeting on `day` reviews: the last one that ended before it."""
    return previous_quarter(day.year, (day.month - 1) // 3 + 1)


def change_percent(current: int, previous: int) -> float | None:
    """Change against the previous period in percent, one decimal; None when there was nothing
    before (growth from zero has no percentage)."""
    if not previous:
        return None
    return round((current - previous) * 100 / previous, 1)
