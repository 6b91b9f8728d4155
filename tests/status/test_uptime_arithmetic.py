"""Uptime and credits against hand-computed months (status/uptime.py, pure: no database).
Every expected figure is worked out in the comment beside it."""
import datetime as dt
import time
from decimal import Decimal

import pytest

from status.uptime import (
    Band, Maintenance, Outage, ScheduleError, check_bands, credit_for, daily_downtime, day_level, month_uptime,
)

UTC = dt.timezone.utc
NOV = dt.date(2026, 11, 1)  # 30 days = 43,200 minutes
ENTERPRISE = [Band(Decimal("99.0"), Decimal("99.9"), Decimal("10")), Band(Decimal("95.0"), Decimal("99.0"), Decimal("25")),
              Band(Decimal("0"), Decimal("95.0"), Decimal("50"))]


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


def test_overlapping_incidents_are_not_counted_twice():
    # 10:00-11:00 and 10:30-12:00 on one component, 11:30-12:30 on another: one outage 10:00-12:30 = 150 min.
    result = month_uptime(NOV, [Outage(at(2026, 11, 5, 10), at(2026, 11, 5, 11), 1, 1),
                                Outage(at(2026, 11, 5, 10, 30), at(2026, 11, 5, 12), 2, 1),
                                Outage(at(2026, 11, 5, 11, 30), at(2026, 11, 5, 12, 30), 3, 2)])
    assert result.downtime_minutes == Decimal("150.00")
    # 1 - 150 / 43,200 = 0.996527777… → 99.6527 % (rounded down)
    assert result.uptime_percent == Decimal("99.6527") and result.incident_ids == [1, 2, 3]


@pytest.mark.parametrize("hours_ahead, downtime, excluded", [(47, 120, 0), (48, 0, 120), (49, 0, 120)])
def test_maintenance_is_excluded_only_when_announced_48_hours_ahead(hours_ahead, downtime, excluded):
    start = at(2026, 11, 10, 2)
    window = Maintenance(start, start + dt.timedelta(hours=2), start - dt.timedelta(hours=hours_ahead))
    result = month_uptime(NOV, [Outage(start, start + dt.timedelta(hours=2), 7, 1)], [window])
    assert (result.downtime_minutes, result.excluded_maintenance_minutes) == (Decimal(downtime), Decimal(excluded))


def test_maintenance_excludes_only_the_components_it_names():
    start = at(2026, 11, 10, 2)
    window = Maintenance(start, start + dt.timedelta(hours=1), start - dt.timedelta(days=7), frozenset({1}))
    # Component 1 is covered; component 2's hour of outage at the same time is downtime.
    result = month_uptime(NOV, [Outage(start, start + dt.timedelta(hours=1), 1, 1),
                                Outage(start, start + dt.timedelta(hours=1), 2, 2)], [window])
    assert result.downtime_minutes == 60 and result.excluded_maintenance_minutes == 0


def test_an_incident_crossing_midnight_at_month_end_counts_in_each_month_only_its_part():
    outage = Outage(at(2026, 11, 30, 23, 0), at(2026, 12, 1, 1, 30), 4, 1)
    november = month_uptime(NOV, [outage])
    december = month_uptime(dt.date(2026, 12, 1), [outage])
    assert november.downtime_minutes == 60 and december.downtime_minutes == 90
    # December: 31 days = 44,640 min; 1 - 90/44,640 = 0.997983870… → 99.7983
    assert december.uptime_percent == Decimal("99.7983")


def test_a_leap_day_february_has_29_days():
    result = month_uptime(dt.date(2028, 2, 1), [Outage(at(2028, 2, 29, 0), at(2028, 2, 29, 12), 5, 1)])
    assert result.seconds_in_month == 29 * 86400  # 41,760 minutes
    # 1 - 720 / 41,760 = 0.982758620… → 98.2758: in Enterprise's 25 % band [95, 99)
    assert result.uptime_percent == Decimal("98.2758")
    assert credit_for(result.uptime_percent, Decimal("99.9"), ENTERPRISE) == Decimal("25")


def test_an_ongoing_incident_counts_until_now():
    result = month_uptime(NOV, [Outage(at(2026, 11, 20, 8), None, 9, 1)], now=at(2026, 11, 20, 9, 15))
    assert result.downtime_minutes == 75


