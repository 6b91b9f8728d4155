"""Business days for onboarding plans and the check-in cadence: Monday to Friday, minus the
configured country's public holidays (settings.MEETING_HOLIDAYS, the `holidays` package;
default US), so no kickoff, activity or check-in falls on 25 December or 1 January.

The arithmetic is the project's one calendar (business_time.calendar.Calendar, which also runs
the SLA clocks); this module only builds the meetings' calendar from settings.
"""
from __future__ import annotations

from datetime import date, time
from functools import lru_cache

import holidays as public_holidays
from django.conf import settings

from business_time.calendar import Calendar, add_months  # noqa: F401  (re-exported for the cadence)

# Holidays are computed for a window of years around today: plans and check-ins are planned
# months ahead, reviews look back a few years.
YEARS_BACK, YEARS_AHEAD = 5, 10


@lru_cache(maxsize=8)
def _calendar(country: str, subdivision: str | None, days: tuple[int, ...], year: int) -> Calendar:
    found = public_holidays.country_holidays(country, subdiv=subdivision,
                                             years=range(year - YEARS_BACK, year + YEARS_AHEAD + 1))
    c = settings.STAFF_CALENDAR
    return Calendar.weekly(c["tz"], days, time.fromisoformat(c["start"]), time.fromisoformat(c["end"]),
                           holidays=sorted(found))


def meeting_calendar() -> Calendar:
    config = settings.MEETING_HOLIDAYS
    return _calendar(config["country"], config.get("subdivision") or None, tuple(settings.STAFF_CALENDAR["days"]),
                     date.today().year)


def is_business_day(day: date) -> bool:
    return meeting_calendar().is_business_date(day)


def next_business_day(day: date) -> date:
    """`day` itself if it is a business day, else the next one."""
    return meeting_calendar().next_business_date(day)


def add_business_days(day: date, n: int) -> date:
    """The business day `n` business days after (n < 0: before) the business day `day`."""
    return meeting_calendar().add_business_dates(day, n)


def business_days_between(start: date, end: date) -> int:
    """How many business days `end` lies after `start`; the inverse of add_business_days."""
    return meeting_calendar().business_dates_between(start, end)


def why_not_a_business_day(day: date) -> str:
    """For a refusal: "falls on a weekend" or "is a public holiday (Christmas Day)"."""
    if day.isoweekday() not in settings.STAFF_CALENDAR["days"]:
        return "falls on a weekend"
    config = settings.MEETING_HOLIDAYS
    name = public_holidays.country_holidays(config["country"], subdiv=config.get("subdivision") or None,
                                            years=day.year).get(day)
    return f"is a public holiday ({name})" if name else "is not a business day"
