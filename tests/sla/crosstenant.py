"""Cross-tenant harness resolvers for the SLA routes."""

from agency import db
from agency.sla.models import SlaCalendar


def _calendar_of_a(world):
    calendar = getattr(world, "_sla_calendar", None)
    if calendar is None:
        calendar = SlaCalendar(agency_id=world.agency_a.id, name="A's hours", definition={
            "tz": "Europe/Berlin", "weekly": {str(d): [["09:00", "17:00"]] for d in range(5)}})
        db.session.add(calendar)
        db.session.flush()
        world._sla_calendar = calendar
    return calendar.id


RESOLVERS = {"calendar_id": _calendar_of_a}
