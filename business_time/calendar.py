"""Coverage calendars and business-time arithmetic (pure Python, no Django): the one calendar
module of the project. SLA clocks use its instants (coverage hours, ``h``/``d``/``w`` targets);
onboarding plans and the check-in cadence use its dates (business days, months), each with the
holidays configured for that use (SLA: none by default; meetings: public holidays).

Rules (docs: DESIGN.md "SLA semantics"):

* A calendar is either 24/7 (every real second counts; plain UTC arithmetic, so DST never
  matters) or weekly: opening hours ``[start, end)`` in local wall-clock time of an IANA zone
  on some ISO weekdays, minus holiday dates (local dates, closed all day).
* Coverage is the set of real instants whose local wall-clock reading falls inside the opening
  hours of an open, non-holiday local date. Durations are real elapsed time inside that set. A
  Pro day (09:00-18:00) is therefore 9 h in summer and winter. A calendar whose hours contain a
  DST change gets what the wall clock says: on 2026-03-08 a 00:00-06:00 window in
  America/Los_Angeles holds 5 real hours (02:00-03:00 never happens); on 2026-11-01 it holds
  7 (01:00-02:00 happens twice, both passes are open, compared as UTC instants).
* An instant exactly at opening is inside, exactly at closing is outside. A start outside
  coverage begins at the next opening; adding nothing returns that effective start.
* ``h``: hours of coverage. ``d``: the same local wall-clock time on the Nth following
  business day (a weekday of the calendar, not a holiday, with some coverage), counted from the
  effective start; 24 real hours on 24/7. ``w``: as many ``d`` as the calendar has open
  weekdays (5 for Mon-Fri); 7 x 24 h on 24/7.
* "Same local time" when the wall clock misbehaves (DST choices, chosen so that ``add`` stays
  monotonic in its start):
  - the time does not exist on the target day (spring-forward gap): the result is the first
    instant after the gap (02:30 on 2026-03-08 -> 03:00 PDT). zoneinfo's fold=0 normalisation
    would give 03:30, later than 03:00 given for a start of 03:00 the day before;
  - the time happens twice on the target day: the first pass (fold=0);
  - the start itself lies in the second pass of a repeated hour: the wall clock has already
    shown those readings, so the start counts as the reading the clock reached before it was
    set back (02:00 for 2026-11-01), capped at the closing time.
  A result is always an open instant or a closing boundary.

Implementation: instants are integer microseconds since the Unix epoch. For each 64-day block
of UTC time a calendar caches the zone's offset changes (found by sampling and bisection, so
any zoneinfo zone works) and a sorted array of open intervals with prefix sums of coverage.
``is_open``/``next_opening``/``add_duration``/``coverage_between`` are then bisections; ``d`` and
``w`` use cached lists of business days per 128 local dates. Cost grows with the number of
blocks spanned, never with minutes.
"""
from __future__ import annotations

import datetime as _dt
from bisect import bisect_left, bisect_right
from functools import lru_cache
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["Calendar", "add_months"]

UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()
_US = _dt.timedelta(microseconds=1)
_ZERO = _dt.timedelta(0)
_SECOND = 1_000_000
_HOUR = 3600 * _SECOND
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY
_MAXOFF = 26 * _HOUR      # bound on any UTC offset, used to bracket searches
_BLOCK = 64 * _DAY        # UTC block of cached intervals
_MARGIN = 5 * _DAY        # offset changes are also cached this far around a block
_SAMPLE = 3 * _HOUR       # two offset changes never happen within 3 h in tzdata
_BIZ_BLOCK = 128          # local dates per cached business-day list
_MAX_BLOCKS = 512         # per calendar, about 90 years of blocks
_UNITS = ("h", "d", "w")


