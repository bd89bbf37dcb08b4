"""Fixtures of the time-tracking tests: activities and entries of agency A (tests.conftest.World)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from agency import db
from agency.timetracking.models import Activity, Source, State, TimeEntry
from agency.timetracking.settings import activities


def activity_of(agency, key: str = "community_management") -> Activity:
    return next(a for a in activities(agency.id) if a.key == key)


def make_entry(user, workspace, *, day: date, minutes: int, activity: Activity | None = None,
               started_at: datetime | None = None, state: str = State.OPEN, billable: bool = True,
               source: str = Source.MANUAL) -> TimeEntry:
    activity = activity or activity_of(user.agency)
    entry = TimeEntry(agency_id=user.agency_id, workspace_id=workspace.id, user_id=user.id, activity_id=activity.id,
                      work_date=day, minutes=minutes, started_at=started_at,
                      ended_at=started_at + timedelta(minutes=minutes) if started_at else None, billable=billable,
                      source=source, state=state)
    db.session.add(entry)
    db.session.flush()
    return entry


def at(*args: int) -> datetime:
    """A UTC moment."""
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def cm_activity(world):
    return activity_of(world.agency_a)
