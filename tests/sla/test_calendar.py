"""Hand-written cases pinning the SLA business-time rules (DESIGN.md "SLA semantics").

Pure: no database, no Django. Every expected value is a concrete 2026 instant in UTC.
America/Los_Angeles is PST (UTC-8) until 2026-03-08 02:00 and from 2026-11-01 02:00, PDT (UTC-7)
in between.
"""
import copy
import pickle
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from business_time.calendar import Calendar

LA = ZoneInfo("America/Los_Angeles")
UTC = timezone.utc
PRO = Calendar.weekly("America/Los_Angeles", [1, 2, 3, 4, 5], time(9), time(18))
MLK_DAY = date(2026, 1, 19)  # a Monday
PRO_WITH_MLK = Calendar.weekly("America/Los_Angeles", range(1, 6), time(9), time(18), holidays=[MLK_DAY])
NIGHTS = Calendar.weekly("America/Los_Angeles", range(1, 8), time(0), time(6))  # spans both DST changes
ALWAYS = Calendar.always()


def la(*args, fold=0):
    return datetime(*args, tzinfo=LA, fold=fold)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def hours(n):
    return timedelta(hours=n)


# --- Pro: hours of coverage ----------------------------------------------------------------

def test_pro_p1_created_friday_evening_is_due_monday_1pm():
    assert PRO.add(la(2026, 1, 9, 20, 0), 4, "h") == utc(2026, 1, 12, 21, 0)  # Mon 13:00 PST


def test_pro_p2_created_tuesday_afternoon_carries_over_into_wednesday():
    # 3 h on Tuesday (15:00-18:00), 5 h on Wednesday from 09:00
    assert PRO.add(la(2026, 1, 13, 15, 0), 8, "h") == utc(2026, 1, 14, 22, 0)  # Wed 14:00 PST


def test_arrival_before_opening_starts_the_clock_at_0900():
    assert PRO.add(la(2026, 1, 13, 6, 0), 4, "h") == utc(2026, 1, 13, 21, 0)  # Tue 13:00 PST


def test_arrival_on_the_weekend_starts_the_clock_monday_0900():
    assert PRO.add(la(2026, 1, 10, 12, 0), 1, "h") == utc(2026, 1, 12, 18, 0)  # Mon 10:00 PST
    assert PRO.next_opening(la(2026, 1, 11, 23, 59)) == utc(2026, 1, 12, 17, 0)


def test_instant_exactly_at_opening_is_inside():
    assert PRO.is_open(la(2026, 1, 13, 9, 0))
    assert not PRO.is_open(la(2026, 1, 13, 8, 59, 59, 999999))
    assert PRO.next_opening(la(2026, 1, 13, 9, 0)) == utc(2026, 1, 13, 17, 0)
    assert PRO.add(la(2026, 1, 13, 9, 0), 4, "h") == utc(2026, 1, 13, 21, 0)


def test_instant_exactly_at_closing_is_outside():
    assert not PRO.is_open(la(2026, 1, 13, 18, 0))
    assert PRO.is_open(la(2026, 1, 13, 17, 59, 59, 999999))
    assert PRO.next_opening(la(2026, 1, 13, 18, 0)) == utc(2026, 1, 14, 17, 0)  # Wed 09:00
    assert PRO.add(la(2026, 1, 16, 18, 0), 1, "h") == utc(2026, 1, 19, 18, 0)  # Fri 18:00 -> Mon 10:00


def test_target_reached_exactly_at_closing_is_due_at_closing_not_next_morning():
    assert PRO.add(la(2026, 1, 12, 9, 0), 9, "h") == utc(2026, 1, 13, 2, 0)  # Mon 18:00 PST
    assert PRO.add(la(2026, 1, 16, 14, 0), 4, "h") == utc(2026, 1, 17, 2, 0)  # Fri 18:00 PST


def test_seconds_and_microseconds_are_kept():
    start = la(2026, 1, 13, 10, 15, 42, 123456)
    assert PRO.add(start, 4, "h") == utc(2026, 1, 13, 22, 15, 42, 123456)
    assert PRO.add(start, 1, "d") == utc(2026, 1, 14, 18, 15, 42, 123456)
    assert PRO.add_duration(start, timedelta(seconds=1, microseconds=7)) == utc(2026, 1, 13, 18, 15, 43, 123463)


