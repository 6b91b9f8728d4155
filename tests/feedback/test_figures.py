"""The figures' arithmetic (feedback.figures): pure, no database."""
import datetime as dt

import pytest

from feedback import figures


def test_percentile_interpolates_between_ranks_like_postgres_percentile_cont():
    # percentile_cont(0.5) of 1, 2, 3, 4 is 2.5; (0.9) is 1 + 0.9 * 3 = 3.7 -> between 3 and 4
    assert figures.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert figures.percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert figures.percentile([10], 0.9) == 10
    assert figures.percentile([], 0.5) is None


def test_percentile_refuses_a_fraction_outside_zero_to_one():
    with pytest.raises(ValueError):
        figures.percentile([1], 1.5)


def test_nps_is_percent_promoters_minus_percent_detractors():
    # 5 promoters, 3 passives, 2 detractors of 10: 50 % - 20 % = 30
    assert figures.nps_score(5, 2, 10) == 30.0
    assert figures.nps_score(0, 4, 4) == -100.0
    assert figures.nps_score(0, 0, 0) is None
    assert [figures.nps_group(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter"]


def test_csat_is_the_share_of_ratings_4_and_5():
    assert figures.csat_percent(3, 4) == 75.0
    assert figures.csat_percent(0, 0) is None
    assert figures.is_low_csat(2) and not figures.is_low_csat(3)


def test_a_range_of_two_years_is_allowed_and_a_day_more_is_refused():
    start = dt.date(2025, 1, 1)
    assert figures.range_problem(start, dt.date(2026, 12, 31)) is None
    assert "2 years" in figures.range_problem(start, dt.date(2027, 1, 1))
    assert "before" in figures.range_problem(start, dt.date(2024, 12, 31))
    assert figures.range_problem(dt.date(2024, 2, 29), dt.date(2026, 2, 27)) is None


def test_quarters_and_months():
    assert figures.quarter_of(dt.date(2026, 11, 30)) == (2026, 4)
    assert figures.quarter_bounds(2026, 1) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert figures.previous_month(dt.date(2026, 1, 1)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert figures.months_between(dt.date(2026, 11, 15), dt.date(2027, 1, 2)) == [
        dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)]


def test_durations_read_short():
    assert figures.format_duration(None) == "—"
    assert figures.format_duration(45 * 60) == "45 min"
    assert figures.format_duration(3 * 3600 + 20 * 60) == "3 h 20 min"
    assert figures.format_duration(52 * 3600) == "2 d 4 h"


def test_charts_render_static_svg_without_script():
    from feedback import charts

    month = {"first_response": {"count": 1, "calendar": {"p50_seconds": 3600, "p90_seconds": 7200},
                                "business": {"p50_seconds": 1800, "p90_seconds": 3600}},
             "resolution": {"count": 0, "calendar": {"p50_seconds": None, "p90_seconds": None},
                            "business": {"p50_seconds": None, "p90_seconds": None}},
             "csat": {"percent_satisfied": 80.0}, "nps": {"score": -10.0},
             "volume": {"by_severity": {"P1": 1, "P2": 0, "P3": 2, "P4": 0}},
             "sla_attainment": [{"met": 1, "breached": 1}], "reopen_rate": {"percent": None}}
    svgs = charts.all_charts([(dt.date(2026, 3, 1), month)])
    for svg in svgs.values():
        assert svg.startswith("<svg") and "<script" not in svg
    assert ">Mar</text>" in svgs["first_response"] and ">2026</text>" in svgs["first_response"]
