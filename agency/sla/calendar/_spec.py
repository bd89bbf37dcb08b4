"""Validation and normalisation of a calendar's inputs.

Everything here turns loosely typed user input (strings from a form or from
JSON) into the strict shapes the timeline code relies on, or raises
``ValueError`` with a message a policy editor can show as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

MINUTES_PER_DAY = 24 * 60

# One or two hour digits, two minute digits; "24:00" is checked separately
# because it is only meaningful as the end of an interval.
_HHMM = re.compile(r"(\d{1,2}):(\d{2})")

# A weekly interval in minutes after local midnight of the day it starts on.
# ``end`` is greater than ``start``; it exceeds 1440 for overnight intervals.
Interval = tuple[int, int]


def parse_tz(tz: object) -> ZoneInfo:
    """Return the ZoneInfo for an IANA name, or raise ValueError."""
    if not isinstance(tz, str) or not tz:
        raise ValueError(f"time zone must be an IANA name such as 'Europe/Berlin', got {tz!r}")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        # OSError: a key naming a directory of the tz database ("Europe").
        raise ValueError(f"unknown time zone {tz!r}") from exc


def parse_hhmm(value: object, *, allow_24: bool) -> int:
    """Parse "HH:MM" into minutes after midnight; "24:00" only if ``allow_24``."""
    if not isinstance(value, str):
        raise ValueError(f"time must be a 'HH:MM' string, got {value!r}")
    match = _HHMM.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"time must look like 'HH:MM' (e.g. '09:00'), got {value!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24 and minutes == 0:
        if not allow_24:
            raise ValueError("'24:00' is only allowed as the end of an interval")
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise ValueError(f"time out of range (00:00–23:59, or 24:00 as an end), got {value!r}")
    return hours * 60 + minutes


def format_hhmm(minutes: int) -> str:
    """Minutes after midnight (0..1440) back to "HH:MM"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_weekday(key: object) -> int:
    """A weekday key: an int 0..6 (0 = Monday), or its decimal string from JSON."""
    if isinstance(key, str) and key.strip().isdigit():
        key = int(key.strip())
    # bool is an int subclass; True as "Tuesday" is a bug, not an input.
    if not isinstance(key, int) or isinstance(key, bool) or not 0 <= key <= 6:
        raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {key!r}")
    return key


def parse_weekly(weekly: object) -> dict[int, tuple[Interval, ...]]:
    """Validate the weekly template; return intervals per weekday in minutes.

    An interval whose end is before its start runs overnight into the next
    day, so its end is stored as minutes after the *start* day's midnight
    (beyond 1440). Equal start and end is rejected: it could mean "nothing"
    or "24 hours", and a whole day is written "00:00"–"24:00".
    """
    if not isinstance(weekly, Mapping):
        raise ValueError("weekly must map weekday (0 = Monday) to a list of ('HH:MM', 'HH:MM') intervals")
    out: dict[int, list[Interval]] = {day: [] for day in range(7)}
    for key, intervals in weekly.items():
        day = parse_weekday(key)
        if isinstance(intervals, str | bytes) or not isinstance(intervals, Iterable):
            raise ValueError(f"weekday {day}: expected a list of ('HH:MM', 'HH:MM') pairs, got {intervals!r}")
        for pair in intervals:
            if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
                raise ValueError(f"weekday {day}: each interval must be a ('HH:MM', 'HH:MM') pair, got {pair!r}")
            try:
                start = parse_hhmm(pair[0], allow_24=False)
                end = parse_hhmm(pair[1], allow_24=True)
            except ValueError as exc:
                raise ValueError(f"weekday {day}: {exc}") from None
            if end == start:
                raise ValueError(
                    f"weekday {day}: interval {pair[0]}–{pair[1]} is empty; write a whole day as 00:00–24:00"
                )
            if end < start:
                end += MINUTES_PER_DAY
            out[day].append((start, end))
    return {day: tuple(sorted(items)) for day, items in out.items()}