# --- Pro: coverage days and weeks ----------------------------------------------------------

def test_one_day_is_the_same_local_time_on_the_next_business_day():
    assert PRO.add(la(2026, 3, 10, 10, 30), 1, "d") == utc(2026, 3, 11, 17, 30)  # Wed 10:30 PDT


def test_one_day_from_friday_evening_starts_monday_0900_and_is_due_tuesday_0900():
    assert PRO.add(la(2026, 1, 9, 20, 0), 1, "d") == utc(2026, 1, 13, 17, 0)


def test_days_from_friday_morning_skip_the_weekend():
    assert PRO.add(la(2026, 1, 9, 11, 0), 1, "d") == utc(2026, 1, 12, 19, 0)  # Mon 11:00
    assert PRO.add(la(2026, 1, 9, 11, 0), 3, "d") == utc(2026, 1, 14, 19, 0)  # Wed 11:00


def test_one_week_is_five_business_days_on_pro():
    assert PRO.add(la(2026, 1, 14, 10, 0), 1, "w") == utc(2026, 1, 21, 18, 0)  # next Wed 10:00
    assert PRO.add(la(2026, 1, 14, 10, 0), 1, "w") == PRO.add(la(2026, 1, 14, 10, 0), 5, "d")
    assert PRO.add(la(2026, 1, 14, 10, 0), 2, "w") == utc(2026, 1, 28, 18, 0)


def test_one_week_on_a_three_day_calendar_is_three_business_days():
    mwf = Calendar.weekly("America/Los_Angeles", [1, 3, 5], time(9), time(18))
    assert mwf.add(la(2026, 1, 12, 10, 0), 1, "w") == utc(2026, 1, 19, 18, 0)  # Mon -> next Mon
    assert mwf.add(la(2026, 1, 12, 10, 0), 1, "d") == utc(2026, 1, 14, 18, 0)  # Mon -> Wed


def test_many_weeks_land_on_the_same_weekday_and_local_time_across_dst():
    start = la(2026, 1, 14, 10, 0)
    assert PRO.add(start, 52, "w") == la(2027, 1, 13, 10, 0).astimezone(UTC)
    assert PRO.add(start, 520, "w").astimezone(LA).replace(tzinfo=None) == datetime(2036, 1, 2, 10, 0)


def test_pro_p3_response_and_p4_resolution_targets_stay_ordered():
    start = la(2026, 1, 13, 16, 0)
    dues = [PRO.add(start, 4, "h"), PRO.add(start, 8, "h"), PRO.add(start, 1, "d"),
            PRO.add(start, 3, "d"), PRO.add(start, 1, "w")]
    assert dues == sorted(dues) and len(set(dues)) == 5


# --- holidays ------------------------------------------------------------------------------

def test_a_monday_holiday_is_closed_all_day():
    assert not PRO_WITH_MLK.is_open(la(2026, 1, 19, 12, 0))
    assert PRO_WITH_MLK.next_opening(la(2026, 1, 16, 18, 0)) == utc(2026, 1, 20, 17, 0)  # Tue 09:00


def test_friday_evening_before_a_monday_holiday_is_due_tuesday_1pm():
    assert PRO_WITH_MLK.add(la(2026, 1, 16, 20, 0), 4, "h") == utc(2026, 1, 20, 21, 0)


def test_days_skip_a_monday_holiday():
    assert PRO_WITH_MLK.add(la(2026, 1, 16, 11, 0), 1, "d") == utc(2026, 1, 20, 19, 0)  # Tue 11:00
    assert PRO_WITH_MLK.add(la(2026, 1, 16, 20, 0), 1, "d") == utc(2026, 1, 21, 17, 0)  # Wed 09:00
    assert PRO_WITH_MLK.add(la(2026, 1, 14, 10, 0), 1, "w") == utc(2026, 1, 22, 18, 0)  # Thu 10:00


# --- coverage_between ----------------------------------------------------------------------