def add_months(day: _dt.date, months: int) -> _dt.date:
    """Same day of the month `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    import calendar as _monthly

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return _dt.date(year, month, min(day.day, _monthly.monthrange(year, month)[1]))


def _td(us: int) -> _dt.timedelta:
    return _dt.timedelta(0, 0, us)


def _from_us(us: int) -> _dt.datetime:
    return _EPOCH + _dt.timedelta(0, 0, us)


def _check_aware(at) -> None:
    if not isinstance(at, _dt.datetime):
        raise TypeError(f"expected a datetime, got {type(at).__name__}")
    if at.tzinfo is not UTC and (at.tzinfo is None or at.utcoffset() is None):
        raise ValueError(f"naive datetime {at!r}: pass a timezone-aware datetime")


def _to_us(at: _dt.datetime) -> int:
    _check_aware(at)
    return (at - _EPOCH) // _US


def _to_utc(at: _dt.datetime) -> _dt.datetime:
    _check_aware(at)
    return at.astimezone(UTC)


def _check_amount(amount) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int, got {amount!r}")
    if amount < 0:
        raise ValueError(f"amount must not be negative, got {amount}")


def _wall_us(t: _dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _SECOND + t.microsecond


class Calendar:
    """A coverage calendar; immutable and hashable. Build once (``weekly`` interns) and reuse."""

    __slots__ = ("_key", "_hash", "_zone", "_open", "_start", "_end", "_holidays", "_weekdays",
                 "_blocks", "_tztabs", "_bizdays")

    def __init__(self, *_args, **_kwargs):
        raise TypeError("use Calendar.always() or Calendar.weekly(...)")

    @classmethod
    def _make(cls, key: tuple) -> "Calendar":
        self = object.__new__(cls)
        put = object.__setattr__
        put(self, "_key", key)
        put(self, "_hash", hash(key))
        put(self, "_blocks", {})
        put(self, "_tztabs", {})
        put(self, "_bizdays", {})
        if key[0] == "always":
            for name in ("_zone", "_open", "_start", "_end", "_holidays", "_weekdays"):
                put(self, name, None)
            return self
        _, tz, days, start, end, holidays = key
        put(self, "_zone", ZoneInfo(tz))
        put(self, "_weekdays", len(days))
        # index (ordinal - 1) % 7 is Monday=0, as date.fromordinal(1) is a Monday
        put(self, "_open", tuple(d + 1 in days for d in range(7)))
        put(self, "_start", _wall_us(start))
        put(self, "_end", _wall_us(end))
        put(self, "_holidays", frozenset(h.toordinal() - _EPOCH_ORDINAL for h in holidays))
        return self

    @classmethod
    def always(cls) -> "Calendar":
        """24/7: every real second counts (Enterprise)."""
        return _ALWAYS

    @classmethod
    def weekly(cls, tz: str, days: Iterable[int], start: _dt.time, end: _dt.time,
               holidays: Iterable[_dt.date] = ()) -> "Calendar":
        """Open ``[start, end)`` local time of zone ``tz`` on ISO weekdays ``days`` (1=Mon)."""
        if not isinstance(tz, str) or not tz:
            raise ValueError(f"time zone must be an IANA name such as 'America/Los_Angeles', got {tz!r}")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {tz!r}") from None
        days = tuple(days)
        for d in days:
            if isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7:
                raise ValueError(f"weekday {d!r} is outside 1..7 (ISO: 1=Monday, 7=Sunday)")
        if not days:
            raise ValueError("a weekly calendar needs at least one open day")
        for name, t in (("start", start), ("end", end)):
            if not isinstance(t, _dt.time) or t.tzinfo is not None:
                raise ValueError(f"{name} must be a naive datetime.time (local wall clock), got {t!r}")
        start, end = start.replace(fold=0), end.replace(fold=0)
        if start >= end:
            raise ValueError(f"opening time {start} must be before closing time {end}")
        holidays = tuple(holidays)
        for h in holidays:
            if isinstance(h, _dt.datetime) or not isinstance(h, _dt.date):
                raise ValueError(f"holiday {h!r} must be a datetime.date (a local date)")
        return _weekly(tz, tuple(sorted(set(days))), start, end, tuple(sorted(set(holidays))))

    # --- value semantics -------------------------------------------------------------------
    def __setattr__(self, name, value):
        raise AttributeError("Calendar is immutable")

    def __delattr__(self, name):
        raise AttributeError("Calendar is immutable")

    def __eq__(self, other):
        return self._key == other._key if isinstance(other, Calendar) else NotImplemented

    def __hash__(self):
        return self._hash

    def __reduce__(self):
        return (_from_key, (self._key,))

    def __repr__(self):
        if self._zone is None:
            return "Calendar.always()"
        _, tz, days, start, end, holidays = self._key
        extra = f", holidays={[h.isoformat() for h in holidays]}" if holidays else ""
        return f"Calendar.weekly({tz!r}, {list(days)}, {start}, {end}{extra})"

    @property
    def is_always(self) -> bool:
        return self._zone is None

    @property
    def tz(self) -> str | None:
        return None if self._zone is None else self._key[1]

    @property
    def days(self) -> tuple[int, ...]:
        return (1, 2, 3, 4, 5, 6, 7) if self._zone is None else self._key[2]

    @property
    def hours(self) -> tuple[_dt.time, _dt.time] | None:
        return None if self._zone is None else (self._key[3], self._key[4])

    @property
    def holidays(self) -> tuple[_dt.date, ...]:
        return () if self._zone is None else self._key[5]

    # --- business dates (local dates; onboarding plans, meetings) ---------------------------
    def is_business_date(self, day: _dt.date) -> bool:
        """A weekday of the calendar that is not a holiday (every date on 24/7)."""
        if self._zone is None:
            return True
        ordinal = day.toordinal()
        return self._open[(ordinal - 1) % 7] and (ordinal - _EPOCH_ORDINAL) not in self._holidays

    def next_business_date(self, day: _dt.date) -> _dt.date:
        """`day` itself if it is a business date, else the next one."""
        for _ in range(366):  # a calendar with an open weekday finds one within a year of holidays
            if self.is_business_date(day):
                return day
            day += _dt.timedelta(days=1)
        raise ValueError(f"no business date within a year of {day}")

    def add_business_dates(self, day: _dt.date, n: int) -> _dt.date:
        """The business date `n` business dates after (n < 0: before) the business date `day`."""
        if not self.is_business_date(day):
            raise ValueError(f"{day} is not a business day.")
        step = _dt.timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        # Day by day: holidays make whole-week jumps wrong, and plans span weeks, not years.
        while remaining:
            day += step
            if self.is_business_date(day):
                remaining -= 1
        return day

    def business_dates_between(self, start: _dt.date, end: _dt.date) -> int:
        """How many business dates `end` lies after `start` (negative if before); both business
        dates. The inverse of add_business_dates."""
        if not (self.is_business_date(start) and self.is_business_date(end)):
            raise ValueError("Both dates must be business days.")
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count, day = 0, start
        while day < end:
            day += _dt.timedelta(days=1)
            count += self.is_business_date(day)
        return sign * count

    # --- public arithmetic -----------------------------------------------------------------
    def is_open(self, at: _dt.datetime) -> bool:
        u = _to_us(at)
        if self._zone is None:
            return True
        starts, ends = self._block(u // _BLOCK)[:2]
        k = bisect_right(starts, u) - 1
        return k >= 0 and u < ends[k]

    def next_opening(self, at: _dt.datetime) -> _dt.datetime:
        if self._zone is None:
            return _to_utc(at)
        return _from_us(self._next_open(_to_us(at)))

    def add_duration(self, start: _dt.datetime, duration: _dt.timedelta) -> _dt.datetime:
        if not isinstance(duration, _dt.timedelta):
            raise TypeError(f"duration must be a timedelta, got {duration!r}")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        if self._zone is None:
            return _to_utc(start) + duration
        return _from_us(self._add_us(_to_us(start), duration // _US))

    def add(self, start: _dt.datetime, amount: int, unit: str) -> _dt.datetime:
        """The SLA target: ``amount`` of ``unit`` (h, d, w) of coverage from ``start``."""
        if unit not in _UNITS:
            raise ValueError(f"unknown unit {unit!r}: expected one of h, d, w")
        _check_amount(amount)
        if self._zone is None:
            step = _HOUR if unit == "h" else _DAY if unit == "d" else _WEEK
            return _to_utc(start) + _td(amount * step)
        u = _to_us(start)
        if unit == "h":
            return _from_us(self._add_us(u, amount * _HOUR))
        s = self._next_open(u)
        n = amount if unit == "d" else amount * self._weekdays
        return _from_us(s if n == 0 else self._same_time_after(s, n))

    def coverage_between(self, a: _dt.datetime, b: _dt.datetime) -> _dt.timedelta:
        if self._zone is None:
            span = _to_utc(b) - _to_utc(a)
            return span if span > _ZERO else _ZERO
        ua, ub = _to_us(a), _to_us(b)
        if ub <= ua:
            return _ZERO
        ca, cb = ua // _BLOCK, ub // _BLOCK
        block = self._block(ca)
        done = _covered_before(block, ua)
        if ca == cb:
            return _td(_covered_before(block, ub) - done)
        total = block[2][-1] - done
        for c in range(ca + 1, cb):
            total += self._block(c)[2][-1]
        return _td(total + _covered_before(self._block(cb), ub))

    # --- internals (integer microseconds) --------------------------------------------------
    def _block(self, c: int) -> tuple:
        block = self._blocks.get(c)
        return block if block is not None else self._build_block(c)

    def _next_open(self, u: int) -> int:
        c = u // _BLOCK
        while True:
            starts, ends = self._block(c)[:2]
            k = bisect_right(ends, u)
            if k < len(ends):
                s = starts[k]
                return s if s > u else u
            c += 1

    def _add_us(self, u: int, d: int) -> int:
        s = self._next_open(u)
        if d == 0:
            return s
        c = s // _BLOCK
        block = self._block(c)
        target = _covered_before(block, s) + d
        while True:
            cum = block[2]
            if target <= cum[-1]:
                # a target reached exactly at a closing time is due at that closing time
                j = bisect_left(cum, target) - 1
                return block[0][j] + (target - cum[j])
            target -= cum[-1]
            c += 1
            block = self._block(c)

    def _same_time_after(self, s: int, n: int) -> int:
        trans, offs = self._block(s // _BLOCK)[3:]
        k = bisect_right(trans, s)
        off = offs[k]
        local = s + off
        day = local // _DAY
        wall = local
        if k and offs[k - 1] > off and s < trans[k - 1] + offs[k - 1] - off:
            # second pass of a repeated hour: the clock already read these times once
            wall = trans[k - 1] + offs[k - 1]
        tod = min(wall - day * _DAY, self._end)
        return self._first_at_or_after(self._nth_business_day_after(day, n) * _DAY + tod)

    def _first_at_or_after(self, wall: int) -> int:
        """Earliest instant whose local reading is >= ``wall`` (a gap resolves to its end)."""
        trans, offs = self._tztab(wall // _BLOCK)
        k = bisect_right(trans, wall - _MAXOFF)
        while True:
            u = wall - offs[k]
            if k and u < trans[k - 1]:
                u = trans[k - 1]
            if k == len(trans) or u < trans[k]:
                return u
            k += 1

    def _nth_business_day_after(self, day: int, n: int) -> int:
        b = day // _BIZ_BLOCK
        days = self._business_days(b)
        i = bisect_right(days, day)
        while i + n > len(days):
            n -= len(days) - i
            b += 1
            days = self._business_days(b)
            i = 0
        return days[i + n - 1]

    def _business_days(self, b: int) -> list[int]:
        days = self._bizdays.get(b)
        if days is None:
            days = [d for d in range(b * _BIZ_BLOCK, (b + 1) * _BIZ_BLOCK)
                    if self._day_pieces(d, *self._tztab(d * _DAY // _BLOCK))]
            self._remember(self._bizdays, b, days)
        return days

    def _day_pieces(self, day: int, trans: list[int], offs: list[int]) -> list[tuple[int, int]]:
        """Open UTC intervals of local date ``day``: instants reading [start, end) that day."""
        if not self._open[(day + _EPOCH_ORDINAL - 1) % 7] or day in self._holidays:
            return []
        ws, we = day * _DAY + self._start, day * _DAY + self._end
        k = bisect_right(trans, ws - _MAXOFF)
        pieces: list[tuple[int, int]] = []
        while True:
            lo = trans[k - 1] if k else ws - _MAXOFF
            if lo >= we + _MAXOFF:
                break
            hi = trans[k] if k < len(trans) else we + _MAXOFF
            a, b = max(lo, ws - offs[k]), min(hi, we - offs[k])
            if a < b:
                if pieces and pieces[-1][1] == a:   # both passes of a repeated hour, merged
                    a = pieces.pop()[0]
                pieces.append((a, b))
            if k == len(trans):
                break
            k += 1
        return pieces

    def _offset_at(self, u: int) -> int:
        return _from_us(u).astimezone(self._zone).utcoffset() // _US

    def _tztab(self, c: int) -> tuple[list[int], list[int]]:
        """Offset changes around UTC block ``c``: offs[k] holds between trans[k-1] and trans[k]."""
        tab = self._tztabs.get(c)
        if tab is not None:
            return tab
        lo, hi = c * _BLOCK - _MARGIN, (c + 1) * _BLOCK + _MARGIN
        offset_at = self._offset_at
        trans: list[int] = []
        offs = [offset_at(lo)]
        u = lo
        while u < hi:
            prev, u = u, min(u + _SAMPLE, hi)
            off = offset_at(u)
            if off != offs[-1]:
                a, b = prev, u       # tzdata changes offsets on whole seconds
                while b - a > _SECOND:
                    mid = a + (b - a) // _SECOND // 2 * _SECOND
                    if offset_at(mid) == offs[-1]:
                        a = mid
                    else:
                        b = mid
                trans.append(b)
                offs.append(off)
        tab = (trans, offs)
        self._remember(self._tztabs, c, tab)
        return tab

    def _build_block(self, c: int) -> tuple:
        lo, hi = c * _BLOCK, (c + 1) * _BLOCK
        trans, offs = self._tztab(c)
        pieces = []
        for day in range((lo - _MAXOFF) // _DAY - 1, (hi + _MAXOFF) // _DAY + 2):
            for a, b in self._day_pieces(day, trans, offs):
                a, b = max(a, lo), min(b, hi)
                if a < b:
                    pieces.append((a, b))
        pieces.sort()
        starts: list[int] = []
        ends: list[int] = []
        cum = [0]
        for a, b in pieces:
            if ends and ends[-1] == a:
                ends[-1] = b
                cum[-1] += b - a
            else:
                starts.append(a)
                ends.append(b)
                cum.append(cum[-1] + b - a)
        block = (starts, ends, cum, trans, offs)
        self._remember(self._blocks, c, block)
        return block

    @staticmethod
    def _remember(cache: dict, key, value) -> None:
        if len(cache) >= _MAX_BLOCKS:
            cache.clear()
        cache[key] = value


def _covered_before(block: tuple, u: int) -> int:
    """Coverage inside ``block`` before instant ``u``."""
    starts, ends, cum = block[:3]
    k = bisect_right(ends, u)
    done = cum[k]
    if k < len(starts) and starts[k] < u:
        done += u - starts[k]
    return done


@lru_cache(maxsize=256)
def _weekly(tz, days, start, end, holidays) -> Calendar:
    # interned: equal calendars share one instance and so one set of caches
    return Calendar._make(("weekly", tz, days, start, end, holidays))


def _from_key(key: tuple) -> Calendar:
    return _ALWAYS if key[0] == "always" else _weekly(*key[1:])


_ALWAYS = Calendar._make(("always",))
