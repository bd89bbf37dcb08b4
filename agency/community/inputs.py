"""Validation of text typed into community forms (and by experts on the public answer page).

Control characters (NUL above all: PostgreSQL refuses it) and bidi overrides are refused with a
clear message instead of being stored or turning into a 500; so are whitespace-only values and
values over the field's limit.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from agency.errors import ValidationError

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
BIGINT_MAX = 2**63 - 1


def clean_text(value: str | None, field: str, *, max_length: int, required: bool = True,
               multiline: bool = True) -> str:
    """``value`` stripped and checked; raises ValidationError naming ``field``."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if _FORBIDDEN.search(value):
        raise ValidationError(_("Please remove control characters from this field."), field)
    if not multiline and "\n" in value:
        raise ValidationError(_("Please use a single line."), field)
    if required and not value:
        raise ValidationError(_("Please fill in this field."), field)
    if len(value) > max_length:
        raise ValidationError(_("At most %(n)d characters, please.", n=max_length), field)
    return value


def has_forbidden(value: str) -> bool:
    return bool(_FORBIDDEN.search(value or ""))


def clean_lines(value: str | None, field: str, *, max_items: int, max_length: int) -> list[str]:
    """One item per non-empty line."""
    text = clean_text(value, field, max_length=max_items * (max_length + 2), required=False)
    items = [" ".join(line.split()) for line in text.split("\n") if line.strip()]
    if len(items) > max_items:
        raise ValidationError(_("At most %(n)d lines, please.", n=max_items), field)
    for item in items:
        if len(item) > max_length:
            raise ValidationError(_("A line may have at most %(n)d characters.", n=max_length), field)
    return items


def valid_id(value) -> int | None:
    """An id from a form or URL as an int, or None when it is not one (too large for the column, text…)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= BIGINT_MAX else None
