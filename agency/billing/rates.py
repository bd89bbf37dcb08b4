"""Hourly rates and which one applies.

A rate belongs to a scope and is valid from a date on. For one hour of work (a workspace, an activity, a
person, a day) the most specific scope with a rate valid on that day wins, and within a scope the rate
with the latest ``valid_from`` on or before the day. Re-billing an old month therefore uses that month's
rates. The scopes, most specific first:

1. the person in the workspace,
2. the activity in the workspace,
3. the workspace,
4. the activity (agency-wide),
5. the agency's default.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from agency import db
from agency.billing.models import Rate

SCOPE_LABELS = {
    "user": _l("person in this client"),
    "workspace_activity": _l("activity for this client"),
    "workspace": _l("this client"),
    "activity": _l("activity (agency-wide)"),
    "default": _l("agency default"),
}
PRECEDENCE = ("user", "workspace_activity", "workspace", "activity", "default")


def scope_of(rate: Rate) -> str:
    if rate.user_id is not None:
        return "user"
    if rate.workspace_id is not None:
        return "workspace_activity" if rate.activity_id is not None else "workspace"
    return "activity" if rate.activity_id is not None else "default"


@dataclass(frozen=True)
class AppliedRate:
    cents_per_hour: int
    scope: str
    rate_id: int
    valid_from: date

    @property
    def scope_label(self):
        return SCOPE_LABELS[self.scope]


class RateBook:
    """All rates of one agency, loaded once, answering ``rate_for`` without further queries."""

    def __init__(self, rates: list[Rate]):
        self._by_key: dict[tuple, list[Rate]] = defaultdict(list)
        for rate in rates:
            self._by_key[(scope_of(rate), rate.workspace_id, rate.activity_id, rate.user_id)].append(rate)
        for found in self._by_key.values():
            found.sort(key=lambda r: r.valid_from, reverse=True)

    @classmethod
    def of_agency(cls, agency_id: int) -> RateBook:
        return cls(list(db.session.scalars(select(Rate).where(Rate.agency_id == agency_id))))

    def starts_between(self, first: date, last: date) -> list[date]:
        """The days in ``first``..``last`` on which some rate starts (where the applying rate may change)."""
        return sorted({r.valid_from for found in self._by_key.values() for r in found
                       if first < r.valid_from <= last})

    def _valid(self, key: tuple, day: date) -> Rate | None:
        return next((r for r in self._by_key.get(key, ()) if r.valid_from <= day), None)

    def rate_for(self, *, workspace_id: int, activity_id: int | None, user_id: int | None,
                 day: date) -> AppliedRate | None:
        """The applying rate of one hour of work, or None when not even a default is set for that day."""
        for scope, key in (
            ("user", (workspace_id, None, user_id)),
            ("workspace_activity", (workspace_id, activity_id, None)),
            ("workspace", (workspace_id, None, None)),
            ("activity", (None, activity_id, None)),
            ("default", (None, None, None)),
        ):
            if key[1] is None and scope in ("workspace_activity", "activity"):
                continue
            if key[2] is None and scope == "user":
                continue
            found = self._valid((scope, *key), day)
            if found is not None:
                return AppliedRate(found.cents_per_hour, scope, found.id, found.valid_from)
        return None

    def explain(self, *, workspace_id: int, activity_id: int | None, user_id: int | None,
                day: date) -> list[tuple[str, Rate | None]]:
        """Every scope in order of precedence with its rate valid on ``day`` (None where none is set)."""
        return [
            ("user", self._valid(("user", workspace_id, None, user_id), day) if user_id else None),
            ("workspace_activity",
             self._valid(("workspace_activity", workspace_id, activity_id, None), day) if activity_id else None),
            ("workspace", self._valid(("workspace", workspace_id, None, None), day)),
            ("activity", self._valid(("activity", None, activity_id, None), day) if activity_id else None),
            ("default", self._valid(("default", None, None, None), day)),
        ]


def set_rate(agency_id: int, *, cents_per_hour: int, valid_from: date, workspace_id: int | None = None,
             activity_id: int | None = None, user_id: int | None = None) -> Rate:
    """Add a rate (or change the one of the same scope and day). Earlier rates stay for earlier months."""
    from agency.errors import ValidationError

    if not 0 <= cents_per_hour <= 10_000_000:
        raise ValidationError(str(_l("Enter a rate between 0 and 100,000.")), "rate")
    if user_id is not None and workspace_id is None:
        raise ValidationError(str(_l("A person's rate belongs to a client.")), "user")
    if user_id is not None and activity_id is not None:
        raise ValidationError(str(_l("Choose either a person or an activity.")), "activity")
    existing = db.session.scalar(select(Rate).where(
        Rate.agency_id == agency_id, Rate.valid_from == valid_from,
        Rate.workspace_id.is_(None) if workspace_id is None else Rate.workspace_id == workspace_id,
        Rate.activity_id.is_(None) if activity_id is None else Rate.activity_id == activity_id,
        Rate.user_id.is_(None) if user_id is None else Rate.user_id == user_id))
    if existing is not None:
        existing.cents_per_hour = cents_per_hour
        db.session.flush()
        return existing
    rate = Rate(agency_id=agency_id, workspace_id=workspace_id, activity_id=activity_id, user_id=user_id,
                valid_from=valid_from, cents_per_hour=cents_per_hour)
    db.session.add(rate)
    db.session.flush()
    return rate
