"""Every community form answers garbage with a 4xx and a visible message, and writes nothing.

Payloads: tests/community/forms_registry.py (NUL bytes, bidi overrides, whitespace-only, huge values,
ids beyond bigint, unknown choices); file parts where text is expected and double submits are
checked here as well.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from agency import db
from agency.community.models import (
    CommunitySettings,
    CrisisIncident,
    CrisisPlan,
    Escalation,
    Expert,
    IncidentEvent,
    SavedReply,
    ToneGuide,
)
from agency.inbox.models import Note
from tests.community.forms_registry import FORMS
from tests.conftest import csrf_token, login

TABLES = (ToneGuide, CommunitySettings, SavedReply, Expert, Escalation, CrisisPlan, CrisisIncident, IncidentEvent,
          Note)


def _counts() -> dict[str, int]:
    return {t.__tablename__: db.session.scalar(select(func.count()).select_from(t)) for t in TABLES}


@pytest.fixture
def objects(world, make_interaction, expert_a):
    from agency.community.services import escalations

    interaction = make_interaction(world.ws_a, text="Ist da Gluten drin?")
    reply = SavedReply(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, title="Danke",
                       text_formal="Danke!", language="de")
    incident = CrisisIncident(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, title="Test",
                              checklist=[{"text": "Ruhe bewahren", "done_at": None, "done_by": None}])
    db.session.add_all([reply, incident])
    db.session.flush()
    escalation = escalations.escalate(world.owner_a, world.ws_a, interaction, expert_a, "Gluten?")
    with db.session.no_autoflush:
        from flask import current_app

        with current_app.test_request_context():
            token = escalations.link_token(escalation)
    return {"interaction_id": interaction.id, "saved_reply_id": reply.id, "expert_id": expert_a.id,
            "incident_id": incident.id, "token": token, "escalation": escalation.id}


def _url(world, path: str, objects) -> str:
    filled = path.format(**{k: v for k, v in objects.items() if k != "escalation"})
    return filled if filled.startswith("/") else f"/w/{world.ws_a.slug}/{filled}"


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_form_rejects_bad_input(app, client, world, objects, endpoint):
    path, payloads = FORMS[endpoint]
    login(client, world.owner_a)
    before = _counts()
    for payload in payloads:
        payload = {k: (str(objects[v[1:-1]]) if isinstance(v, str) and v[1:-1] in objects and v.startswith("{")
                       else v) for k, v in payload.items()}
        token_page = _url(world, path, objects) if endpoint == "community.expert_page" else "/profile"
        data = {**payload, "csrf_token": csrf_token(client, token_page)}
        response = client.post(_url(world, path, objects), data=data)
        assert 400 <= response.status_code < 500, (endpoint, list(payload), response.status_code)
        body = response.get_data(as_text=True)
        if response.mimetype == "application/json":
            assert response.get_json()["error"]["message"], (endpoint, list(payload))
        elif response.status_code != 413:
            assert 'class="error"' in body or "alert-error" in body, (endpoint, list(payload), body[:2000])
    after = _counts()
    assert after == before, endpoint  # nothing half-written
    assert db.session.get(Escalation, objects["escalation"]).status == "waiting"


@pytest.mark.parametrize("endpoint", ["community.saved_replies_index", "community.experts_index",
                                      "community.incident_note", "community.expert_page"])
def test_file_parts_where_text_is_expected(app, client, world, objects, endpoint):
    path, _payloads = FORMS[endpoint]
    login(client, world.owner_a)
    url = _url(world, path, objects)
    field = {"community.saved_replies_index": "title", "community.experts_index": "name",
             "community.incident_note": "text", "community.expert_page": "answer"}[endpoint]
    before = _counts()
    token_page = url if endpoint == "community.expert_page" else "/profile"
    response = client.post(url, data={"csrf_token": csrf_token(client, token_page),
                                      field: (io.BytesIO(b"\x00\x01binary"), "evil.bin"),
                                      "email": "v@x.de", "scope": "workspace", "kind": "reply", "language": "de",
                                      "text_formal": "Hallo"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "not a file" in response.get_data(as_text=True) or 'class="error"' in response.get_data(as_text=True)
    assert _counts() == before


def _post(client, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/profile")})


def test_double_submits_write_once(app, client, world, objects):
    login(client, world.owner_a)
    ws = world.ws_a.slug
    reply = {"title": "Öffnungszeiten", "scope": "workspace", "kind": "reply", "language": "de",
             "text_formal": "Wir haben Mo–Fr geöffnet."}
    assert _post(client, f"/w/{ws}/saved-replies", reply).status_code == 302
    again = _post(client, f"/w/{ws}/saved-replies", reply)
    assert again.status_code == 400 and "already exists" in again.get_data(as_text=True)
    question = {"expert": str(objects["expert_id"]), "question": "Gluten?"}
    twice = _post(client, f"/w/{ws}/inbox/{objects['interaction_id']}/escalate", question)
    assert twice.status_code == 400 and "already been asked" in twice.get_data(as_text=True)
    note = {"text": "Presse angefragt."}
    url = f"/w/{ws}/incidents/{objects['incident_id']}/note"
    assert _post(client, url, note).status_code == 302
    assert _post(client, url, note).status_code == 400
    assert _post(client, f"/w/{ws}/crisis/incidents", {"title": "Zweite Krise"}).status_code == 400  # one is open
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SavedReply).where(SavedReply.title == "Öffnungszeiten")) \
        == 1
    assert db.session.scalar(select(func.count()).select_from(CrisisIncident)) == 1


def test_ids_beyond_bigint_are_404(client, world):
    login(client, world.owner_a)
    huge = "9" * 30
    for path in (f"saved-replies/{huge}", f"experts/{huge}", f"incidents/{huge}", f"inbox/{huge}/escalate"):
        assert client.get(f"/w/{world.ws_a.slug}/{path}").status_code == 404, path
