"""Auto-assignment: round robin and fewest-open-items are fair and deterministic, the cap holds, only people on
shift get work, items of someone who goes off shift move on, a manual assignment always wins, tenants stay apart."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from agency import db
from agency.inbox.models import Interaction
from agency.inbox.services import assign
from agency.moderation import assignment
from agency.moderation.jobs import assign_open_items
from agency.moderation.models import AssignmentSettings, AutoAssignment
from agency.sla.policy import effective_policy
from agency.timetracking.models import Absence
from tests.conftest import login, make_user, post_form

_SEQ = itertools.count(1)


def _working_time(ws) -> datetime:
    """A Wednesday 11:00 in the workspace's calendar (open under the default business hours)."""
    tz = ZoneInfo(effective_policy(ws).calendar.tz)
    now = datetime(2026, 12, 2, 11, 0, tzinfo=tz).astimezone(UTC)
    assert effective_policy(ws).calendar.is_open(now)
    return now


def _items(world, ws, n: int, agency=None) -> list[Interaction]:
    agency = agency or world.agency_a
    rows = [Interaction(agency_id=agency.id, workspace_id=ws.id, platform="facebook_page",
                        external_id=f"aa-{next(_SEQ)}", kind="comment",
                        author_name="Fan", text=f"Frage {i}", platform_created_at=datetime.now(UTC))
            for i in range(n)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _team(world, extra: int = 2):
    """world.cm_a plus ``extra`` more community managers of ws_a, ordered by id."""
    people = [world.cm_a] + [make_user(world.agency_a, "community_manager", workspaces=[world.ws_a])
                             for _ in range(extra)]
    return sorted(people, key=lambda u: u.id)


def _set(world, mode: str, cap: int = 20, ws=None):
    assignment.save_settings(world.owner_a, ws or world.ws_a, mode=mode, cap=cap)
    db.session.flush()


def _assignees(items) -> list[int | None]:
    for item in items:
        db.session.refresh(item)
    return [item.assignee_id for item in items]


def test_round_robin_is_fair_and_deterministic(app, world):
    team = _team(world)
    _set(world, "round_robin")
    items = _items(world, world.ws_a, 7)
    assert assignment.assign_workspace(world.ws_a, _working_time(world.ws_a)) == (7, 0)
    ids = [u.id for u in team]
    assert _assignees(items) == [ids[0], ids[1], ids[2], ids[0], ids[1], ids[2], ids[0]]
    # The circle continues where it stopped, across runs.
    more = _items(world, world.ws_a, 2)
    assignment.assign_workspace(world.ws_a, _working_time(world.ws_a))
    assert _assignees(more) == [ids[1], ids[2]]
    # Not the account manager, not the owner, not a community manager of another workspace.
    assert {world.am_a.id, world.owner_a.id, world.cm_unassigned.id}.isdisjoint(_assignees(items + more))


def test_least_open_fills_up_the_emptiest_first(app, world):
    team = _team(world)
    ids = [u.id for u in team]
    # The first one already has three open items, the second one.
    for item in _items(world, world.ws_a, 3):
        assign(world.owner_a, item, team[0])
    assign(world.owner_a, _items(world, world.ws_a, 1)[0], team[1])
    _set(world, "least_open")
    new = _items(world, world.ws_a, 5)
    assert assignment.assign_workspace(world.ws_a, _working_time(world.ws_a)) == (5, 0)
    got = _assignees(new)
    # 0 open → ids[2]; then ids[1] and ids[2] tie at 1 ... until all have 3, then the next tie goes round.
    assert got == [ids[2], ids[1], ids[2], ids[1], ids[2]]
    assert [assignment.open_counts(world.ws_a.id)[i] for i in ids] == [3, 3, 3]
    # All even: the tie goes round the circle after the last one chosen.
    one_more = _items(world, world.ws_a, 1)
    assignment.assign_workspace(world.ws_a, _working_time(world.ws_a))
    assert _assignees(one_more) == [ids[0]]


def test_cap_leaves_items_unassigned(app, world):
    team = _team(world, extra=1)
    _set(world, "round_robin", cap=2)
    items = _items(world, world.ws_a, 6)
    assert assignment.assign_workspace(world.ws_a, _working_time(world.ws_a)) == (4, 0)
    got = _assignees(items)
    assert got[4:] == [None, None]
    assert sorted(got[:4]) == sorted([team[0].id, team[0].id, team[1].id, team[1].id])
    # Closing an item frees a place for the next run.
    items[0].status = "closed"
    db.session.flush()
    assert assignment.assign_workspace(world.ws_a, _working_time(world.ws_a)) == (1, 0)
    assert _assignees(items)[4] == got[0]


def test_nobody_on_shift_outside_business_hours_or_when_absent(app, world):
    team = _team(world, extra=1)
    _set(world, "round_robin")
    items = _items(world, world.ws_a, 2)
    working = _working_time(world.ws_a)
    night = working.replace(hour=0) + timedelta(hours=1)  # 01:00 UTC, closed
    assert not effective_policy(world.ws_a).calendar.is_open(night)
    assert assignment.assign_workspace(world.ws_a, night) == (0, 0)
    assert _assignees(items) == [None, None]
    # team[0] is on holiday: everything goes to team[1].
    db.session.add(Absence(agency_id=world.agency_a.id, user_id=team[0].id, starts_on=date(2026, 12, 1),
                           ends_on=date(2026, 12, 4), kind="vacation"))
    db.session.flush()
    assert [u.id for u in assignment.on_shift(world.ws_a, working)] == [team[1].id]
    assert assignment.assign_workspace(world.ws_a, working) == (2, 0)
    assert _assignees(items) == [team[1].id, team[1].id]


def test_items_of_someone_going_off_shift_move_on_but_manual_assignments_stay(app, world):
    team = _team(world, extra=1)
    _set(world, "round_robin")
    items = _items(world, world.ws_a, 4)
    working = _working_time(world.ws_a)
    assignment.assign_workspace(world.ws_a, working)
    assert _assignees(items) == [team[0].id, team[1].id, team[0].id, team[1].id]
    # A person gives item 2 to team[0] by hand (it was auto-assigned to them: now it is a manual choice too).
    manual = _items(world, world.ws_a, 1)[0]
    assign(world.owner_a, manual, team[0])
    assign(world.owner_a, items[2], team[1])
    assign(world.owner_a, items[2], team[0])  # back and forth: now a person's choice, it stays
    db.session.add(Absence(agency_id=world.agency_a.id, user_id=team[0].id, starts_on=date(2026, 12, 2),
                           ends_on=date(2026, 12, 2), kind="sick"))
    db.session.flush()
    assigned, reassigned = assignment.assign_workspace(world.ws_a, working)
    got = _assignees([*items, manual])
    # The auto-assigned item of team[0] went to team[1]; those a person assigned stay with team[0].
    assert got == [team[1].id, team[1].id, team[0].id, team[1].id, team[0].id]
    assert (assigned, reassigned) == (0, 1)
    assert db.session.scalars(select(AutoAssignment.user_id).where(
        AutoAssignment.interaction_id == items[0].id)).one() == team[1].id


def test_manual_assignment_and_unassignment_always_win(app, world):
    team = _team(world, extra=1)
    _set(world, "round_robin")
    items = _items(world, world.ws_a, 3)
    working = _working_time(world.ws_a)
    assign(world.owner_a, items[0], world.am_a)  # a person chose someone who is not in the rotation
    assignment.assign_workspace(world.ws_a, working)
    assert _assignees(items) == [world.am_a.id, team[0].id, team[1].id]
    # Someone takes item 1 away from the auto assignee and leaves it unassigned: auto-assignment keeps off.
    assign(world.owner_a, items[1], None)
    assign(world.owner_a, items[2], team[0])
    assert assignment.assign_workspace(world.ws_a, working) == (0, 0)
    assert _assignees(items) == [world.am_a.id, None, team[0].id]
    # And going off shift does not move the manual ones either.
    db.session.add(Absence(agency_id=world.agency_a.id, user_id=team[0].id, starts_on=date(2026, 12, 2),
                           ends_on=date(2026, 12, 2), kind="sick"))
    db.session.flush()
    assert assignment.assign_workspace(world.ws_a, working) == (0, 0)
    assert _assignees(items) == [world.am_a.id, None, team[0].id]


def test_off_assigns_nothing_and_the_job_keeps_tenants_apart(app, world):
    team = _team(world, extra=0)
    items_a2 = _items(world, world.ws_a2, 1)  # ws_a2 has no setting: off
    cm_b = make_user(world.agency_b, "community_manager", workspaces=[world.ws_b])
    _set(world, "round_robin")
    assignment.save_settings(world.owner_b, world.ws_b, mode="least_open", cap=5)
    items_a = _items(world, world.ws_a, 2)
    items_b = _items(world, world.ws_b, 2, agency=world.agency_b)
    db.session.flush()
    assert assign_open_items.__wrapped__(_working_time(world.ws_a).isoformat()) >= 4
    assert _assignees(items_a) == [team[0].id, team[0].id]
    assert _assignees(items_b) == [cm_b.id, cm_b.id]
    assert _assignees(items_a2) == [None]
    _set(world, "off")
    fresh = _items(world, world.ws_a, 1)
    assert assignment.assign_workspace(world.ws_a, _working_time(world.ws_a)) == (0, 0)
    assert _assignees(fresh) == [None]


def test_setting_validates_and_needs_the_right(app, client, world):
    url = f"/w/{world.ws_a.slug}/assignment"
    login(client, world.cm_a)
    assert client.get(url).status_code == 404
    other = app.test_client()
    login(other, world.owner_b)
    assert other.get(url).status_code == 404
    client = app.test_client()
    login(client, world.owner_a)
    page = client.get(url).get_data(as_text=True)
    assert "Round robin" in page and world.cm_a.name in page
    for payload in ({}, {"mode": "random", "cap": "5"}, {"mode": "round_robin", "cap": "0"},
                    {"mode": "round_robin", "cap": "abc"}, {"mode": "round_robin", "cap": "1001"},
                    {"mode": "round_robin"}):
        assert post_form(client, url, payload).status_code == 400, payload
    assert db.session.scalars(select(AssignmentSettings)).all() == []
    response = post_form(client, url, {"mode": "least_open", "cap": "7"})
    assert response.status_code == 303
    row = db.session.scalars(select(AssignmentSettings)).one()
    assert (row.mode, row.cap, row.workspace_id) == ("least_open", 7, world.ws_a.id)