def parse_date(value: object, *, what: str = "holiday") -> date:
    """A date, or an ISO "YYYY-MM-DD" string (as stored in JSON)."""
    if isinstance(value, datetime):
        # A datetime is a date subclass; silently dropping its time would hide a bug.
        raise ValueError(f"{what} must be a date, not a datetime: {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{what} must be a date or an ISO 'YYYY-MM-DD' string, got {value!r}")


def require_aware(value: object, what: str) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime, else raise ValueError."""
    if not isinstance(value, datetime):
        raise ValueError(f"{what} must be a timezone-aware datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (naive datetimes are ambiguous), got {value!r}")
    return value


def parse_datetime(value: object, what: str) -> datetime:
    """An aware datetime, or an ISO 8601 string with an offset (as stored in JSON)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{what} must be an ISO 8601 datetime with offset, got {value!r}") from None
    return require_aware(value, what)


def parse_extra_open(extra_open: object) -> tuple[tuple[datetime, datetime], ...]:
    """Validate absolute open periods: aware (start, end) pairs with start < end."""
    if isinstance(extra_open, str | bytes) or not isinstance(extra_open, Iterable):
        raise ValueError("extra_open must be a list of (start, end) aware datetime pairs")
    periods = []
    for pair in extra_open:
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(f"extra_open: each period must be a (start, end) pair, got {pair!r}")
        start = parse_datetime(pair[0], "extra_open start")
        end = parse_datetime(pair[1], "extra_open end")
        if end <= start:
            raise ValueError(f"extra_open: period end {end.isoformat()} is not after start {start.isoformat()}")
        periods.append((start, end))
    return tuple(sorted(periods))


def resolve_country(country: object, subdivision: object) -> tuple[str | None, str | None]:
    """Check that the holidays package knows country/subdivision; return canonical codes.

    Matching is case-insensitive and accepts the package's subdivision aliases
    (e.g. AT "Wien" for "9"), because codes are typed by people in a form.
    """
    if country is None:
        if subdivision is not None:
            raise ValueError("subdivision given without a country")
        return None, None
    if not isinstance(country, str) or not country.strip():
        raise ValueError(f"country must be an ISO 3166 code such as 'DE', got {country!r}")
    if subdivision is not None and (not isinstance(subdivision, str) or not subdivision.strip()):
        raise ValueError(f"subdivision must be a code such as 'BY', got {subdivision!r}")
    return _resolve_country(country.strip().upper(), subdivision.strip() if subdivision else None)


@lru_cache(maxsize=256)
def _resolve_country(code: str, subdivision: str | None) -> tuple[str, str | None]:
    # Cached: building the package's probe object costs most of a millisecond,
    # and calendars are rebuilt from JSON for every policy that uses them.
    try:
        probe = holidays_lib.country_holidays(code)
    except NotImplementedError:
        raise ValueError(f"unknown country {code!r} (no public holidays known for it)") from None
    if subdivision is None:
        return code, None
    wanted = subdivision.casefold()
    for sub in probe.subdivisions:
        if sub.casefold() == wanted:
            return code, sub
    aliases: Mapping[str, str] = getattr(probe, "subdivisions_aliases", {}) or {}
    for alias, sub in aliases.items():
        if alias.casefold() == wanted:
            return code, sub
    known = ", ".join(probe.subdivisions)
    raise ValueError(f"unknown subdivision {subdivision!r} for {code} (known: {known})")


@lru_cache(maxsize=1024)
def country_holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Public holidays of one year from the holidays package (observed days included)."""
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=year).keys())


def parse_holidays(values: object) -> frozenset[date]:
    """Explicit closed dates."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValueError("holidays must be a list of dates")
    return frozenset(parse_date(value) for value in values)


def parse_delta(delta: object) -> timedelta:
    """A non-negative timedelta of business time."""
    if not isinstance(delta, timedelta):
        raise ValueError(f"delta must be a timedelta, got {delta!r}")
    if delta < timedelta(0):
        raise ValueError(f"delta must not be negative, got {delta}")
    return delta


def dict_field(data: Mapping[str, Any], key: str, default: Any) -> Any:
    """``data[key]`` treating an explicit JSON null as missing."""
    value = data.get(key, default)
    return default if value is None else value
