"""The resources through the API: the inbox's filters and cursor, changes, replies, notes, time, budgets;
errors in one shape, nothing half-written."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from agency import db
from agency.inbox.models import Interaction, Note, Reply
from agency.timetracking.models import TimeEntry
from agency.timetracking.settings import today
from tests.api.conftest import make_interaction
from tests.conftest import make_channel
from tests.timetracking.conftest import activity_of


def test_list_with_filters_and_keyset_cursor(app, world, api):
    channel = make_channel(world.ws_a)
    items = [make_interaction(world.ws_a, channel, text=f"Frage {n}", minutes_ago=n) for n in range(7)]
    make_interaction(world.ws_a2, text="anderer Kunde")
    items[0].tags = ["VIP"]
    items[1].status = "closed"
    db.session.commit()
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/interactions", query_string={"workspace": world.ws_a.id, "limit": 2,
                                                             **({"cursor": cursor} if cursor else {})}).json
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    open_ids = [i.id for n, i in enumerate(items) if n != 1]
    assert seen == open_ids  # newest first, each once, the closed one left out (status=open by default)
    assert [i["id"] for i in api.get("/api/v1/interactions?tag=vip").json["items"]] == [items[0].id]
    closed = api.get(f"/api/v1/interactions?status=closed&workspace={world.ws_a.id}").json["items"]
    assert [i["id"] for i in closed] == [items[1].id]
    oldest = api.get(f"/api/v1/interactions?sort=oldest&limit=1&workspace={world.ws_a.id}").json["items"]
    assert oldest[0]["id"] == items[-1].id


def test_bad_filters_are_422_with_fields(app, world, api):
    other_workspace = world.ws_b.id  # read now: a refused request rolls the shared session back
    for query, field in (("status=nonsense", "status"), ("limit=0", "limit"), ("limit=101", "limit"),
                         ("assignee=robert'); drop", "assignee"), ("cursor=not-a-cursor", "cursor"),
                         ("unknown=1", "unknown"), ("workspace=abc", "workspace.0")):
        response = api.get(f"/api/v1/interactions?{query}")
        assert response.status_code == 422, query
        assert field in response.json["error"]["fields"], (query, response.json)
    other = api.get(f"/api/v1/interactions?workspace={other_workspace}")
    assert other.status_code == 404


def test_assign_tag_status_in_one_change(app, world, api):
    item = make_interaction(world.ws_a)
    db.session.commit()
    response = api.patch(f"/api/v1/interactions/{item.id}", json={
        "assignee_id": world.cm_a.id, "add_tags": ["VIP", "Lob"], "status": "waiting", "priority": "high"})
    assert response.status_code == 200
    body = response.json
    assert (body["assignee_id"], body["tags"], body["status"], body["priority"]) == (
        world.cm_a.id, ["VIP", "Lob"], "waiting", "high")
    removed = api.patch(f"/api/v1/interactions/{item.id}", json={"remove_tags": ["vip"], "assignee_id": None})
    assert removed.json["tags"] == ["Lob"] and removed.json["assignee_id"] is None


def test_a_refused_change_writes_nothing(app, world, api):
    item_id = make_interaction(world.ws_a).id
    outsider, stranger = world.cm_unassigned.id, world.owner_b.id
    db.session.commit()
    # A valid status with someone who does not work in the workspace: all refused, the status too.
    response = api.patch(f"/api/v1/interactions/{item_id}", json={"status": "closed", "assignee_id": outsider})
    assert response.status_code == 422 and "assignee" in response.json["error"]["fields"]
    db.session.expire_all()
    assert db.session.get(Interaction, item_id).status == "new"
    for body in ({"tags": ["<script>"]}, {"status": "gone"}, {"nope": 1}, {"assignee_id": stranger}):
        assert api.patch(f"/api/v1/interactions/{item_id}", json=body).status_code == 422, body
    assert api.patch(f"/api/v1/interactions/{item_id}", data="{not json",
                     content_type="application/json").status_code == 400
    assert api.patch(f"/api/v1/interactions/{item_id}", data="status=closed").status_code == 415
    db.session.expire_all()
    assert db.session.get(Interaction, item_id).status == "new" and db.session.get(Interaction, item_id).tags == []


def test_reply_is_queued_and_notes_are_added(app, world, api):
    item = make_interaction(world.ws_a)
    db.session.commit()
    reply = api.post(f"/api/v1/interactions/{item.id}/replies", json={"text": "Wir öffnen um 9 Uhr."})
    assert reply.status_code == 202 and reply.json["status"] == "queued"
    assert db.session.scalar(select(func.count(Reply.id)).where(Reply.interaction_id == item.id)) == 1
    assert api.get(f"/api/v1/interactions/{item.id}/replies").json["items"][0]["text"] == "Wir öffnen um 9 Uhr."
    empty = api.post(f"/api/v1/interactions/{item.id}/replies", json={"text": "   "})
    assert empty.status_code == 422
    note = api.post(f"/api/v1/interactions/{item.id}/notes", json={"text": "Stammkundin\u0000"})
    assert note.status_code == 201 and note.json["text"] == "Stammkundin"
    assert [n["id"] for n in api.get(f"/api/v1/interactions/{item.id}/notes").json["items"]] == [note.json["id"]]
    assert db.session.scalar(select(func.count(Note.id))) == 1


def test_time_entries_crud_and_timer(app, world):
    from tests.api.conftest import Api, make_token

    activity = activity_of(world.agency_a)
    api = Api(app.test_client(), make_token(world.cm_a))
    db.session.commit()
    day = (today(world.agency_a) - timedelta(days=1)).isoformat()
    created = api.post("/api/v1/time-entries", json={"workspace_id": world.ws_a.id, "activity_id": activity.id,
                                                     "work_date": day, "minutes": 90, "note": "Moderation"})
    assert created.status_code == 201, created.json
    entry_id = created.json["id"]
    assert api.get(f"/api/v1/time-entries/{entry_id}").json["minutes"] == 90
    assert [e["id"] for e in api.get("/api/v1/time-entries").json["items"]] == [entry_id]
    changed = api.put(f"/api/v1/time-entries/{entry_id}", json={
        "workspace_id": world.ws_a.id, "activity_id": activity.id, "work_date": day, "minutes": 60})
    assert changed.status_code == 200 and changed.json["minutes"] == 60
    future = api.post("/api/v1/time-entries", json={"workspace_id": world.ws_a.id, "activity_id": activity.id,
                                                    "work_date": "2999-01-01", "minutes": 5})
    assert future.status_code == 422
    elsewhere = api.post("/api/v1/time-entries", json={"workspace_id": world.ws_a2.id, "activity_id": activity.id,
                                                       "work_date": day, "minutes": 5})
    assert elsewhere.status_code == 422 and "workspace_id" in elsewhere.json["error"]["fields"]
    naive = api.post("/api/v1/time-entries", json={"workspace_id": world.ws_a.id, "activity_id": activity.id,
                                                   "started_at": "2026-11-30T10:00:00",
                                                   "ended_at": "2026-11-30T11:00:00"})
    assert naive.status_code == 422
    assert api.delete(f"/api/v1/time-entries/{entry_id}").status_code == 204
    assert api.get(f"/api/v1/time-entries/{entry_id}").status_code == 404
    started = api.post("/api/v1/timer/start", json={"workspace_id": world.ws_a.id, "activity_id": activity.id})
    assert started.status_code == 200 and started.json["running"]["running"] is True
    assert api.get("/api/v1/timer").json["running"]["id"] == started.json["running"]["id"]
    assert api.post("/api/v1/timer/stop").json == {"running": None}
    assert db.session.scalar(select(TimeEntry).where(TimeEntry.ended_at.is_(None))) is None


def test_other_peoples_time_only_for_approvers(app, world):
    from tests.api.conftest import Api, make_token
    from tests.timetracking.conftest import make_entry

    entry_id = make_entry(world.cm_a, world.ws_a, day=today(world.agency_a) - timedelta(days=1), minutes=30).id
    owner_id = world.cm_a.id
    cm = Api(app.test_client(), make_token(world.cm_unassigned))
    am = Api(app.test_client(), make_token(world.am_a))
    db.session.commit()
    assert cm.get(f"/api/v1/time-entries?user={owner_id}").status_code == 403
    assert cm.get(f"/api/v1/time-entries/{entry_id}").status_code == 404
    assert [e["id"] for e in am.get(f"/api/v1/time-entries?user={owner_id}").json["items"]] == [entry_id]


def test_budget_of_a_workspace(app, world, api):
    response = api.get(f"/api/v1/workspaces/{world.ws_a.id}/budget?month=2026-11")
    assert response.status_code == 200 and response.json["month"] == "2026-11-01"
    assert api.get(f"/api/v1/workspaces/{world.ws_a.id}/budget?month=2026-13").status_code == 422
    assert api.get(f"/api/v1/workspaces/{world.ws_b.id}/budget").status_code == 404


def test_workspaces_and_channels(app, world):
    from tests.api.conftest import Api, make_token

    channel = make_channel(world.ws_a, name="Bäckerei Seite")
    cm = Api(app.test_client(), make_token(world.cm_a))
    db.session.commit()
    assert [w["id"] for w in cm.get("/api/v1/workspaces").json["items"]] == [world.ws_a.id]
    assert cm.get(f"/api/v1/workspaces/{world.ws_a2.id}").status_code == 404
    channels = cm.get(f"/api/v1/workspaces/{world.ws_a.id}/channels").json["items"]
    assert [(c["id"], c["name"]) for c in channels] == [(channel.id, "Bäckerei Seite")]
    assert "access_token" not in channels[0]
