"""The SLA pages: board, policy editors (agency and workspace), calendars, preview, the badge macro."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from agency import db
from agency.sla.models import SlaCalendar, SlaPolicy, SlaTarget
from agency.sla.policy import Target
from agency.sla.settings import save_policy
from tests.conftest import csrf_token, login

HUGE = "x" * 200_000


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/profile")})


def _counts():
    return tuple(db.session.scalar(select(func.count(m.id))) for m in (SlaPolicy, SlaTarget, SlaCalendar))


def test_agency_policy_editor_saves_targets(client, world):
    login(client, world.am_a)
    page = client.get("/settings/sla")
    assert page.status_code == 200
    assert 'name="m_first_response__comment__normal"' in page.get_data(as_text=True)
    response = _post(client, "/settings/sla", {
        "calendar": "default", "warn_minutes": "10", "warn_percent": "25",
        "m_first_response__comment__normal": "45", "m_resolution__review__low": "2880",
        "c_resolution__review__low": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.workspace_id.is_(None),
                                                      SlaPolicy.agency_id == world.agency_a.id))
    cells = {(t.metric, t.kind, t.priority): (t.minutes, t.business_hours) for t in policy.targets}
    assert cells == {("first_response", "comment", "normal"): (45, True),
                     ("resolution", "review", "low"): (2880, False)}
    assert (policy.warn_minutes, policy.warn_percent) == (10, 25)


def test_workspace_override_editor_and_reset(client, world):
    save_policy(world.owner_a, workspace=None, calendar_mode=None, calendar_id=None, warn_minutes=None,
                warn_percent=None, targets={("first_response", "comment", "normal"): Target(60, True)})
    login(client, world.am_a)
    url = f"/w/{world.ws_a.slug}/settings/sla"
    page = client.get(url).get_data(as_text=True)
    assert 'placeholder="60"' in page  # the inherited value shows through
    assert _post(client, url, {"calendar": "", "m_first_response__comment__normal": "15"}).status_code == 302
    policy = db.session.scalar(select(SlaPolicy).where(SlaPolicy.workspace_id == world.ws_a.id))
    assert [(t.kind, t.minutes) for t in policy.targets] == [("comment", 15)]
    assert policy.calendar_mode is None
    assert _post(client, f"{url}/reset", {}).status_code == 302
    assert db.session.scalar(select(SlaPolicy).where(SlaPolicy.workspace_id == world.ws_a.id)) is None


@pytest.mark.parametrize("url", ["/settings/sla", "/w/{ws}/settings/sla"])
def test_policy_editor_rejects_bad_input(client, world, url):
    login(client, world.owner_a)
    url = url.format(ws=world.ws_a.slug)
    before = _counts()
    for payload in ({"calendar": "mars"}, {"calendar": "default", "warn_minutes": "5000"},
                    {"calendar": "default", "warn_percent": "-1"},
                    {"calendar": "default", "m_first_response__comment__normal": "abc"},
                    {"calendar": "default", "m_first_response__comment__normal": "-5"},
                    {"calendar": "default", "m_next_response__review__low": "999999999"},
                    {"calendar": HUGE, "warn_minutes": HUGE, "m_first_response__comment__normal": HUGE},
                    {"calendar": "999999"}):
        response = _post(client, url, payload)
        assert response.status_code == 400, (payload.keys(), response.status_code)
        assert 'class="error"' in response.get_data(as_text=True) or "alert-error" in response.get_data(as_text=True)
    assert _counts() == before


def test_another_agencys_calendar_is_not_a_choice(client, world):
    other = SlaCalendar(agency_id=world.agency_b.id, name="B", definition={"tz": "UTC", "weekly": {}})
    db.session.add(other)
    login(client, world.owner_a)
    assert _post(client, "/settings/sla", {"calendar": str(other.id)}).status_code == 400


def test_calendar_editor(client, world):
    login(client, world.owner_a)
    assert client.get("/settings/sla/calendars/new").status_code == 200
    response = _post(client, "/settings/sla/calendars/new", {
        "name": "Sachsen Support", "timezone": "Europe/Berlin", "day_0": "08:00-12:00, 13:00-18:00",
        "day_1": "08:00-18:00", "day_5": "10:00-14:00", "country": "de", "subdivision": "SN",
        "holidays": "2026-12-24\n2026-12-31"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    calendar = db.session.scalar(select(SlaCalendar).where(SlaCalendar.name == "Sachsen Support"))
    assert calendar.definition["weekly"]["0"] == [["08:00", "12:00"], ["13:00", "18:00"]]
    assert calendar.definition["country"] == "DE" and calendar.definition["holidays"] == ["2026-12-24", "2026-12-31"]
    edit = client.get(f"/settings/sla/calendars/{calendar.id}").get_data(as_text=True)
    assert "08:00-12:00, 13:00-18:00" in edit
    # A policy uses it: it cannot be deleted; once free, it can.
    save_policy(world.owner_a, workspace=None, calendar_mode="custom", calendar_id=calendar.id, warn_minutes=None,
                warn_percent=None, targets={})
    db.session.commit()
    _post(client, f"/settings/sla/calendars/{calendar.id}/delete", {})
    assert db.session.get(SlaCalendar, calendar.id) is not None
    save_policy(world.owner_a, workspace=None, calendar_mode="default", calendar_id=None, warn_minutes=None,
                warn_percent=None, targets={})
    db.session.commit()
    assert _post(client, f"/settings/sla/calendars/{calendar.id}/delete", {}).status_code == 302
    assert db.session.scalar(select(func.count(SlaCalendar.id))) == 0


@pytest.mark.parametrize("new", [True, False])
def test_calendar_editor_rejects_bad_input(client, world, new):
    url = "/settings/sla/calendars/new"
    if not new:
        calendar = SlaCalendar(agency_id=world.agency_a.id, name="Mine", definition={"tz": "UTC", "weekly": {}})
        db.session.add(calendar)
        db.session.add(SlaCalendar(agency_id=world.agency_a.id, name="Taken", definition={"tz": "UTC", "weekly": {}}))
        db.session.flush()
        url = f"/settings/sla/calendars/{calendar.id}"
    login(client, world.owner_a)
    good = {"name": "Fine", "timezone": "Europe/Berlin", "day_0": "09:00-17:00"}
    before = _counts()
    for payload in ({}, {**good, "name": ""}, {**good, "timezone": "Mars/Olympus"}, {**good, "day_0": "9 to 5"},
                    {**good, "day_0": "09:00-09:00"}, {**good, "day_2": "25:00-26:00"},
                    {**good, "country": "XX"}, {**good, "country": "DE", "subdivision": "ZZ"},
                    {**good, "holidays": "tomorrow"}, {**good, "name": HUGE, "timezone": HUGE, "day_0": HUGE},
                    {**good, "name": "taken" if not new else " "}):
        response = _post(client, url, payload)
        assert response.status_code == 400, (list(payload), response.status_code)
        body = response.get_data(as_text=True)
        assert 'class="error"' in body or "alert-error" in body, list(payload)
    assert _counts() == before


def test_community_managers_cannot_edit_but_see_the_board(client, world):
    login(client, world.cm_a)
    assert client.get("/settings/sla").status_code == 403
    assert client.get(f"/w/{world.ws_a.slug}/settings/sla").status_code == 404
    assert client.get("/sla").status_code == 200


def test_board_counts_per_workspace_and_assignee(client, world, ingest):
    save_policy(world.owner_a, workspace=None, calendar_mode=None, calendar_id=None, warn_minutes=None,
                warn_percent=None, targets={("first_response", "comment", "normal"): Target(60, False)})
    now = db.utcnow()
    ingest(now - timedelta(minutes=50))
    late = ingest(now - timedelta(minutes=90), text="Wo bleibt meine Antwort?")
    late.assignee_id = world.cm_a.id
    login(client, world.cm_a)
    page = client.get("/sla").get_data(as_text=True)
    assert "Wo bleibt meine Antwort?" in page and f"/w/{world.ws_a.slug}/inbox/{late.id}" in page
    assert 'class="sla-count-at_risk">1<' in page and 'class="sla-count-breached">1<' in page
    assert world.cm_a.name in page and "data-sla-due=" in page
    # Someone who does not work in the workspace sees none of it.
    other = app_client(client)
    login(other, world.cm_unassigned)
    assert "Wo bleibt" not in other.get("/sla").get_data(as_text=True)


def app_client(client):
    return client.application.test_client()


def test_preview_json_and_page(client, world):
    save_policy(world.owner_a, workspace=None, calendar_mode=None, calendar_id=None, warn_minutes=None,
                warn_percent=None, targets={("first_response", "comment", "normal"): Target(60, True)})
    ws = db.session.get(type(world.ws_a), world.ws_a.id)
    ws.timezone, ws.country, ws.subdivision = "Europe/Berlin", "DE", "BY"
    login(client, world.owner_a)
    data = client.get(f"/settings/sla/preview?workspace={world.ws_a.slug}&kind=comment&priority=normal"
                      "&at=2026-11-27T16:30").get_json()
    assert data["lines"][0]["due"] == "2026-11-30T08:30:00+00:00"  # Monday 09:30 in Berlin
    assert "Monday" in data["lines"][0]["text"] or "Montag" in data["lines"][0]["text"]
    bad = client.get(f"/settings/sla/preview?workspace={world.ws_a.slug}&kind=poem&at=never")
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"]
    assert client.get(f"/settings/sla/preview?workspace={world.ws_b.slug}").status_code == 404
    page = client.get(f"/settings/sla?workspace={world.ws_a.slug}&kind=comment&priority=normal&at=2026-11-27T16:30")
    assert "30 Nov" in page.get_data(as_text=True) and "2026, 09:30" in page.get_data(as_text=True)


def test_badge_macro(app, world, ingest):
    now = db.utcnow()
    save_policy(world.owner_a, workspace=None, calendar_mode=None, calendar_id=None, warn_minutes=None,
                warn_percent=None, targets={("first_response", "comment", "normal"): Target(60, False)})
    item = ingest(now - timedelta(minutes=50))
    template = '{% from "sla/macros.html" import sla_badge, sla_assets %}{{ sla_assets() }}{{ sla_badge(i) }}'
    with app.test_request_context():
        html = render_template_string(template, i=item)
    assert "sla-at_risk" in html and f'data-sla-due="{item.sla_due_at.isoformat(timespec="seconds")}"' in html
    assert "js/sla.js" in html and 'class="sla-when"' in html
    item.sla_state = None
    with app.test_request_context():
        assert render_template_string(template, i=item).count("sla-badge") == 0
