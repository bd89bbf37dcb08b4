"""Capacity with public holidays and absences; reports and exports that match the week grid to the minute."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from openpyxl import load_workbook

from agency import db
from agency.timetracking import capacity
from agency.timetracking.models import Absence, StaffTimeSettings
from agency.timetracking.queries import ReportFilter, hours_report, week_grid
from agency.timetracking.settings import save_staff_settings, today
from tests.conftest import csrf_token, login
from tests.timetracking.conftest import activity_of, make_entry


def test_capacity_loses_public_holidays_of_the_land_and_absences():
    settings = StaffTimeSettings(weekly_capacity_minutes=2400, country="DE", subdivision="BY")
    # Week of 2026-01-05: Epiphany (Tue 6 Jan) is a holiday in Bavaria, not in NRW.
    minutes, days = capacity.week_capacity(settings, [], date(2026, 1, 7))
    assert minutes == 1920 and date(2026, 1, 6) not in days
    nrw = StaffTimeSettings(weekly_capacity_minutes=2400, country="DE", subdivision="NW")
    assert capacity.week_capacity(nrw, [], date(2026, 1, 5))[0] == 2400
    away = [Absence(starts_on=date(2026, 1, 8), ends_on=date(2026, 1, 12))]  # Thu, Fri (and the next Monday)
    assert capacity.week_capacity(settings, away, date(2026, 1, 5))[0] == 960
    part_time = StaffTimeSettings(weekly_capacity_minutes=1200, country="DE", subdivision="BE")
    assert capacity.week_capacity(part_time, [], date(2026, 12, 21))[0] == 960  # Fri 25th off; the 26th is a Saturday


def test_board_highlights_over_and_under_booked_and_under_served(world):
    week = date(2026, 1, 5)
    save_staff_settings(world.owner_a, world.cm_a, weekly_capacity_minutes=600, country="DE", subdivision="BY")
    capacity.set_planned(world.am_a, world.cm_a, world.ws_a, week, 900)  # more than 600 × 4/5
    capacity.set_planned(world.am_a, world.am_a, world.ws_a, week, 60)
    from agency.timetracking.models import Rollover
    from agency.timetracking.settings import save_workspace_settings

    save_workspace_settings(world.am_a, world.ws_a2, rounding_minutes=0, budget_minutes=2400, rollover=Rollover.NONE,
                            thresholds=[80], budget_starts_on=None)
    make_entry(world.cm_a, world.ws_a, day=week + timedelta(days=1), minutes=300)
    data = capacity.board(world.agency_a.id, [world.ws_a, world.ws_a2], week, today=date(2026, 2, 1))
    people = {row.user.id: row for row in data.people}
    assert people[world.cm_a.id].capacity == 480 and people[world.cm_a.id].state == "over"
    assert people[world.cm_a.id].tracked == 300
    assert people[world.am_a.id].state == "under"
    clients = {row.workspace.id: row for row in data.clients}
    assert clients[world.ws_a2.id].under_served  # a 40 h retainer with nothing planned
    assert clients[world.ws_a.id].under_served  # the week is over: 5 of 16 planned hours tracked
    ongoing = capacity.board(world.agency_a.id, [world.ws_a], week, today=week + timedelta(days=2))
    assert not ongoing.clients[0].under_served
    try:
        capacity.set_planned(world.am_a, world.cm_unassigned, world.ws_a, week, 60)
    except Exception as err:
        assert "does not work for this client" in str(err)
    else:
        raise AssertionError("planning someone on a client they do not work for must fail")


def _week_with_entries(world):
    day = today(world.agency_a) - timedelta(days=1)
    monday = day - timedelta(days=day.weekday())
    content = activity_of(world.agency_a, "content")
    make_entry(world.cm_a, world.ws_a, day=monday, minutes=95)
    make_entry(world.cm_a, world.ws_a, day=monday, minutes=17, activity=content)
    make_entry(world.cm_a, world.ws_a, day=day, minutes=61, billable=False)
    make_entry(world.am_a, world.ws_a, day=day, minutes=500)  # someone else's: not in cm's grid
    return monday


def test_report_and_exports_equal_the_week_grid(app, world):
    monday = _week_with_entries(world)
    grid = week_grid(world.cm_a, world.cm_a, monday)
    last = monday + timedelta(days=6)
    flt = ReportFilter(agency_id=world.agency_a.id, first=monday, last=last, workspace_ids=[world.ws_a.id],
                       user_id=world.cm_a.id)
    report = hours_report(flt, "workspace", "activity")
    assert report["total"] == grid.total == 95 + 17 + 61
    db.session.commit()
    client = app.test_client()
    login(client, world.cm_a)
    args = f"from={monday.isoformat()}&to={last.isoformat()}"
    rows = list(csv.reader(io.StringIO(client.get(f"/time/reports.csv?{args}").get_data(as_text=True))))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    minutes_col = header.index("Minutes")
    assert sum(int(r[minutes_col]) for r in body) == grid.total
    assert total[0] == "Total" and int(total[minutes_col]) == grid.total
    response = client.get(f"/time/reports.xlsx?{args}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][minutes_col] == "Minutes"
    assert sum(r[minutes_col] for r in values[1:-1]) == grid.total == values[-1][minutes_col]
    # The page shows the same total.
    page = client.get(f"/time/reports?{args}").get_data(as_text=True)
    assert "2:53" in page


def test_staff_see_only_their_own_time_in_reports(app, world):
    monday = _week_with_entries(world)
    db.session.commit()
    client = app.test_client()
    login(client, world.cm_a)
    args = f"from={monday.isoformat()}&to={(monday + timedelta(days=6)).isoformat()}&user={world.am_a.id}"
    body = client.get(f"/time/reports.csv?{args}").get_data(as_text=True)
    assert world.am_a.email not in body and world.cm_a.email in body


def test_exports_neutralise_formulas(app, world):
    day = today(world.agency_a) - timedelta(days=1)
    entry = make_entry(world.cm_a, world.ws_a, day=day, minutes=5)
    entry.note = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    client = app.test_client()
    login(client, world.cm_a)
    body = client.get(f"/time/reports.csv?from={day.isoformat()}&to={day.isoformat()}").get_data(as_text=True)
    assert "'=HYPERLINK" in body


def test_capacity_page_saves_a_plan(app, world):
    db.session.commit()
    client = app.test_client()
    login(client, world.am_a)
    week = today(world.agency_a) - timedelta(days=today(world.agency_a).weekday())
    response = client.post(f"/time/capacity/plan?week={week.isoformat()}", data={
        "csrf_token": csrf_token(client, "/time/capacity"), f"p-{world.cm_a.id}-{world.ws_a.id}": "7:30"})
    assert response.status_code == 302
    page = client.get(f"/time/capacity?week={week.isoformat()}").get_data(as_text=True)
    assert 'value="7:30"' in page
