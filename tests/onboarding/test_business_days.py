"""Business-day arithmetic and the check-in cadence: pure functions, no database."""
from datetime import date, timedelta

import pytest

from onboarding.business_days import add_business_days, add_months, business_days_between, next_business_day
from onboarding.cadence import occurrences

FRIDAY = date(2026, 3, 6)


def test_adding_business_days_skips_weekends():
    assert add_business_days(FRIDAY, 1) == date(2026, 3, 9)
    assert add_business_days(FRIDAY, 5) == date(2026, 3, 13)
    assert add_business_days(date(2026, 3, 9), -1) == FRIDAY
    assert add_business_days(FRIDAY, 0) == FRIDAY


def test_a_weekend_is_not_a_starting_point():
    with pytest.raises(ValueError):
        add_business_days(date(2026, 3, 7), 1)
    assert next_business_day(date(2026, 3, 7)) == date(2026, 3, 9)


@pytest.mark.parametrize("n", [-23, -6, -1, 0, 1, 4, 5, 6, 19, 260])
def test_counting_business_days_is_the_inverse_of_adding_them(n):
    for start in (date(2026, 3, 2) + timedelta(days=d) for d in range(5)):
        assert business_days_between(start, add_business_days(start, n)) == n


def test_months_are_clamped_to_the_end_of_short_months():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 12, 15), 12) == date(2028, 12, 15)


def test_cadence_is_weekly_then_biweekly_then_monthly_with_a_qbr_each_quarter():
    go_live = date(2026, 3, 25)  # a Wednesday
    slots = [(o.slot, o.kind, o.day) for o in occurrences(go_live, go_live, date(2027, 4, 30))]
    assert slots[:8] == [(f"w{w}", "checkin", go_live + timedelta(weeks=w)) for w in (1, 2, 3, 4)] + [
        (f"b{w}", "checkin", go_live + timedelta(weeks=w)) for w in (6, 8, 10, 12)]
    rest = [(slot, kind) for slot, kind, _ in slots[8:]]
    # The QBR stands in for the monthly check-in in a quarter's month: one meeting, not two.
    assert rest == [("q1", "qbr"), ("m4", "checkin"), ("m5", "checkin"), ("q2", "qbr"), ("m7", "checkin"),
                    ("m8", "checkin"), ("q3", "qbr"), ("m10", "checkin"), ("m11", "checkin"), ("q4", "qbr"),
                    ("m13", "checkin")]
    assert dict((s, d) for s, _, d in slots)["q1"] == date(2026, 6, 25)


def test_cadence_dates_on_a_weekend_move_to_monday():
    go_live = date(2026, 1, 30)  # a Friday: 30 May, four months on, is a Saturday
    found = {o.slot: o.day for o in occurrences(go_live, go_live, date(2026, 12, 31))}
    assert found["m4"] == date(2026, 6, 1)
    assert all(day.weekday() < 5 for day in found.values())


def test_cadence_only_yields_the_window_asked_for():
    go_live = date(2026, 3, 25)
    window = list(occurrences(go_live, date(2028, 1, 1), date(2028, 3, 31)))
    assert [o.slot for o in window] == ["m22", "m23", "q8"]
    assert list(occurrences(go_live, date(2026, 3, 1), date(2026, 3, 31))) == []