def test_coverage_between_across_a_weekend_counts_only_business_hours():
    assert PRO.coverage_between(la(2026, 1, 9, 17, 0), la(2026, 1, 12, 10, 0)) == hours(2)


def test_coverage_between_across_a_monday_holiday_skips_it():
    assert PRO_WITH_MLK.coverage_between(la(2026, 1, 16, 17, 0), la(2026, 1, 20, 10, 0)) == hours(2)
    assert PRO.coverage_between(la(2026, 1, 16, 17, 0), la(2026, 1, 20, 10, 0)) == hours(11)


def test_coverage_between_is_zero_when_the_end_is_not_after_the_start():
    assert PRO.coverage_between(la(2026, 1, 13, 12, 0), la(2026, 1, 13, 11, 0)) == timedelta(0)
    assert PRO.coverage_between(la(2026, 1, 13, 12, 0), la(2026, 1, 13, 12, 0)) == timedelta(0)
    assert ALWAYS.coverage_between(utc(2026, 1, 2), utc(2026, 1, 1)) == timedelta(0)


def test_coverage_of_pro_for_all_of_2026_is_261_business_days_of_9_hours():
    assert PRO.coverage_between(la(2026, 1, 1), la(2027, 1, 1)) == hours(261 * 9)


def test_pro_business_day_is_nine_hours_in_winter_in_summer_and_on_dst_weeks():
    for monday in (date(2026, 1, 12), date(2026, 7, 6), date(2026, 3, 9), date(2026, 11, 2)):
        day_start = datetime.combine(monday, time(0), LA)
        assert PRO.coverage_between(day_start, day_start + timedelta(days=1)) == hours(9)
    # the week of the spring change and the week of the autumn change, Sunday to Sunday
    assert PRO.coverage_between(la(2026, 3, 1), la(2026, 3, 15)) == hours(90)
    assert PRO.coverage_between(la(2026, 10, 25), la(2026, 11, 8)) == hours(90)


def test_pro_due_times_keep_local_0900_across_both_dst_weekends():
    assert PRO.add(la(2026, 3, 6, 20, 0), 4, "h") == utc(2026, 3, 9, 20, 0)  # Mon 13:00 PDT
    assert PRO.add(la(2026, 3, 6, 10, 0), 1, "d") == utc(2026, 3, 9, 17, 0)  # Mon 10:00 PDT
    assert PRO.add(la(2026, 10, 30, 10, 0), 1, "d") == utc(2026, 11, 2, 18, 0)  # Mon 10:00 PST


def test_add_duration_then_coverage_between_round_trips():
    for start in (la(2026, 1, 9, 20, 0), la(2026, 1, 13, 10, 17, 3, 5), la(2026, 3, 7, 1, 0)):
        for duration in (timedelta(0), timedelta(seconds=1), hours(9), hours(30), timedelta(days=40, microseconds=3)):
            for calendar in (PRO, PRO_WITH_MLK, NIGHTS, ALWAYS):
                due = calendar.add_duration(start, duration)
                assert calendar.coverage_between(start, due) == duration


# --- amount zero, outputs in UTC -----------------------------------------------------------

def test_add_zero_returns_the_effective_start():
    saturday = la(2026, 1, 10, 12, 0)
    for unit in ("h", "d", "w"):
        assert PRO.add(saturday, 0, unit) == utc(2026, 1, 12, 17, 0)  # Mon 09:00 PST
        assert PRO.add(la(2026, 1, 13, 10, 5, 6, 7), 0, unit) == utc(2026, 1, 13, 18, 5, 6, 7)
        assert ALWAYS.add(saturday, 0, unit) == utc(2026, 1, 10, 20, 0)
    assert PRO.add_duration(saturday, timedelta(0)) == utc(2026, 1, 12, 17, 0)


