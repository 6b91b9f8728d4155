"""Property tests of business_time/calendar.py against a brute-force reference.

The reference knows nothing of the module's intervals or caches: it asks zoneinfo for the local
reading of each UTC minute and applies the rule "open weekday, not a holiday, start <= local
time < end". All opening hours and every DST change of the zones used fall on whole minutes, so
openness is constant within a UTC minute and minute steps give exact coverage, even for starts
with microseconds. Instants cluster around 2026 DST changes (LA, Berlin, Lord Howe's 30-minute
shift) and a Monday holiday; spans stay within days so brute force stays fast.
"""
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st

from business_time.calendar import Calendar

UTC = timezone.utc
MINUTE = timedelta(minutes=1)
TICK = timedelta(microseconds=1)
PROPERTY = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

ZONES = ["America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]
ANCHORS = [datetime(2026, 3, 8, 10, tzinfo=UTC), datetime(2026, 11, 1, 9, tzinfo=UTC),    # LA
           datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC),   # Berlin
           datetime(2026, 4, 4, 15, tzinfo=UTC), datetime(2026, 10, 3, 15, 30, tzinfo=UTC),  # Lord Howe
           datetime(2026, 1, 17, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC)]
NEAR_DATES = sorted({(a + timedelta(days=k)).date() for a in ANCHORS for k in range(-4, 5)})

# (tz, days, start, end, holidays): the reference's own view of a calendar
FIXED_SPECS = [
    ("America/Los_Angeles", frozenset(range(1, 6)), time(9), time(18), frozenset()),            # Pro
    ("America/Los_Angeles", frozenset(range(1, 6)), time(9), time(18), frozenset({date(2026, 1, 19)})),
    ("America/Los_Angeles", frozenset(range(1, 8)), time(0), time(6), frozenset()),             # both DST hours
    ("America/Los_Angeles", frozenset(range(1, 8)), time(1, 30), time(2, 30), frozenset()),     # half in gap/fold
    ("America/Los_Angeles", frozenset(range(1, 8)), time(0), time(1, 30), frozenset()),         # closes in the fold
    ("Australia/Lord_Howe", frozenset({6, 7}), time(1), time(3), frozenset()),
]


@st.composite
def random_specs(draw):
    start = draw(st.integers(0, 46)) * 30
    end = draw(st.sampled_from([m for m in range(30, 1440, 30) if m > start] + [1439]))
    return (draw(st.sampled_from(ZONES)), frozenset(draw(st.sets(st.integers(1, 7), min_size=1))),
            time(start // 60, start % 60), time(end // 60, end % 60),
            frozenset(draw(st.sets(st.sampled_from(NEAR_DATES), max_size=3))))


specs = st.one_of(st.sampled_from(FIXED_SPECS), random_specs())
micros = st.one_of(st.just(0), st.integers(0, 59_999_999))
# anchors sit on DST changes; instants land near them, or whole days before and after them
minutes = st.one_of(st.integers(-3 * 1440, 3 * 1440),
                    st.builds(lambda d, m: d * 1440 + m, st.integers(-3, 3), st.integers(-180, 180)))
instants = st.builds(lambda anchor, m, us: anchor + timedelta(minutes=m, microseconds=us),
                     st.sampled_from(ANCHORS), minutes, micros)
spans = st.builds(lambda m, us: timedelta(minutes=m, microseconds=us),
                  st.one_of(st.integers(-60, 120), st.integers(-60, 3 * 1440)), micros)


def calendar(spec) -> Calendar:
    tz, days, start, end, holidays = spec
    return Calendar.weekly(tz, days, start, end, holidays)


# --- the brute-force reference -------------------------------------------------------------

def ref_is_open(spec, at: datetime) -> bool:
    tz, days, start, end, holidays = spec
    local = at.astimezone(ZoneInfo(tz))
    return local.isoweekday() in days and local.date() not in holidays and start <= local.time() < end


@lru_cache(maxsize=None)
def _open_minute(spec, minute: int) -> bool:
    return ref_is_open(spec, datetime.fromtimestamp(minute * 60, UTC))


def _minute_of(at: datetime) -> int:
    return int(at.timestamp()) // 60


def ref_coverage(spec, a: datetime, b: datetime) -> timedelta:
    total, minute = timedelta(0), _minute_of(a)
    while (lo := datetime.fromtimestamp(minute * 60, UTC)) < b:
        if _open_minute(spec, minute):
            total += min(lo + MINUTE, b) - max(lo, a)
        minute += 1
    return total


def ref_next_opening(spec, at: datetime) -> datetime:
    if ref_is_open(spec, at):
        return at
    minute = _minute_of(at) + 1
    for _ in range(40 * 1440):
        if _open_minute(spec, minute):
            return datetime.fromtimestamp(minute * 60, UTC)
        minute += 1
    raise AssertionError("no opening within 40 days")


@lru_cache(maxsize=None)
def ref_is_business_day(spec, day: date) -> bool:
    tz = ZoneInfo(spec[0])
    midnight = datetime.combine(day, time(0)).replace(tzinfo=UTC)
    return any(_open_minute(spec, m) and datetime.fromtimestamp(m * 60, tz).date() == day
               for m in range(_minute_of(midnight) - 15 * 60, _minute_of(midnight) + 39 * 60))


def open_or_closing(spec, at: datetime) -> bool:
    return ref_is_open(spec, at) or ref_is_open(spec, at - TICK)


# --- properties ----------------------------------------------------------------------------

@PROPERTY
@given(specs, instants, spans)
def test_coverage_between_matches_brute_force(spec, a, span):
    assert calendar(spec).coverage_between(a, a + span) == ref_coverage(spec, a, a + span)


@PROPERTY
@given(specs, instants)
def test_is_open_and_next_opening_match_brute_force(spec, at):
    cal = calendar(spec)
    assert cal.is_open(at) == ref_is_open(spec, at)
    assert cal.next_opening(at) == ref_next_opening(spec, at)


@PROPERTY
@given(specs, instants, st.integers(0, 30 * 3600 * 10**6))
def test_add_duration_round_trips_and_is_reached_while_open(spec, start, micros):
    cal, duration = calendar(spec), timedelta(microseconds=micros)
    due = cal.add_duration(start, duration)
    assert due.tzinfo is UTC
    assert cal.coverage_between(start, due) == duration
    if due - start <= timedelta(days=4):
        assert ref_coverage(spec, start, due) == duration
    if duration:
        assert ref_is_open(spec, due - TICK)  # the target is met at the earliest instant
    else:
        assert due == ref_next_opening(spec, start)


@PROPERTY
@given(specs, instants, st.sampled_from(["h", "d", "w"]))
def test_add_is_strictly_increasing_in_amount(spec, start, unit):
    cal = calendar(spec)
    dues = [cal.add(start, amount, unit) for amount in range(4)]
    assert dues[0] == ref_next_opening(spec, start)
    assert dues == sorted(set(dues))
    if unit == "w":
        assert dues[2] == cal.add(start, 2 * len(spec[1]), "d")


@PROPERTY
@given(specs, instants, spans, st.integers(0, 3), st.sampled_from(["h", "d", "w"]))
def test_add_is_monotonic_in_start(spec, start, later_by, amount, unit):
    cal, later = calendar(spec), start + abs(later_by)
    assert cal.add(start, amount, unit) <= cal.add(later, amount, unit)


EVERY_DAY = frozenset(range(1, 8))
LA_CHANGES = [datetime(2026, 3, 8, 10, tzinfo=UTC), datetime(2026, 11, 1, 9, tzinfo=UTC)]
DST_CASES = [  # calendars open across a DST change, with the UTC instants of their zone's changes
    (("America/Los_Angeles", EVERY_DAY, time(0), time(6), frozenset()), LA_CHANGES),
    (("America/Los_Angeles", EVERY_DAY, time(1, 30), time(2, 30), frozenset()), LA_CHANGES),
    (("America/Los_Angeles", EVERY_DAY, time(0), time(1, 30), frozenset()), LA_CHANGES),
    (("America/Los_Angeles", EVERY_DAY, time(2, 15), time(9), frozenset()), LA_CHANGES),
    (("Europe/Berlin", EVERY_DAY, time(1), time(4), frozenset()),
     [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)]),
    (("Australia/Lord_Howe", EVERY_DAY, time(1), time(3), frozenset()),
     [datetime(2026, 4, 4, 15, tzinfo=UTC), datetime(2026, 10, 3, 15, 30, tzinfo=UTC)]),
]


