"""Cross-tenant harness resolvers for the time-tracking routes (objects of agency A, workspace ws_a)."""

from datetime import timedelta

from agency import db
from agency.timetracking.models import Absence
from agency.timetracking.settings import today
from tests.timetracking.conftest import activity_of, make_entry


def _entry_of_a(world):
    entry = getattr(world, "_time_entry", None)
    if entry is None:
        entry = make_entry(world.cm_a, world.ws_a, day=today(world.agency_a) - timedelta(days=1), minutes=30)
        world._time_entry = entry
    return entry.id


def _absence_of_a(world):
    absence = getattr(world, "_time_absence", None)
    if absence is None:
        day = today(world.agency_a)
        absence = Absence(agency_id=world.agency_a.id, user_id=world.cm_a.id, starts_on=day, ends_on=day)
        db.session.add(absence)
        db.session.flush()
        world._time_absence = absence
    return absence.id


RESOLVERS = {
    "entry_id": _entry_of_a,
    "absence_id": _absence_of_a,
    "activity_id": lambda world: activity_of(world.agency_a).id,
}
