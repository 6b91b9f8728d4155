#!/usr/bin/env python
"""Throughput of the SLA business-time module (business_time/calendar.py) on one core.

    .venv/bin/python bench/business_time.py [--n 200000] [--repeat 3]

A realistic mix of due-time computations: the Pro calendar (Mon-Fri 09:00-18:00
America/Los_Angeles) with the guide's targets 4 h, 8 h, 1 d, 3 d, 1 w and the 24/7 Enterprise
calendar with 1 h, 2 h, 4 h, 24 h, 72 h, 1 w; start instants uniform over 2026 (nights and
weekends included, microseconds kept), half Pro, half Enterprise, fixed seed. Then
coverage_between over (start, due) pairs of the same mix. Pure Python, no database, no Django.
Calendars are built once and reused (as the service does), so the caches are warmed by one
untimed pass; the cold first pass is printed too. Target: >= 100,000 due times per second.
"""
import argparse
import random
import sys
import time
from datetime import datetime, time as clock, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from business_time.calendar import Calendar  # noqa: E402

TARGET = 100_000
SEED = 20260101
PRO = Calendar.weekly("America/Los_Angeles", [1, 2, 3, 4, 5], clock(9), clock(18))
ENTERPRISE = Calendar.always()
TARGETS = {PRO: [(4, "h"), (8, "h"), (1, "d"), (3, "d"), (1, "w")],
           ENTERPRISE: [(1, "h"), (2, "h"), (4, "h"), (24, "h"), (72, "h"), (1, "w")]}


def workload(n: int) -> list[tuple]:
    rng = random.Random(SEED)
    year_start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    year_us = 365 * 24 * 3600 * 1_000_000
    jobs = []
    for _ in range(n):
        calendar = PRO if rng.random() < 0.5 else ENTERPRISE
        amount, unit = rng.choice(TARGETS[calendar])
        start = year_start + timedelta(microseconds=rng.randrange(year_us))
        jobs.append((calendar, start, amount, unit))
    return jobs


def run_add(jobs):
    return [calendar.add(start, amount, unit) for calendar, start, amount, unit in jobs]


def run_coverage(pairs):
    return [calendar.coverage_between(a, b) for calendar, a, b in pairs]


def best_rate(fn, arg, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn(arg)
        best = min(best, time.perf_counter() - started)
    return len(arg) / best


def check(jobs, dues, spans) -> None:
    """A fast wrong answer is no result: spot-check the figures against the semantics."""
    for (calendar, start, amount, unit), due, span in zip(jobs, dues, spans):
        assert due.tzinfo is timezone.utc and due >= start
        if unit == "h":
            assert span == timedelta(hours=amount), (calendar, start, amount, unit, due, span)
        elif calendar is PRO:
            assert span == timedelta(hours=9 * amount * (5 if unit == "w" else 1)), (start, unit, due)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="computations per timed pass")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best counts")
    args = parser.parse_args()

    jobs = workload(args.n)
    started = time.perf_counter()
    dues = run_add(jobs)                       # cold: builds the calendars' caches
    cold = len(jobs) / (time.perf_counter() - started)
    pairs = [(calendar, start, due) for (calendar, start, _, _), due in zip(jobs, dues)]
    spans = run_coverage(pairs)
    # holidays-free Pro in 2026 has no closed weekday, so d and w spans are whole 9 h days
    check(jobs, dues, spans)

    add_rate = best_rate(run_add, jobs, args.repeat)
    coverage_rate = best_rate(run_coverage, pairs, args.repeat)
    pro_rate = best_rate(run_add, [j for j in jobs if j[0] is PRO], args.repeat)
    met = add_rate >= TARGET
    print(f"mix: {len(jobs)} due times, Pro {sum(j[0] is PRO for j in jobs)}, "
          f"Enterprise {sum(j[0] is ENTERPRISE for j in jobs)}, starts over 2026, seed {SEED}")
    print(f"add (due time), cold first pass: {cold:12,.0f} /s")
    print(f"add (due time), warm:            {add_rate:12,.0f} /s")
    print(f"add, Pro calendar only, warm:    {pro_rate:12,.0f} /s")
    print(f"coverage_between, warm:          {coverage_rate:12,.0f} /s")
    print(f"target >= {TARGET:,} due times/s: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
