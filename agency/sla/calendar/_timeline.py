"""The open timeline of a calendar in integer UTC microseconds.

Business-time arithmetic is done on integers (microseconds since the Unix
epoch) rather than datetimes or float timestamps: integers are exact, so
``between(a, add(a, d)) == d`` holds to the microsecond, and they are cheap
to bisect.

The timeline is cut into fixed UTC *chunks* of ``CHUNK_DAYS``. A chunk holds
the merged, sorted open intervals inside it plus prefix sums of open time,
so within a chunk ``add`` is two bisections and closed days, weekends and
holiday weeks cost nothing. Chunks are built lazily from the weekly template
and cached by the calendar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from ._spec import MINUTES_PER_DAY, Interval

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

# Four weeks: a realistic SLA (minutes to a few business days) usually stays
# within one chunk, and building one costs ~30 local days of conversions.
CHUNK_DAYS = 28
CHUNK_US = CHUNK_DAYS * 86_400 * 1_000_000


# Instants are accepted between these years, so that chunk building (which
# looks a few days either side) and results stay inside datetime's range.
MIN_US = (datetime(2, 1, 1, tzinfo=UTC) - EPOCH) // MICROSECOND
MAX_US = (datetime(9998, 1, 1, tzinfo=UTC) - EPOCH) // MICROSECOND


def instant_us(value: object, what: str) -> int:
    """Validate an aware datetime and return it as microseconds since the epoch.

    One function for the check and the conversion because it runs on every
    call of the hot path.
    """
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime (naive datetimes are ambiguous), got {value!r}")
    us = (value - EPOCH) // MICROSECOND
    if not MIN_US <= us <= MAX_US:
        raise ValueError(f"{what} is outside the supported years 2..9997: {value!r}")
    return us


def to_us(value: datetime) -> int:
    """Aware datetime → microseconds since the epoch (exact, offset-aware).

    EPOCH carries ``datetime.UTC``; subtracting it from a datetime with any
    other tzinfo converts through UTC, so DST offsets are respected.
    """
    return (value - EPOCH) // MICROSECOND


def from_us(us: int) -> datetime:
    """Microseconds since the epoch → aware UTC datetime."""
    try:
        return EPOCH + timedelta(microseconds=us)
    except OverflowError:
        raise ValueError("result is outside the range of datetime") from None


def local_to_us(tz: ZoneInfo, day: date, minutes: int) -> int:
    """The instant of local wall time ``day`` + ``minutes`` (may exceed one day) in ``tz``.

    Clock changes: an ambiguous wall time (fall back) is its first occurrence
    (fold=0); a wall time that does not exist (spring forward gap) is the
    first instant after it, i.e. the moment of the transition itself.
    """
    if minutes >= MINUTES_PER_DAY:
        day = day + timedelta(days=minutes // MINUTES_PER_DAY)
        minutes %= MINUTES_PER_DAY
    wall = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=tz)
    before = wall.utcoffset()
    after = wall.replace(fold=1).utcoffset()
    # Equal offsets: an ordinary wall time. before > after: ambiguous, and
    # fold=0 already is the first occurrence (PEP 495).
    if before is None or after is None or before >= after:
        return to_us(wall)
    # In a gap PEP 495 maps fold=0 with the offset *before* the transition,
    # which lands after it, and fold=1 with the offset after it, which lands
    # before it. The transition lies between; find it by bisection (gaps are
    # rare, ~1 day a year, so the cost does not matter).
    lo = to_us(wall.replace(fold=1))
    hi = to_us(wall)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if from_us(mid).astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return hi


class Chunk(NamedTuple):
    """Open intervals of one UTC chunk with prefix sums of open time.

    ``cum_start[i]``/``cum_end[i]`` are the open microseconds in the chunk
    before the start/end of interval ``i``; ``total`` is the chunk's open time.
    """

    starts: list[int]
    ends: list[int]
    cum_start: list[int]
    cum_end: list[int]
    total: int


def build_chunk(
    index: int,
    tz: ZoneInfo,
    weekly: Mapping[int, tuple[Interval, ...]],
    is_closed: Callable[[date], bool],
    extra_us: Iterable[tuple[int, int]],
) -> Chunk:
    """Merge the weekly intervals and extra open periods that touch chunk ``index``."""
    lo = index * CHUNK_US
    hi = lo + CHUNK_US
    raw: list[tuple[int, int]] = []
    if any(weekly.values()):
        # An overnight interval starts at most one local day before it is
        # open; two days of margin also covers offsets of up to ±24 h.
        day = from_us(lo).astimezone(tz).date() - timedelta(days=2)
        last = from_us(hi).astimezone(tz).date() + timedelta(days=1)
        while day <= last:
            intervals = weekly[day.weekday()]
            # A holiday closes the intervals that *start* on it.
            if intervals and not is_closed(day):
                for start_min, end_min in intervals:
                    raw.append((local_to_us(tz, day, start_min), local_to_us(tz, day, end_min)))
            day += timedelta(days=1)
    raw.extend(period for period in extra_us if period[1] > lo and period[0] < hi)
    raw.sort()

    starts: list[int] = []
    ends: list[int] = []
    for start, end in raw:
        start, end = max(start, lo), min(end, hi)
        # Empty after clipping, or swallowed by a spring-forward gap
        # (e.g. 02:00–02:30 on the night the clocks skip that hour).
        if end <= start:
            continue
        if ends and start <= ends[-1]:
            # Overlapping or touching (e.g. 00:00–24:00 on consecutive days,
            # or a shift overlapping an extra_open period): one interval.
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)

    cum_start: list[int] = []
    cum_end: list[int] = []
    total = 0
    for start, end in zip(starts, ends, strict=True):
        cum_start.append(total)
        total += end - start
        cum_end.append(total)
    return Chunk(starts, ends, cum_start, cum_end, total)
