"""Fixtures of the time-tracking tests: activities and entries of agency A (tests.conftest.World)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from agency import db
from agency.timetracking.models import Activity, Source, State, TimeEntry
from agency.timetracking.settings import activities


def activity_of(agency, key: str = "community_management") -> Activity:
    agency_id = agency if isinstance(agency, int) else agency.id
    return next(a for a in activities(agency_id) if a.key == key)


def make_entry(user, workspace, *, day: date, minutes: int, activity: Activity | None = None,
               started_at: datetime | None = None, state: str = State.OPEN, billable: bool = True,
               source: str = Source.MANUAL) -> TimeEntry:
    activity = activity or activity_of(user.agency_id)
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


@pytest.fixture
def committed(_app):
    """A committed agency (for tests with real concurrency: threads with their own connections):
    an owner, a community manager and an account manager on two workspaces. Deleted afterwards."""
    from agency.accounts.models import Agency
    from tests.conftest import make_agency, make_user, make_workspace

    with _app.app_context(), db.system_scope("test: committed time-tracking agency"):
        agency = make_agency("Zeit Agentur")
        ws1, ws2 = make_workspace(agency, "Zeit Eins"), make_workspace(agency, "Zeit Zwei")
        owner = make_user(agency, "owner")
        cm = make_user(agency, "community_manager", workspaces=[ws1, ws2])
        am = make_user(agency, "account_manager", workspaces=[ws1, ws2])
        activities(agency.id)
        db.session.commit()
        ids = {"agency": agency.id, "ws1": ws1.id, "ws2": ws2.id, "owner": owner.id, "cm": cm.id, "am": am.id,
               "cm_email": cm.email, "am_email": am.email, "ws1_slug": ws1.slug}
    db.session.remove()
    yield ids
    with _app.app_context(), db.system_scope("test: delete the committed agency"):
        db.session.execute(TimeEntry.__table__.delete().where(TimeEntry.agency_id == ids["agency"]))
        db.session.delete(db.session.get(Agency, ids["agency"]))
        db.session.commit()
    db.session.remove()