def test_results_are_in_utc_whatever_the_input_zone():
    berlin = datetime(2026, 1, 10, 5, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # Fri 20:00 PST
    for calendar in (PRO, ALWAYS):
        for result in (calendar.add(berlin, 4, "h"), calendar.add(berlin, 1, "d"), calendar.next_opening(berlin),
                       calendar.add_duration(berlin, hours(1))):
            assert result.tzinfo is UTC
    assert PRO.add(berlin, 4, "h") == utc(2026, 1, 12, 21, 0)


# --- DST on a calendar whose hours include the changes (every day 00:00-06:00 LA) ------------

def test_missing_hour_of_spring_forward_is_not_coverage():
    assert NIGHTS.coverage_between(la(2026, 3, 8), la(2026, 3, 9)) == hours(5)
    # 00:00-02:00 PST is 2 h, then the clock reads 03:00 PDT: one more hour is 04:00 PDT
    assert NIGHTS.add_duration(la(2026, 3, 8, 0, 0), hours(3)) == utc(2026, 3, 8, 11, 0)
    assert NIGHTS.is_open(utc(2026, 3, 8, 10, 0))  # 03:00 PDT


def test_repeated_hour_of_fall_back_counts_twice():
    assert NIGHTS.coverage_between(la(2026, 11, 1), la(2026, 11, 2)) == hours(7)
    # from 00:00 PDT, 3 real hours: 01:00 PDT, 01:00 PST, 02:00 PST
    assert NIGHTS.add_duration(la(2026, 11, 1, 0, 0), hours(3)) == utc(2026, 11, 1, 10, 0)


def test_instant_in_the_repeated_hour_is_a_real_utc_instant():
    first, second = la(2026, 11, 1, 1, 30), la(2026, 11, 1, 1, 30, fold=1)
    assert (first.astimezone(UTC), second.astimezone(UTC)) == (utc(2026, 11, 1, 8, 30), utc(2026, 11, 1, 9, 30))
    assert NIGHTS.coverage_between(first, second) == hours(1)
    assert NIGHTS.add_duration(second, timedelta(minutes=30)) == utc(2026, 11, 1, 10, 0)
    assert NIGHTS.next_opening(second) == utc(2026, 11, 1, 9, 30)


def test_one_day_landing_in_the_missing_hour_resolves_to_the_end_of_the_gap():
    # 02:30 does not exist on 2026-03-08; the first instant after the gap is 03:00 PDT
    assert NIGHTS.add(la(2026, 3, 7, 2, 30), 1, "d") == utc(2026, 3, 8, 10, 0)
    assert NIGHTS.add(la(2026, 3, 7, 3, 10), 1, "d") == utc(2026, 3, 8, 10, 10)  # still later


def test_one_day_landing_in_the_repeated_hour_takes_its_first_pass():
    assert NIGHTS.add(la(2026, 10, 31, 1, 30), 1, "d") == utc(2026, 11, 1, 8, 30)  # 01:30 PDT


def test_one_day_from_the_second_pass_of_the_repeated_hour_counts_from_0200():
    # 01:15 PST comes after 01:45 PDT; its due time must not come before 01:45 PST next day
    assert NIGHTS.add(la(2026, 11, 1, 1, 45), 1, "d") == utc(2026, 11, 2, 9, 45)  # 01:45 PST
    assert NIGHTS.add(la(2026, 11, 1, 1, 15, fold=1), 1, "d") == utc(2026, 11, 2, 10, 0)  # 02:00 PST


def test_a_day_whose_hours_fall_in_the_missing_hour_is_not_a_business_day():
    in_gap = Calendar.weekly("America/Los_Angeles", range(1, 8), time(2), time(2, 30))
    assert in_gap.coverage_between(la(2026, 3, 8), la(2026, 3, 9)) == timedelta(0)
    assert in_gap.next_opening(la(2026, 3, 8, 0, 0)) == utc(2026, 3, 9, 9, 0)  # Mar 9 02:00 PDT
    assert in_gap.add(la(2026, 3, 7, 2, 10), 1, "d") == utc(2026, 3, 9, 9, 10)


# --- 24/7 ----------------------------------------------------------------------------------

def test_enterprise_counts_every_real_second_across_spring_forward():
    start = la(2026, 3, 8, 0, 0)  # 08:00 UTC; the local day has only 23 hours
    assert ALWAYS.add(start, 24, "h") == utc(2026, 3, 9, 8, 0)
    assert ALWAYS.add(start, 1, "d") == utc(2026, 3, 9, 8, 0)


def test_enterprise_counts_every_real_second_across_fall_back():
    start = la(2026, 11, 1, 0, 0)  # 07:00 UTC; the local day has 25 hours
    assert ALWAYS.add(start, 1, "d") == utc(2026, 11, 2, 7, 0)
    assert ALWAYS.coverage_between(start, la(2026, 11, 2, 0, 0)) == hours(25)


def test_enterprise_week_is_seven_times_24_hours_and_never_closed():
    start = la(2026, 1, 10, 3, 4, 5, 6)  # Saturday night
    assert ALWAYS.is_open(start) and ALWAYS.is_always and not PRO.is_always
    assert ALWAYS.next_opening(start) == utc(2026, 1, 10, 11, 4, 5, 6)
    assert ALWAYS.add(start, 1, "w") == utc(2026, 1, 17, 11, 4, 5, 6)
    assert ALWAYS.add(start, 72, "h") == utc(2026, 1, 13, 11, 4, 5, 6)


# --- validation and value semantics --------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"start": time(18), "end": time(9)}, "before closing"),
    ({"start": time(9), "end": time(9)}, "before closing"),
    ({"tz": "Mars/Olympus_Mons"}, "unknown time zone"),
    ({"tz": ""}, "time zone"),
    ({"days": [0, 1]}, "outside 1..7"),
    ({"days": [8]}, "outside 1..7"),
    ({"days": []}, "at least one open day"),
    ({"start": "09:00"}, "datetime.time"),
    ({"holidays": [datetime(2026, 1, 1)]}, "datetime.date"),
])
def test_weekly_refuses_nonsense_with_a_clear_message(kwargs, message):
    args = {"tz": "America/Los_Angeles", "days": [1, 2, 3, 4, 5], "start": time(9), "end": time(18), **kwargs}
    with pytest.raises(ValueError, match=message):
        Calendar.weekly(**args)


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 1, 13, 10, 0)
    for calendar in (PRO, ALWAYS):
        for call in (lambda: calendar.is_open(naive), lambda: calendar.next_opening(naive),
                     lambda: calendar.add(naive, 1, "h"), lambda: calendar.add_duration(naive, hours(1)),
                     lambda: calendar.coverage_between(naive, la(2026, 1, 14)),
                     lambda: calendar.coverage_between(la(2026, 1, 12), naive)):
            with pytest.raises(ValueError, match="naive"):
                call()


