"""Business-day arithmetic and the check-in cadence: no database. Meetings skip weekends and the
configured country's public holidays (default US); the cadence is pure and takes its calendar."""
from datetime import date, time, timedelta

import pytest

from business_time.calendar import Calendar, add_months
from onboarding.cadence import occurrences
from onboarding.meeting_days import (
    add_business_days, business_days_between, is_business_day, meeting_calendar, next_business_day,
)

FRIDAY = date(2026, 3, 6)
WEEKDAYS = Calendar.weekly("America/Los_Angeles", [1, 2, 3, 4, 5], time(9), time(18))


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
    slots = [(o.slot, o.kind, o.day) for o in occurrences(go_live, go_live, date(2027, 4, 30), calendar=WEEKDAYS)]
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
    found = {o.slot: o.day for o in occurrences(go_live, go_live, date(2026, 12, 31), calendar=WEEKDAYS)}
    assert found["m4"] == date(2026, 6, 1)
    assert all(day.weekday() < 5 for day in found.values())


def test_cadence_only_yields_the_window_asked_for():
    go_live = date(2026, 3, 25)
    window = list(occurrences(go_live, date(2028, 1, 1), date(2028, 3, 31), calendar=WEEKDAYS))
    assert [o.slot for o in window] == ["m22", "m23", "q8"]
    assert list(occurrences(go_live, date(2026, 3, 1), date(2026, 3, 31), calendar=WEEKDAYS)) == []


def test_meetings_skip_christmas_and_new_year_by_default():
    assert not is_business_day(date(2026, 12, 25)) and not is_business_day(date(2027, 1, 1))
    assert next_business_day(date(2026, 12, 25)) == date(2026, 12, 28)  # Friday holiday, then the weekend
    assert add_business_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert add_business_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert business_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 5  # 28 to 31 December, 4 January
    with pytest.raises(ValueError):
        add_business_days(date(2026, 12, 25), 1)


def test_the_meetings_country_is_a_setting(settings):
    settings.MEETING_HOLIDAYS = {"country": "GB", "subdivision": ""}
    assert not is_business_day(date(2025, 12, 26))  # Boxing Day: a holiday in England, not in the US
    settings.MEETING_HOLIDAYS = {"country": "US", "subdivision": ""}
    assert is_business_day(date(2025, 12, 26)) and not is_business_day(date(2026, 7, 3))  # 4 July observed


def test_a_check_in_due_on_a_public_holiday_moves_to_the_next_business_day():
    go_live = date(2026, 9, 25)  # a Friday: the QBR three months on would be Christmas Day
    found = {o.slot: o.day for o in occurrences(go_live, go_live, date(2027, 2, 28), calendar=meeting_calendar())}
    assert found["q1"] == date(2026, 12, 28)
    assert all(is_business_day(day) for day in found.values())
    # The SLA calendar is another use of the same module: its holidays are data, none by default.
    assert WEEKDAYS.is_business_date(date(2026, 12, 25))
