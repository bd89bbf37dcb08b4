"""Teams of staff per workspace: create, rename, delete (after a confirmation page), members only from the
workspace's staff; managers manage, community managers read; other tenants get 404; bad input a 400; auto-
assignment limited to a team; the inbox's "my team" filter."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from agency import db
from agency.audit import AuditEvent
from agency.moderation import assignment, teams
from agency.moderation.models import AssignmentSettings, Team, TeamMember
from tests.conftest import login, make_user, post_form
from tests.moderation.test_assignment import _assignees, _items, _working_time


def _teams_url(world, ws=None) -> str:
    return f"/w/{(ws or world.ws_a).slug}/teams"


def _names(ws_id: int) -> list[str]:
    return [t.name for t in teams.teams_of(ws_id)]


def test_manager_creates_renames_fills_and_deletes_a_team(client, world):
    login(client, world.am_a)
    url = _teams_url(world)
    assert client.get(url).status_code == 200
    response = post_form(client, url, {"name": "  Wochenende   Team "})
    assert response.status_code == 303
    team = db.session.scalars(select(Team)).one()
    assert (team.name, team.workspace_id, team.agency_id) == ("Wochenende Team", world.ws_a.id, world.agency_a.id)
    # The same name in another case is the same team; a double submit creates nothing more.
    assert post_form(client, url, {"name": "wochenende team"}).status_code == 400
    assert _names(world.ws_a.id) == ["Wochenende Team"]

    base = f"{url}/{team.id}"
    assert post_form(client, f"{base}/rename", {"name": "Reviews"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Team, team.id).name == "Reviews"

    assert post_form(client, f"{base}/members", {"user": str(world.cm_a.id)}).status_code == 303
    assert post_form(client, f"{base}/members", {"user": str(world.cm_a.id)}).status_code == 303  # twice: once
    assert post_form(client, f"{base}/members", {"user": str(world.owner_a.id)}).status_code == 303  # owners too
    assert teams.member_ids(team.id) == {world.cm_a.id, world.owner_a.id}
    page = client.get(url).get_data(as_text=True)
    assert f'data-team-member="{world.cm_a.id}"' in page and world.cm_a.name in page

    assert post_form(client, f"{base}/members/remove", {"user": str(world.owner_a.id)}).status_code == 303
    assert post_form(client, f"{base}/members/remove", {"user": str(world.owner_a.id)}).status_code == 303
    assert teams.member_ids(team.id) == {world.cm_a.id}

    # Deleting asks first (a page that says what happens), then deletes the team and its memberships only.
    confirm = client.get(f"{base}/delete")
    assert confirm.status_code == 200 and f'data-team-delete="{team.id}"' in confirm.get_data(as_text=True)
    assert db.session.get(Team, team.id) is not None
    assert post_form(client, f"{base}/delete").status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Team)).all() == [] and db.session.scalars(select(TeamMember)).all() == []
    assert post_form(client, f"{base}/delete").status_code == 404  # a second click: gone

    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.agency_id == world.agency_a.id)))
    assert {"moderation.team_created", "moderation.team_renamed", "moderation.team_member_added",
            "moderation.team_member_removed", "moderation.team_deleted"} <= actions


def test_members_are_only_staff_of_the_workspace(client, world):
    team = teams.create_team(world.owner_a, world.ws_a, "Support")
    login(client, world.owner_a)
    url = f"{_teams_url(world)}/{team.id}/members"
    outsider = make_user(world.agency_b, "community_manager", workspaces=[world.ws_b])
    inactive = make_user(world.agency_a, "community_manager", workspaces=[world.ws_a], is_active_user=False)
    db.session.commit()
    for who in (world.cm_unassigned, world.client_a, outsider, inactive):
        assert post_form(client, url, {"user": str(who.id)}).status_code == 400, who.role
    assert teams.member_ids(team.id) == set()
    page = client.get(_teams_url(world)).get_data(as_text=True)
    menu = re.search(r'<select name="user">(.*?)</select>', page, re.S).group(1)
    assert f'value="{world.cm_a.id}"' in menu and f'value="{world.cm_unassigned.id}"' not in menu
    assert f'value="{world.client_a.id}"' not in menu


@pytest.mark.parametrize("payload", [
    {}, {"name": ""}, {"name": "   "}, {"name": "x" * 81}, {"name": "\x00"},
])
def test_bad_team_names_are_refused(client, world, payload):
    login(client, world.am_a)
    response = post_form(client, _teams_url(world), payload)
    assert response.status_code == 400
    assert db.session.scalars(select(Team)).all() == []


def test_bad_member_and_rename_input_is_refused(client, world):
    team = teams.create_team(world.owner_a, world.ws_a, "Support")
    teams.create_team(world.owner_a, world.ws_a, "Presse")
    login(client, world.am_a)
    base = f"{_teams_url(world)}/{team.id}"
    for value in ("", "   ", "abc", "-1", "99999999999999999999999", "1.5", "\x00"):
        assert post_form(client, f"{base}/members", {"user": value}).status_code == 400, value
        assert post_form(client, f"{base}/members/remove", {"user": value}).status_code in (303, 400), value
    for value in ("", "   ", "x" * 81, "PRESSE"):
        assert post_form(client, f"{base}/rename", {"name": value}).status_code == 400, value
    db.session.expire_all()
    assert db.session.get(Team, team.id).name == "Support" and teams.member_ids(team.id) == set()
    for huge in ("99999999999999999999", "9223372036854775808"):
        assert client.get(f"{_teams_url(world)}/{huge}/delete").status_code == 404


def test_community_managers_read_clients_and_outsiders_get_nothing(app, client, world):
    team = teams.create_team(world.owner_a, world.ws_a, "Support")
    teams.add_member(world.owner_a, team, world.cm_a.id)
    other = teams.create_team(world.owner_a, world.ws_a2, "Anderswo")
    db.session.commit()
    login(client, world.cm_a)
    page = client.get(_teams_url(world))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Support" in html and "data-team-create" not in html and "/delete" not in html
    base = f"{_teams_url(world)}/{team.id}"
    assert post_form(client, _teams_url(world), {"name": "Neu"}).status_code == 403
    assert post_form(client, f"{base}/rename", {"name": "Neu"}).status_code == 403
    assert post_form(client, f"{base}/members", {"user": str(world.cm_a.id)}).status_code == 403
    assert post_form(client, f"{base}/members/remove", {"user": str(world.cm_a.id)}).status_code == 403
    assert client.get(f"{base}/delete").status_code == 403
    assert post_form(client, f"{base}/delete").status_code == 403
    # A team of a workspace the user does not work in, also under a visible workspace's address: 404.
    assert client.get(_teams_url(world, world.ws_a2)).status_code == 404
    assert client.get(f"{_teams_url(world)}/{other.id}/delete").status_code == 404

    customer = app.test_client()
    login(customer, world.client_a)
    assert customer.get(_teams_url(world)).status_code in (403, 404)

    outsider = app.test_client()
    login(outsider, world.owner_b)
    assert outsider.get(_teams_url(world)).status_code == 404
    for path in ("", f"/{team.id}/rename", f"/{team.id}/members", f"/{team.id}/members/remove", f"/{team.id}/delete"):
        assert post_form(outsider, _teams_url(world) + path, {"name": "X", "user": str(world.cm_a.id)}) \
            .status_code == 404, path
    assert outsider.get(f"{_teams_url(world)}/{team.id}/delete").status_code == 404
    # Their own workspace's address with our team's id: 404 too.
    assert post_form(outsider, f"/w/{world.ws_b.slug}/teams/{team.id}/delete").status_code == 404
    db.session.expire_all()
    assert db.session.get(Team, team.id).name == "Support" and teams.member_ids(team.id) == {world.cm_a.id}


def test_assignment_limited_to_a_team(app, client, world):
    others = [make_user(world.agency_a, "community_manager", workspaces=[world.ws_a]) for _ in range(2)]
    team = teams.create_team(world.owner_a, world.ws_a, "Wochenende")
    for person in others:
        teams.add_member(world.owner_a, team, person.id)
    teams.add_member(world.owner_a, team, world.am_a.id)  # in the team, but no community manager: gets nothing
    ids = sorted(p.id for p in others)

    for mode in ("round_robin", "least_open"):
        assignment.save_settings(world.owner_a, world.ws_a, mode=mode, cap=20, team_id=team.id)
        items = _items(world, world.ws_a, 4)
        assignment.assign_workspace(world.ws_a, _working_time(world.ws_a))
        got = _assignees(items)
        assert set(got) == set(ids), mode  # the team's community managers only, both of them
        assert world.cm_a.id not in got and world.am_a.id not in got

    # Back to all staff: cm_a gets work again.
    assignment.save_settings(world.owner_a, world.ws_a, mode="round_robin", cap=20, team_id=None)
    items = _items(world, world.ws_a, 6)
    assignment.assign_workspace(world.ws_a, _working_time(world.ws_a))
    assert world.cm_a.id in _assignees(items)

    # The setting on the page: a team of this workspace only.
    login(client, world.owner_a)
    url = f"/w/{world.ws_a.slug}/assignment"
    page = client.get(url).get_data(as_text=True)
    assert f'value="{team.id}"' in page
    foreign = teams.create_team(world.owner_a, world.ws_a2, "Fremd")
    db.session.commit()
    for value in (str(foreign.id), "abc", "99999999999999999999", "-3"):
        assert post_form(client, url, {"mode": "round_robin", "cap": "5", "team": value}).status_code == 400, value
    assert post_form(client, url, {"mode": "least_open", "cap": "5", "team": str(team.id)}).status_code == 303
    row = db.session.scalars(select(AssignmentSettings).where(AssignmentSettings.workspace_id == world.ws_a.id)).one()
    assert (row.mode, row.team_id) == ("least_open", team.id)

    # Deleting the team: the workspace assigns among all its community managers again.
    confirm = client.get(f"/w/{world.ws_a.slug}/teams/{team.id}/delete").get_data(as_text=True)
    assert "Auto-assignment" in confirm or "automatische" in confirm.lower() or "data-team-delete" in confirm
    assert post_form(client, f"/w/{world.ws_a.slug}/teams/{team.id}/delete").status_code == 303
    db.session.expire_all()
    assert db.session.get(AssignmentSettings, row.id).team_id is None


def _listed(client, query: str) -> set[int]:
    page = client.get(f"/inbox/?{query}").get_data(as_text=True)
    return {int(i) for i in re.findall(r'name="ids" value="(\d+)"', page)}


def test_my_team_filter(app, client, world):
    mate = make_user(world.agency_a, "community_manager", workspaces=[world.ws_a, world.ws_a2])
    stranger = make_user(world.agency_a, "community_manager", workspaces=[world.ws_a])
    world.cm_a.memberships  # noqa: B018  (loaded before the commit below)
    from agency.accounts.models import Membership

    db.session.add(Membership(agency_id=world.agency_a.id, user_id=world.cm_a.id, workspace_id=world.ws_a2.id))
    team = teams.create_team(world.owner_a, world.ws_a, "Support")
    teams.add_member(world.owner_a, team, world.cm_a.id)
    teams.add_member(world.owner_a, team, mate.id)
    mine, mates, strangers, unassigned = _items(world, world.ws_a, 4)
    mine.assignee_id, mates.assignee_id, strangers.assignee_id = world.cm_a.id, mate.id, stranger.id
    # The mate's item in another workspace, where the two share no team: not "my team".
    elsewhere = _items(world, world.ws_a2, 2)
    elsewhere[0].assignee_id = mate.id
    db.session.flush()

    login(client, world.cm_a)
    assert _listed(client, "assignee=team") == {mine.id, mates.id}
    # Auto-assignment of ws_a limited to the team: its unassigned items are the team's too.
    assignment.save_settings(world.owner_a, world.ws_a, mode="round_robin", cap=20, team_id=team.id)
    db.session.commit()
    assert _listed(client, "assignee=team") == {mine.id, mates.id, unassigned.id}
    page = client.get("/inbox/?assignee=team").get_data(as_text=True)
    assert 'value="team" selected' in page

    # Someone in no team sees nothing under "my team"; other filters still apply.
    loner = app.test_client()
    login(loner, stranger)
    assert _listed(loner, "assignee=team") == set()
    assert _listed(client, "assignee=team&kind=review") == set()
