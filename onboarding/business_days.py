"""Business-day arithmetic for onboarding plans (pure: no Django models).

A business day is Monday to Friday (the issue: "real dates on business days"). Onboarding days
are counted in these, so "Week 2, day 1" of a plan kicked off on a Wednesday is the Wednesday
after next, and never a Saturday.
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta


def is_business_day(day: date) -> bool:
    return day.weekday() < 5


def next_business_day(day: date) -> date:
    """`day` itself if it is a business day, else the Monday after."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_business_days(day: date, n: int) -> date:
    """The business day `n` business days after (n < 0: before) the business day `day`."""
    if not is_business_day(day):
        raise ValueError(f"{day} is not a business day.")
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    # Whole weeks first: a plan spans weeks, a check-in horizon months; no day-by-day walk.
    weeks, remaining = divmod(remaining, 5)
    day += timedelta(weeks=weeks * step)
    while remaining:
        day += timedelta(days=step)
        if is_business_day(day):
            remaining -= 1
    return day


def business_days_between(start: date, end: date) -> int:
    """How many business days `end` lies after `start` (negative if before); both business days.

    The inverse of add_business_days: add_business_days(a, business_days_between(a, b)) == b.
    """
    if not (is_business_day(start) and is_business_day(end)):
        raise ValueError("Both dates must be business days.")
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5
    day = start + timedelta(weeks=weeks)
    for _ in range(extra):
        day += timedelta(days=1)
        if is_business_day(day):
            count += 1
    return sign * count


def add_months(day: date, months: int) -> date:
    """Same day of the month `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