@PROPERTY
@given(st.sampled_from(DST_CASES), st.integers(0, 1), st.integers(0, 2), st.integers(1, 15), micros,
       st.integers(1, 3), st.sampled_from(["h", "d", "w"]))
def test_add_is_monotonic_in_start_across_dst_changes(case, which, days_before, step, us, amount, unit):
    """A dense sweep of starts through the hours around a change (or the same hours 1-2 days
    earlier, whose "same local time" lands on the change day): due times never go backwards."""
    spec, changes = case
    cal, centre = calendar(spec), changes[which] - timedelta(days=days_before)
    starts = [centre + timedelta(minutes=m, microseconds=us) for m in range(-240, 240, step)]
    dues = [cal.add(start, amount, unit) for start in starts]
    assert dues == sorted(dues)
    assert all(open_or_closing(spec, due) for due in dues)


@PROPERTY
@given(specs, instants, spans, spans)
def test_coverage_between_is_additive(spec, a, ab, bc):
    cal = calendar(spec)
    b, c = a + abs(ab), a + abs(ab) + abs(bc)
    assert cal.coverage_between(a, b) + cal.coverage_between(b, c) == cal.coverage_between(a, c)


@PROPERTY
@given(specs, instants, st.integers(1, 3))
def test_add_days_is_the_same_local_time_on_the_nth_following_business_day(spec, start, n):
    cal, tz = calendar(spec), ZoneInfo(spec[0])
    effective = ref_next_opening(spec, start).astimezone(tz)
    due = cal.add(start, n, "d")
    assert open_or_closing(spec, due)
    due_day = due.astimezone(tz).date()
    between = [effective.date() + timedelta(days=k) for k in range(1, (due_day - effective.date()).days)]
    assert ref_is_business_day(spec, due_day)
    assert sum(ref_is_business_day(spec, day) for day in between) == n - 1
    wall = datetime.combine(due_day, effective.time())
    first, second = wall.replace(tzinfo=tz), wall.replace(tzinfo=tz, fold=1)
    plain_time = first.astimezone(UTC) == second.astimezone(UTC) and \
        first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
    repeated_start = effective.fold == 1 and effective.replace(fold=0).utcoffset() != effective.utcoffset()
    if plain_time and not repeated_start:
        assert due == first.astimezone(UTC)


@PROPERTY
@given(instants, spans, st.sampled_from(["h", "d", "w"]), st.integers(0, 80))
def test_always_counts_every_real_second(start, span, unit, amount):
    cal = Calendar.always()
    assert cal.coverage_between(start, start + span) == max(span, timedelta(0))
    step = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}[unit]
    assert cal.add(start, amount, unit) == start + amount * step
