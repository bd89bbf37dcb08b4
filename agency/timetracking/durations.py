"""Durations as people type them (``1:30``, ``1,5``, ``90m``, ``1h 30m``) and the rounding rule of billed time."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from agency.timetracking.models import MAX_DAY_MINUTES, ROUNDING_CHOICES

_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_UNITS = re.compile(r"^(?:(\d+(?:[.,]\d+)?)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")


class DurationError(ValueError):
    """Text that is not a duration; the message says how to write one."""


def parse_duration(text: str | None) -> int | None:
    """Whole minutes from what a person typed; None for an empty cell.

    ``1:30`` (hours:minutes), ``1,5`` or ``1.5`` (decimal hours), ``90m`` / ``90 min`` (minutes),
    ``1h``, ``1h 30m``, ``1.5h``. Fractions of a minute round to the nearest minute (half up);
    more than 24 hours, negative numbers and anything else raise ``DurationError``.
    """
    value = (text or "").strip().lower().replace("\u00a0", " ")
    if not value:
        return None
    if len(value) > 20:
        raise DurationError(_l("Write a duration like 1:30, 1,5 or 90m."))
    minutes: Decimal
    clock = _CLOCK.match(value)
    if clock:
        minutes = Decimal(int(clock.group(1)) * 60 + int(clock.group(2)))
    elif _NUMBER.match(value):
        minutes = _decimal(value) * 60
    else:
        units = _UNITS.match(value)
        if not units or not (units.group(1) or units.group(2)):
            raise DurationError(_l("Write a duration like 1:30, 1,5 or 90m."))
        minutes = (_decimal(units.group(1)) * 60 if units.group(1) else Decimal(0)) + Decimal(units.group(2) or 0)
    whole = int(minutes.to_integral_value(rounding="ROUND_HALF_UP"))
    if whole > MAX_DAY_MINUTES:
        raise DurationError(_l("At most 24 hours a day."))
    return whole


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise DurationError(_l("Write a duration like 1:30, 1,5 or 90m.")) from None


def format_minutes(minutes: int | None, *, empty: str = "") -> str:
    """``90`` → ``1:30``; negative values keep their sign (``-0:45``); None → ``empty``."""
    if minutes is None:
        return empty
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    return f"{sign}{hours}:{rest:02d}"


def format_hours(minutes: int | None) -> str:
    """``90`` → ``1.50`` (decimal hours, for exports)."""
    return f"{(minutes or 0) / 60:.2f}"


def billed_minutes(minutes: int, rounding: int) -> int:
    """The rounding rule: raw minutes rounded up to the workspace's step (0 or 1: unchanged).

    Applied per entry, only where hours are billed (budgets, invoices, the billed column of exports), so
    the same entries always give the same billed total.
    """
    if rounding not in ROUNDING_CHOICES:
        raise ValueError(f"unknown rounding step {rounding!r}")
    if rounding <= 1 or minutes <= 0:
        return max(0, int(minutes))
    return int(math.ceil(minutes / rounding) * rounding)


def billed_minutes_sql(minutes_column, rounding_column):
    """The same rule as an SQL expression (ceil to the step; 0 and 1 leave the minutes unchanged)."""
    from sqlalchemy import case, func

    return case((rounding_column <= 1, minutes_column),
                else_=func.ceil(minutes_column / func.cast(rounding_column, _numeric())) * rounding_column)


def _numeric():
    from sqlalchemy import Numeric

    return Numeric()
