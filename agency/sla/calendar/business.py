"""BusinessCalendar: business hours, public holidays and business-time arithmetic."""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from . import _spec
from ._timeline import CHUNK_US, MICROSECOND, Chunk, build_chunk, from_us, instant_us, to_us

# How long the calendar may stay closed before add()/next_open() give up:
# a calendar that never opens must fail loudly, not loop forever.
MAX_CLOSED = timedelta(days=3653)
_MAX_CLOSED_US = MAX_CLOSED // MICROSECOND

# Cached chunks per calendar (~4 weeks each: 256 chunks are ~20 years).
_CHUNK_CACHE_SIZE = 256


class BusinessCalendar:
    """Opening hours of a team in one time zone, with holidays and extra shifts.

    Rules:

    * ``weekly`` maps weekday (0 = Monday … 6 = Sunday) to any number of
      ``("HH:MM", "HH:MM")`` local intervals. ``"24:00"`` is allowed as an
      end. An interval whose end is before its start runs overnight: Friday
      ``("22:00", "06:00")`` is open Friday 22:00 – Saturday 06:00.
    * An interval belongs to the day it **starts** on. A holiday (a whole
      local date in ``tz``) closes the intervals that start on that date; an
      overnight interval from the evening before runs to its end as usual.
    * ``holidays`` are extra closed dates; ``country``/``subdivision`` add the
      public holidays of the ``holidays`` package (e.g. ``"DE"``, ``"BY"``).
    * ``extra_open`` are absolute open periods (aware datetimes), open even on
      holidays — e.g. a Saturday campaign shift.
    * Clock changes: a local time that does not exist (spring forward) starts
      at the first instant after it (the transition); an ambiguous one (fall
      back) is its first occurrence (fold=0). Interval lengths are real
      elapsed time: 00:00–06:00 is 5 hours on the spring-forward night.
    * Intervals are half-open: open at the start instant, closed at the end.

    All methods take aware datetimes (naive ones raise ``ValueError``) and
    return aware UTC datetimes. Instances are immutable apart from internal
    caches; sharing one between threads is safe (a race only builds a cache
    entry twice).
    """

    def __init__(
        self,
        tz: str,
        weekly: Mapping[int, Iterable[tuple[str, str]]],
        holidays: Iterable[date] = (),
        country: str | None = None,
        subdivision: str | None = None,
        extra_open: Iterable[tuple[datetime, datetime]] = (),
    ) -> None:
        self._tz_name = tz
        self._tz = _spec.parse_tz(tz)
        self._weekly = _spec.parse_weekly(weekly)
        self._holidays = _spec.parse_holidays(holidays)
        self._country, self._subdivision = _spec.resolve_country(country, subdivision)
        self._extra_open = _spec.parse_extra_open(extra_open)
        self._extra_us = tuple((to_us(start), to_us(end)) for start, end in self._extra_open)

        has_weekly = any(self._weekly.values())
        # Without weekly hours the calendar is open only in extra_open; past
        # the last of those it never opens again, so fail at once instead of
        # scanning ten years of empty chunks on every call.
        self._open_until_us: int | None = None
        if not has_weekly:
            self._open_until_us = max((end for _, end in self._extra_us), default=None)
        self._never_open = not has_weekly and not self._extra_us
        # 24/7 with nothing closed: business time is elapsed time.
        self._always = not self._holidays and self._country is None and _covers_whole_week(self._weekly)

        self._chunks: dict[int, Chunk] = {}
        # Guards eviction only; lookups are plain dict reads, safe under the GIL.
        self._chunks_lock = threading.Lock()
        self._closed_by_year: dict[int, frozenset[date]] = {}

    # ----------------------------------------------------------------- factories

    @classmethod
    def always_open(cls) -> BusinessCalendar:
        """A 24/7 calendar (UTC, no holidays): ``add(start, d) == start + d``."""
        return cls("UTC", {day: [("00:00", "24:00")] for day in range(7)})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """Build a calendar from the JSON-friendly dict produced by :meth:`to_dict`.

        Weekday keys may be strings ("0".."6"), intervals lists, holidays ISO
        dates and extra_open pairs of ISO 8601 datetimes with offsets.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"calendar must be a mapping, got {type(data).__name__}")
        known = {"tz", "weekly", "holidays", "country", "subdivision", "extra_open"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown calendar field(s): {', '.join(map(str, unknown))}")
        if "tz" not in data:
            raise ValueError("calendar needs a 'tz' (IANA time zone name)")
        return cls(
            tz=data["tz"],
            weekly=_spec.dict_field(data, "weekly", {}),
            holidays=_spec.dict_field(data, "holidays", []),
            country=data.get("country"),
            subdivision=data.get("subdivision"),
            extra_open=_spec.dict_field(data, "extra_open", []),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable description; ``from_dict(c.to_dict()) == c``."""
        weekly: dict[str, list[list[str]]] = {}
        for day in range(7):
            weekly[str(day)] = [
                [
                    _spec.format_hhmm(start),
                    # Overnight ends are stored past midnight; write them as the
                    # next day's clock time, which is how they were given.
                    _spec.format_hhmm(end if end <= _spec.MINUTES_PER_DAY else end - _spec.MINUTES_PER_DAY),
                ]
                for start, end in self._weekly[day]
            ]
        return {
            "tz": self._tz_name,
            "weekly": weekly,
            "holidays": sorted(d.isoformat() for d in self._holidays),
            "country": self._country,
            "subdivision": self._subdivision,
            "extra_open": [[start.isoformat(), end.isoformat()] for start, end in self._extra_open],
        }

    # -------------------------------------------------------------------- basics

    @property
    def tz(self) -> str:
        """The IANA time zone name the weekly hours and holidays are in."""
        return self._tz_name

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BusinessCalendar):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        where = f" {self._country}" + (f"-{self._subdivision}" if self._subdivision else "") if self._country else ""
        return f"<BusinessCalendar {self._tz_name}{where}>"

    def _key(self) -> tuple[Any, ...]:
        extra = tuple(self._extra_us)
        return (
            self._tz_name,
            tuple(self._weekly.items()),
            self._holidays,
            self._country,
            self._subdivision,
            extra,
        )

    # ---------------------------------------------------------------- public API

    def is_open(self, t: datetime) -> bool:
        """Whether ``t`` lies inside an open interval (starts open, ends closed)."""
        us = instant_us(t, "t")
        if self._always:
            return True
        chunk = self._chunk(us // CHUNK_US)
        i = bisect_right(chunk.starts, us) - 1
        return i >= 0 and us < chunk.ends[i]

    def next_open(self, t: datetime) -> datetime:
        """``t`` (in UTC) if open, else the next instant the calendar opens."""
        us = instant_us(t, "t")
        if self._always:
            return from_us(us)
        return from_us(self._next_open_us(us))

    def add(self, start: datetime, delta: timedelta) -> datetime:
        """The instant (UTC) at which ``delta`` of business time has elapsed after ``start``.

        ``delta == 0`` gives :meth:`next_open` of ``start``. Business time that
        runs out exactly at the end of an interval gives that end, not the
        next opening. Raises ``ValueError`` for a negative delta, a naive
        ``start``, or a calendar that stays closed for ten years.
        """
        return from_us(self.add_us(instant_us(start, "start"), _spec.parse_delta(delta) // MICROSECOND))

    def add_us(self, t: int, remaining: int) -> int:
        """:meth:`add` on integer microseconds since the epoch, for callers that validated their inputs.

        The SLA recompute calls this 200,000 times per run: converting and checking the start once
        per interaction instead of once per target is a third of its time.
        """
        if self._always:
            return t + remaining
        if remaining == 0:
            return self._next_open_us(t)
        self._check_can_open(t)

        start = t
        index = t // CHUNK_US
        closed_since = t
        while True:
            starts, ends, cum_start, cum_end, total = self._chunk(index)
            # Open time in this chunk before t.
            i = bisect_right(starts, t) - 1
            if i < 0:
                before = 0
            elif t < ends[i]:
                before = cum_start[i] + t - starts[i]
            else:
                before = cum_end[i]
            target = before + remaining
            # The first interval whose cumulative end reaches the target; when
            # it reaches it exactly, the answer is that interval's end.
            j = bisect_left(cum_end, target)
            if j < len(starts):
                return starts[j] + target - cum_start[j]
            if total > before:
                closed_since = (index + 1) * CHUNK_US
            elif (index + 1) * CHUNK_US - closed_since > _MAX_CLOSED_US:
                raise ValueError(f"calendar stays closed for more than {MAX_CLOSED.days} days after {from_us(start)}")
            remaining = target - total
            index += 1
            t = index * CHUNK_US
            self._check_can_open(t)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Business time in ``[a, b)``; zero when ``b <= a``."""
        lo = instant_us(a, "a")
        hi = instant_us(b, "b")
        if hi <= lo:
            return timedelta(0)
        if self._always:
            return timedelta(microseconds=hi - lo)
        lo_index, hi_index = lo // CHUNK_US, hi // CHUNK_US
        if lo_index == hi_index:
            chunk = self._chunk(lo_index)
            return timedelta(microseconds=_open_before(chunk, hi) - _open_before(chunk, lo))
        first = self._chunk(lo_index)
        total = first.total - _open_before(first, lo)
        for index in range(lo_index + 1, hi_index):
            total += self._chunk(index).total
        total += _open_before(self._chunk(hi_index), hi)
        return timedelta(microseconds=total)

    def open_timeline_us(self, a: datetime, b: datetime) -> tuple[list[int], list[int], list[int], list[int]]:
        """The open intervals touching ``[a, b)`` as microseconds since the epoch, with prefix sums.

        Returns ``(starts, ends, cum_start, cum_end)``: sorted, non-overlapping intervals and the open
        microseconds from the first returned instant up to each start and end. For instants ``x <= y`` in
        ``[a, b)``, ``between(x, y)`` equals ``open_before(y) - open_before(x)`` where ``open_before(t)`` is
        ``cum_start[i] + t - starts[i]`` inside interval ``i`` and ``cum_end[i]`` after it — so many durations
        can be computed in bulk (e.g. in SQL) from one timeline.
        """
        lo, hi = instant_us(a, "a"), instant_us(b, "b")
        starts: list[int] = []
        ends: list[int] = []
        cum_start: list[int] = []
        cum_end: list[int] = []
        offset = 0
        for index in range(lo // CHUNK_US, hi // CHUNK_US + 1):
            chunk = self._chunk(index)
            starts.extend(chunk.starts)
            ends.extend(chunk.ends)
            cum_start.extend(offset + value for value in chunk.cum_start)
            cum_end.extend(offset + value for value in chunk.cum_end)
            offset += chunk.total
        return starts, ends, cum_start, cum_end

    def closed_dates(self, year: int) -> frozenset[date]:
        """The local dates of ``year`` that are holidays (explicit or public)."""
        cached = self._closed_by_year.get(year)
        if cached is None:
            cached = frozenset(d for d in self._holidays if d.year == year)
            if self._country is not None:
                cached |= _spec.country_holiday_dates(self._country, self._subdivision, year)
            self._closed_by_year[year] = cached
        return cached

    # ------------------------------------------------------------------ internals

    def _is_closed_day(self, day: date) -> bool:
        return day in self.closed_dates(day.year)

    def _chunk(self, index: int) -> Chunk:
        chunk = self._chunks.get(index)
        if chunk is None:
            chunk = build_chunk(index, self._tz, self._weekly, self._is_closed_day, self._extra_us)
            with self._chunks_lock:
                if len(self._chunks) >= _CHUNK_CACHE_SIZE:
                    # Evict the oldest entry (dicts keep insertion order); SLA work
                    # clusters around "now", so old chunks are rarely needed again.
                    self._chunks.pop(next(iter(self._chunks)), None)
                self._chunks[index] = chunk
        return chunk

    def _check_can_open(self, us: int) -> None:
        if self._never_open:
            raise ValueError("calendar never opens: it has no weekly hours and no extra_open periods")
        if self._open_until_us is not None and us >= self._open_until_us:
            raise ValueError(
                f"calendar never opens after {from_us(us).isoformat()}: no weekly hours and no later extra_open period"
            )

    def _next_open_us(self, us: int) -> int:
        self._check_can_open(us)
        index = us // CHUNK_US
        start = us
        while True:
            chunk = self._chunk(index)
            i = bisect_right(chunk.starts, us) - 1
            if i >= 0 and us < chunk.ends[i]:
                return us
            if i + 1 < len(chunk.starts):
                return chunk.starts[i + 1]
            index += 1
            us = index * CHUNK_US
            self._check_can_open(us)
            if us - start > _MAX_CLOSED_US:
                since = from_us(start).isoformat()
                raise ValueError(f"calendar stays closed for more than {MAX_CLOSED.days} days after {since}")


def _open_before(chunk: Chunk, us: int) -> int:
    """Open microseconds in ``chunk`` before instant ``us``."""
    i = bisect_right(chunk.starts, us) - 1
    if i < 0:
        return 0
    if us < chunk.ends[i]:
        return chunk.cum_start[i] + us - chunk.starts[i]
    return chunk.cum_end[i]


def _covers_whole_week(weekly: Mapping[int, tuple[tuple[int, int], ...]]) -> bool:
    """Whether the weekly intervals (overnight ones included) leave no minute closed."""
    week = 7 * _spec.MINUTES_PER_DAY
    spans = sorted(
        (day * _spec.MINUTES_PER_DAY + start, day * _spec.MINUTES_PER_DAY + end)
        for day, intervals in weekly.items()
        for start, end in intervals
    )
    # Sunday overnight intervals wrap into Monday morning.
    wrapped = [(start - week, end - week) for start, end in spans if end > week]
    reach = 0
    for start, end in sorted(wrapped + spans):
        if start > reach:
            return False
        reach = max(reach, end)
    return reach >= week
