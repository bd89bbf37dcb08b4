"""Placeholders in saved replies, filled when a reply is inserted into the composer.

``{author_first_name}`` and friends become the interaction's values; a value we do not know is
never guessed: it becomes a visible marker such as ``[[author_first_name]]`` that the composer
points out before sending.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

PLACEHOLDERS = {
    "author_first_name": _l("the customer's first name"),
    "author_name": _l("the customer's name"),
    "persona": _l("the persona's name"),
    "signature": _l("the persona's signature"),
    "workspace": _l("the client's name"),
    "channel": _l("the channel's name"),
    "agent_name": _l("your first name"),
    "today": _l("today's date"),
}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]{1,40})\}")
_MARKER = re.compile(r"\[\[([a-z_]{1,40})\]\]")
_NAME_PART = re.compile(r"^[^\W\d_]{2,}(?:[-'][^\W\d_]+)*$")
_NOT_NAMES = {"facebook", "instagram", "youtube", "google", "user", "nutzer", "kunde", "anonymous", "anonym"}


def marker(name: str) -> str:
    """How a missing value shows in the filled text."""
    return f"[[{name}]]"


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in ``text`` that we do not know (a typo like ``{autor}``)."""
    return sorted({m.group(1) for m in _PLACEHOLDER.finditer(text or "") if m.group(1) not in PLACEHOLDERS})


def fill(text: str, values: Mapping[str, str | None]) -> tuple[str, list[str]]:
    """``text`` with every known placeholder replaced; returns it with the names whose value is missing."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        value = values.get(name)
        if value is None or not str(value).strip():
            if name not in missing:
                missing.append(name)
            return marker(name)
        return str(value)

    return _PLACEHOLDER.sub(replace, text or ""), missing


def markers_in(text: str) -> list[str]:
    """Missing-value markers still in a reply (it should not go out like that)."""
    return sorted({m.group(1) for m in _MARKER.finditer(text or "") if m.group(1) in PLACEHOLDERS})


def first_name(author_name: str | None) -> str | None:
    """The first name in a display name ("Anna Müller" → "Anna"); None for handles and placeholders."""
    if not author_name:
        return None
    parts = author_name.strip().split()
    if not parts:
        return None
    candidate = parts[0]
    if not _NAME_PART.match(candidate) or candidate.lower() in _NOT_NAMES:
        return None
    if candidate.isupper() or candidate.islower():
        return None  # a handle ("anna_92", "anna") or shouting, not a written name
    return candidate
