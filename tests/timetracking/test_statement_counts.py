"""SQL statements of the week grid (/time): a fixed number, whatever the rows, cells, workspaces or locks.

The grid once ran a query per part of the page (the entries, their workspaces, their activities, the running
timer twice, the retainer figures in four, the activities three times); a statement that comes back per row or
per cell fails here long before it shows up as slowness (see tests/foundations/test_statement_counts.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from agency import db
from agency.accounts.models import Membership
from agency.timetracking import services
from agency.timetracking.models import MonthClose, Rollover, State, WorkspaceTimeSettings
from agency.timetracking.settings import day_bounds, today
from tests.conftest import login, make_user, make_workspace
from tests.foundations.test_statement_counts import counting
from tests.timetracking.conftest import activity_of, make_entry

#: The most statements GET /time may run, the request's scope statements and the header included (an approver's
#: page adds the list of staff whose weeks they may open). Lower is better; raising one needs a reason.
LIMITS = {"community_manager": 11, "owner": 13}


def _retainer(agency, workspace, months_back: int = 5) -> None:
    start = (today(agency) - timedelta(days=31 * months_back)).replace(day=1)
    db.session.add(WorkspaceTimeSettings(agency_id=workspace.agency_id, workspace_id=workspace.id,
                                         budget_minutes=600, rollover=Rollover.BOTH, rounding_minutes=15,
                                         thresholds=[80, 100], budget_starts_on=start))
    db.session.flush()


def _week_page(client, monday, extra: str = "") -> tuple[int, str]:
    url = f"/time?week={monday.isoformat()}{extra}"
    client.get(url)  # a first visit may create the agency's activities; count the next one
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["community_manager", "owner"])
def test_week_grid_statements_do_not_grow_with_rows_cells_or_locks(client, world, role):
    agency = world.agency_a
    user = make_user(agency, role, workspaces=[world.ws_a, world.ws_a2])
    monday = today(agency) - timedelta(days=today(agency).weekday() + 7)  # last week: every day editable
    cm, content = activity_of(agency), activity_of(agency, "content")
    make_entry(user, world.ws_a, day=monday, minutes=60, activity=cm)
    make_entry(user, world.ws_a2, day=monday + timedelta(days=1), minutes=30, activity=cm)
    _retainer(agency, world.ws_a)
    login(client, user)
    small, page = _week_page(client, monday)
    assert world.ws_a.name in page and world.ws_a2.name in page and "1:00" in page

    # More of everything: workspaces (with retainers and per-activity rows), several entries per cell, timed and
    # approved entries (locked cells), a closed month, a row asked for by ``?rows=``, and a timer running since
    # an earlier week.
    user = db.session.merge(user)
    more = [make_workspace(agency) for _ in range(3)]
    db.session.add_all([Membership(agency_id=agency.id, user_id=user.id, workspace_id=ws.id) for ws in more])
    for n, ws in enumerate(more):
        _retainer(agency, ws, months_back=n + 2)
        for day in range(7):
            make_entry(user, ws, day=monday + timedelta(days=day), minutes=15 + day, activity=content)
            make_entry(user, ws, day=monday + timedelta(days=day), minutes=45, activity=cm,
                       state=State.APPROVED if day % 2 else State.OPEN)
        make_entry(user, ws, day=monday + timedelta(days=2), minutes=20, activity=content)
    services.start_timer(user, world.ws_a2, cm, now=db.utcnow() - timedelta(days=15))
    make_entry(user, world.ws_a, day=monday + timedelta(days=3), minutes=50, activity=cm,
               started_at=day_bounds(agency, monday + timedelta(days=3))[0] + timedelta(hours=9))
    db.session.add(MonthClose(agency_id=agency.id, workspace_id=more[0].id, month=monday.replace(day=1),
                              budget_minutes=600, carry_in=0, used_minutes=0, carry_out=0))
    db.session.commit()  # visible to the requests (a savepoint release, as ``login`` does)
    large, page = _week_page(client, monday, extra=f"&rows={world.ws_a2.id}-{activity_of(agency, 'strategy').id}")
    for ws in [world.ws_a, world.ws_a2, *more]:
        assert ws.name in page
    assert "🔒" in page  # approved or closed cells are read-only
    assert 'data-timer-stop' in page  # the header shows the timer running since an earlier week

    assert large == small, "the week grid runs more statements with more rows (a query per row or per cell?)"
    assert large <= LIMITS[role], f"the week grid runs {large} statements (budget {LIMITS[role]})"