def test_uptime_rounds_down_so_a_missed_target_is_never_shown_as_met():
    # 43.3 minutes down in 43,200: 99.899768… % → 99.8997, below 99.9 and owed 10 %.
    result = month_uptime(NOV, [Outage(at(2026, 11, 3, 10), at(2026, 11, 3, 10, 43, 18), 1, 1)],
                          target=Decimal("99.9"), bands=ENTERPRISE)
    assert result.uptime_percent == Decimal("99.8997") and result.met is False
    assert result.credit_percent == Decimal("10")


def test_exactly_the_target_is_met_and_owes_nothing():
    # 43.2 minutes of 43,200 is exactly 0.1 %: 99.9 % meets 99.9.
    result = month_uptime(NOV, [Outage(at(2026, 11, 3, 10), at(2026, 11, 3, 10, 43, 12), 1, 1)],
                          target=Decimal("99.9"), bands=ENTERPRISE)
    assert result.uptime_percent == Decimal("99.9000") and result.met and result.credit_percent == 0


@pytest.mark.parametrize("uptime, credit", [("99.95", "0"), ("99.8999", "10"), ("99.0", "10"), ("98.9999", "25"),
                                            ("95.0", "25"), ("94.9999", "50"), ("0", "50")])
def test_each_band_of_the_enterprise_schedule(uptime, credit):
    assert credit_for(Decimal(uptime), Decimal("99.9"), ENTERPRISE) == Decimal(credit)


def test_a_schedule_with_a_gap_is_refused():
    with pytest.raises(ScheduleError, match="Gap between 98"):
        check_bands([Band(99, Decimal("99.9"), 10), Band(0, 98, 25)], Decimal("99.9"))


def test_a_schedule_with_an_overlap_is_refused():
    with pytest.raises(ScheduleError, match="overlap"):
        check_bands([Band(99, Decimal("99.9"), 10), Band(0, Decimal("99.5"), 25)], Decimal("99.9"))


@pytest.mark.parametrize("bands, problem", [
    ([Band(99, 99.5, 10), Band(0, 99, 25)], "start at the target"),
    ([Band(99, 99.9, 10), Band(50, 99, 25)], "reach 0"),
    ([Band(99, 99.9, 25), Band(0, 99, 10)], "grow as uptime falls"),
])
def test_a_schedule_must_run_from_the_target_to_zero_with_growing_credits(bands, problem):
    with pytest.raises(ScheduleError, match=problem):
        check_bands(bands, Decimal("99.9"))


def test_no_target_means_no_credit_and_a_negotiated_target_replaces_the_tiers():
    assert credit_for(Decimal("50"), None, ENTERPRISE) == 0  # Free: no uptime SLA
    negotiated = [Band(Decimal("99.0"), Decimal("99.95"), Decimal("15")), Band(0, Decimal("99.0"), Decimal("40"))]
    assert credit_for(Decimal("99.92"), Decimal("99.95"), negotiated) == 15  # met the tier's 99.9, not the contract's
    assert credit_for(Decimal("99.92"), Decimal("99.9"), ENTERPRISE) == 0


def test_naive_times_and_outages_ending_before_they_start_are_refused():
    with pytest.raises(ValueError, match="aware"):
        month_uptime(NOV, [Outage(dt.datetime(2026, 11, 2, 10), dt.datetime(2026, 11, 2, 11))])
    with pytest.raises(ValueError, match="before it starts"):
        month_uptime(NOV, [Outage(at(2026, 11, 2, 11), at(2026, 11, 2, 10))])


def test_the_uptime_bars_split_an_outage_across_days():
    days = daily_downtime(3, dt.date(2026, 11, 3), [Outage(at(2026, 11, 1, 23), at(2026, 11, 2, 0, 10))],
                          now=at(2026, 11, 3, 12))
    assert days == [3600, 600, 0] and [day_level(s) for s in days] == ["major", "minor", "ok"]


def test_ten_thousand_organisations_settle_in_seconds():
    outages = [Outage(at(2026, 11, 1 + i % 28, i % 24), at(2026, 11, 1 + i % 28, i % 24, 30), i, i % 20) for i in range(400)]
    started = time.perf_counter()
    for org in range(10_000):
        mine = [o for o in outages[org % 20::20]]
        month_uptime(NOV, mine, target=Decimal("99.9"), bands=ENTERPRISE)
    assert time.perf_counter() - started < 10
