"""Every page of time tracking renders for the people who use it."""

from __future__ import annotations

from datetime import timedelta

from agency import db
from agency.timetracking.settings import today
from tests.conftest import login
from tests.timetracking.conftest import activity_of, make_entry


def test_pages_render(app, world):
    day = today(world.agency_a) - timedelta(days=1)
    make_entry(world.am_a, world.ws_a, day=day, minutes=90)
    db.session.commit()
    client = app.test_client()
    login(client, world.am_a)
    for path in ("/time", "/time/suggestions", "/time/reports", "/time/capacity", "/time/settings",
                 f"/w/{world.ws_a.slug}/time", f"/w/{world.ws_a.slug}/time/settings", "/time/entries/new",
                 f"/time/day?day={day.isoformat()}", "/time/reports.csv", "/time/reports.xlsx",
                 f"/time/capacity/staff/{world.cm_a.id}", "/time/timer/stop", "/"):
        response = client.get(path)
        body = response.get_data()  # streamed exports run to the end here
        assert response.status_code == 200, (path, body[:2000])
    assert activity_of(world.agency_a).billable