def test_unknown_unit_and_negative_amounts_are_refused():
    start = la(2026, 1, 13, 10, 0)
    for calendar in (PRO, ALWAYS):
        with pytest.raises(ValueError, match="unknown unit"):
            calendar.add(start, 1, "m")
        with pytest.raises(ValueError, match="unknown unit"):
            calendar.add(start, 0, "hours")
        with pytest.raises(ValueError, match="negative"):
            calendar.add(start, -1, "h")
        with pytest.raises(ValueError, match="negative"):
            calendar.add_duration(start, hours(-1))
        with pytest.raises(TypeError):
            calendar.add(start, 1.5, "h")


def test_calendar_is_immutable_hashable_and_interned():
    again = Calendar.weekly("America/Los_Angeles", (5, 4, 3, 2, 1, 1), time(9), time(18))
    assert again == PRO and hash(again) == hash(PRO) and again is PRO
    assert PRO != PRO_WITH_MLK and PRO != ALWAYS and Calendar.always() is ALWAYS
    assert len({PRO, again, ALWAYS, Calendar.always()}) == 2
    with pytest.raises(AttributeError):
        PRO._start = 0
    with pytest.raises(TypeError):
        Calendar()
    assert pickle.loads(pickle.dumps(PRO_WITH_MLK)) == PRO_WITH_MLK
    assert copy.deepcopy(ALWAYS) is ALWAYS
    assert (PRO.tz, PRO.days, PRO.hours, PRO_WITH_MLK.holidays) == (
        "America/Los_Angeles", (1, 2, 3, 4, 5), (time(9), time(18)), (MLK_DAY,))
