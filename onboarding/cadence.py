"""The guide's "Ongoing Support" cadence as dates (pure: no Django; the calendar is passed in).

From the go-live date: weekly check-ins in the first month, bi-weekly in months 2-3, monthly
after, and a quarterly business review (QBR) every quarter. Decisions (docs/onboarding.md):

- weekly: 1, 2, 3 and 4 weeks after go-live; bi-weekly: weeks 6, 8, 10 and 12;
- monthly: go-live + n months for n >= 4; in a quarter's month the QBR takes the check-in's
  place (one meeting, not two in the same week);
- QBR: go-live + 3, 6, 9, ... months;
- a date that is not a business day (a weekend, a public holiday of the meetings' calendar,
  onboarding.meeting_days) moves to the next business day.

Each occurrence has a stable slot name ("w1", "b6", "m4", "q1"), so generating the same window
twice gives the same rows, and a moved go-live replaces them one for one.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from business_time.calendar import Calendar, add_months

CHECKIN, QBR = "checkin", "qbr"
WEEKLY_WEEKS = (1, 2, 3, 4)
BIWEEKLY_WEEKS = (6, 8, 10, 12)
FIRST_MONTHLY = 4


@dataclass(frozen=True)
class Occurrence:
    slot: str
    kind: str
    day: date


# A weekend plus the holidays around it (Christmas to New Year) never moves a date further.
MAX_SHIFT = timedelta(days=10)


def occurrences(go_live: date, start: date, end: date, *, calendar: Calendar) -> Iterator[Occurrence]:
    """Every occurrence dated in [start, end] on `calendar`'s business days, in date order.
    Bounded by the window, so a rolling horizon never makes more than a horizon's worth of rows."""
    found = []
    for week in WEEKLY_WEEKS:
        found.append(Occurrence(f"w{week}", CHECKIN, go_live + timedelta(weeks=week)))
    for week in BIWEEKLY_WEEKS:
        found.append(Occurrence(f"b{week}", CHECKIN, go_live + timedelta(weeks=week)))
    month = 3
    while True:
        day = add_months(go_live, month)
        if day > end + MAX_SHIFT:
            break
        if month % 3 == 0:
            found.append(Occurrence(f"q{month // 3}", QBR, day))
        elif month >= FIRST_MONTHLY:
            found.append(Occurrence(f"m{month}", CHECKIN, day))
        month += 1
    shifted = [Occurrence(o.slot, o.kind, calendar.next_business_date(o.day)) for o in found]
    yield from sorted((o for o in shifted if start <= o.day <= end), key=lambda o: (o.day, o.slot))
