"""DSGVO tools: find a person across channels, export everything (ZIP of JSON + HTML), erase them (no trace
of their texts or names in any text column, counts unchanged), the request record and audit, retention
whose dry run equals the real run."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import String, Text, func, select, text

from agency import db
from agency.audit import AuditEvent
from agency.inbox.models import Interaction, Note, Reply
from agency.privacy import jobs, services
from agency.privacy.models import PrivacyRequest, RetentionSetting
from tests.api.conftest import make_interaction
from tests.conftest import csrf_token, login, make_channel

NAME, HANDLE = "Erika Mustermann-Zyx", "fan-erika-4711"
TEXTS = ["Meine Bestellung 81723 kam nie an, Frau Zyx ist sauer!", "Bitte ruft mich an unter 0170 5551234"]


@pytest.fixture
def fan(world):
    """Erika on two channels of ws_a, with replies to her, notes about her and a colleague quoting her."""
    fb, ig = make_channel(world.ws_a), make_channel(world.ws_a)  # two Facebook pages of the client
    items = [make_interaction(world.ws_a, fb, text=TEXTS[0], author_name=NAME, author_external_id=HANDLE,
                              author_avatar_url="https://example.com/erika.png", tags=["Beschwerde"]),
             make_interaction(world.ws_a, ig, text=TEXTS[1], author_name=NAME, author_external_id=HANDLE,
                              minutes_ago=60)]
    others = [make_interaction(world.ws_a, fb, text=f"Ich stimme {NAME} zu", author_name="Otto Normal",
                               author_external_id="fan-otto")]
    make_interaction(world.ws_a2, text="Anderer Kunde", author_name=NAME, author_external_id=HANDLE)
    db.session.add_all([
        Reply(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, interaction_id=items[0].id,
              author_id=world.cm_a.id, text=f"Liebe {NAME}, das tut uns leid.", status="sent"),
        Note(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, interaction_id=items[0].id,
             author_id=world.cm_a.id, text=f"{NAME} ist Stammkundin, Bestellung 81723"),
    ])
    db.session.flush()
    return {"items": items, "others": others}


def _person(world, query=NAME):
    [person] = services.find_people(world.ws_a, query)
    return services.person_from_key(world.ws_a, person.key)


def test_find_a_person_by_name_handle_or_part(app, world, fan):
    for query in (NAME, "mustermann", HANDLE):
        people = services.find_people(world.ws_a, query)
        assert [(p.external_id, p.count) for p in people] == [(HANDLE, 2)], query
    assert services.find_people(world.ws_a, "x") == []  # too short
    assert services.find_people(world.ws_a2, "Otto") == []  # per workspace


def test_export_holds_everything(app, world, fan):
    archive, record = services.export_zip(world.am_a, world.ws_a, _person(world), received_on=date.today())
    files = zipfile.ZipFile(io.BytesIO(archive))
    assert sorted(files.namelist()) == ["data.json", "summary.html"]
    data = json.loads(files.read("data.json"))
    assert sorted(i["text"] for i in data["interactions"]) == sorted(TEXTS)
    assert data["person"] == {"platform": "facebook_page", "platform_id": HANDLE, "names": [NAME],
                              "avatar_urls": ["https://example.com/erika.png"], "picture_urls": []}
    assert [r["text"] for r in data["replies_to_them"]] == [f"Liebe {NAME}, das tut uns leid."]
    assert [n["text"] for n in data["internal_notes"]] == [f"{NAME} ist Stammkundin, Bestellung 81723"]
    assert ["Beschwerde"] in [i["labels"] for i in data["interactions"]]
    html = files.read("summary.html").decode()
    assert TEXTS[0].replace("!", "") in html and NAME in html
    assert record.kind == "export" and record.outcome == {"interactions": 2, "replies": 1, "notes": 1}
    assert NAME not in record.subject


def _all_text(agency_id: int) -> list[tuple[str, str, str]]:
    """Every value of every text, varchar and jsonb column of every table (system scope), as text."""
    rows = []
    with db.system_scope("test: scan every text column"):
        for table in db.Base.metadata.sorted_tables:
            for column in table.c:
                kind = type(column.type).__name__
                if isinstance(column.type, String | Text) or kind in ("JSONB", "JSON", "ARRAY", "EncryptedText"):
                    if kind == "EncryptedText":
                        continue
                    values = db.session.execute(text(f'SELECT "{column.name}"::text FROM "{table.name}" '
                                                     f'WHERE "{column.name}" IS NOT NULL')).scalars()
                    rows += [(table.name, column.name, v) for v in values]
    return rows


def _counts(workspace_id: int) -> dict:
    month = func.date_trunc("month", Interaction.platform_created_at)
    return dict(db.session.execute(select(month, func.count()).where(Interaction.workspace_id == workspace_id)
                                   .group_by(month)).all())


def test_erasure_leaves_no_trace_and_keeps_counts(app, world, fan):
    before = _counts(world.ws_a.id)
    record = services.erase(world.am_a, world.ws_a, _person(world), received_on=date.today() - timedelta(days=3))
    db.session.flush()
    needles = [NAME, HANDLE, *TEXTS, "Mustermann", "erika.png"]
    found = [(t, c, v[:80]) for t, c, v in _all_text(world.agency_a.id)
             if any(n.lower() in v.lower() for n in needles) and not v.startswith("Anderer Kunde")]
    # Only the other workspace (another client, its own controller) still knows her.
    other = {i.id for i in db.session.scalars(select(Interaction).where(Interaction.workspace_id == world.ws_a2.id))}
    leftovers = [f for f in found if not (f[0] == "interactions" and f[2] in (NAME, HANDLE))]
    assert leftovers == []
    assert db.session.scalar(select(func.count()).select_from(Interaction).where(
        Interaction.id.in_(other), Interaction.author_name == NAME)) == 1
    assert _counts(world.ws_a.id) == before  # report counts stay
    erased = db.session.get(Interaction, fan["items"][0].id)
    assert erased.author_external_id.startswith("person-") and erased.author_avatar_url is None
    assert erased.tags == ["Beschwerde"] and erased.status == "new"  # what counts in reports is kept
    assert db.session.get(Interaction, fan["others"][0].id).text == "Ich stimme [erased] zu"
    assert record.outcome["interactions"] == 2 and record.received_on == date.today() - timedelta(days=3)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.erased"))
    assert event is not None and NAME not in json.dumps(event.details)
    assert services.find_people(world.ws_a, NAME) == []


def test_erasure_through_the_page_needs_confirmation(app, world, fan):
    key = _person(world).key
    slug, ws_id = world.ws_a.slug, world.ws_a.id
    client = app.test_client()
    login(client, world.am_a)
    page = client.get(f"/w/{slug}/privacy?q=Mustermann")
    assert page.status_code == 200 and HANDLE in page.get_data(as_text=True)
    confirm_page = client.get(f"/w/{slug}/privacy/erase", query_string={"person": key})
    assert confirm_page.status_code == 200
    token = csrf_token(client, f"/w/{slug}/privacy")
    refused = client.post(f"/w/{slug}/privacy/erase", data={"person": key, "received_on": date.today().isoformat(),
                                                             "csrf_token": token})
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count(PrivacyRequest.id))) == 0
    done = client.post(f"/w/{slug}/privacy/erase", data={"person": key, "received_on": date.today().isoformat(),
                                                          "confirm": "y", "csrf_token": token})
    assert done.status_code == 302
    assert db.session.scalar(select(func.count(Interaction.id)).where(
        Interaction.workspace_id == ws_id, Interaction.author_name == NAME)) == 0
    listing = client.get(f"/w/{slug}/privacy").get_data(as_text=True)
    assert "person-" in listing  # the record of the request
    export = client.post(f"/w/{slug}/privacy/export", data={"person": key, "received_on": date.today().isoformat(),
                                                             "csrf_token": token})
    assert export.status_code == 422  # nobody is left to export


def test_export_through_the_page_and_roles(app, world, fan):
    key = _person(world).key
    slug = world.ws_a.slug
    client = app.test_client()
    login(client, world.am_a)
    token = csrf_token(client, f"/w/{slug}/privacy")
    response = client.post(f"/w/{slug}/privacy/export", data={"person": key, "csrf_token": token,
                                                               "received_on": date.today().isoformat()})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert TEXTS[1] in zipfile.ZipFile(io.BytesIO(response.data)).read("data.json").decode()
    cm = app.test_client()
    login(cm, world.cm_a)  # community managers work the inbox but do not answer data-subject requests
    assert cm.get(f"/w/{slug}/privacy").status_code == 404


def test_retention_dry_run_equals_the_real_run(app, world):
    channel = make_channel(world.ws_a)
    old = [make_interaction(world.ws_a, channel, text=f"alt {n}", minutes_ago=60 * 24 * (400 + n)) for n in range(3)]
    recent = make_interaction(world.ws_a, channel, text="neu", minutes_ago=60 * 24 * 30)
    make_interaction(world.ws_a2, text="anderer Kunde alt", minutes_ago=60 * 24 * 500)
    setting = services.save_retention(world.am_a, world.ws_a, enabled=True, months=12, action="anonymise")
    planned = services.retention_plan(setting)
    assert planned == sorted(i.id for i in old)
    applied = services.apply_retention(setting)
    assert applied == planned
    assert {db.session.get(Interaction, i).text for i in planned} == {"[erased]"}
    assert db.session.get(Interaction, recent.id).text == "neu"
    assert services.retention_plan(setting) == []  # nothing left to do: the next run is a no-op
    setting.action = "delete"
    planned = services.retention_plan(setting)
    assert services.apply_retention(setting) == planned and len(planned) == 3
    assert db.session.scalar(select(func.count(Interaction.id)).where(Interaction.id.in_(planned))) == 0


def test_the_nightly_job_runs_every_enabled_setting(app, world):
    channel = make_channel(world.ws_a)
    make_interaction(world.ws_a, channel, text="sehr alt", minutes_ago=60 * 24 * 800)
    services.save_retention(world.am_a, world.ws_a, enabled=True, months=24, action="anonymise")
    services.save_retention(world.am_a, world.ws_a2, enabled=False, months=1, action="delete")
    db.session.commit()
    assert jobs.run_retention.run_inline() == 1
    setting = db.session.scalar(select(RetentionSetting).where(RetentionSetting.workspace_id == world.ws_a.id))
    assert setting.last_run_count == 1


def test_retention_form_and_preview(app, world):
    slug = world.ws_a.slug
    client = app.test_client()
    login(client, world.owner_a)
    token = csrf_token(client, f"/w/{slug}/privacy")
    for bad in ({"months": "0", "action": "anonymise"}, {"months": "x", "action": "anonymise"},
                {"months": "12", "action": "shred"}):
        assert client.post(f"/w/{slug}/privacy/retention", data={**bad, "csrf_token": token}).status_code == 422
    saved = client.post(f"/w/{slug}/privacy/retention", data={"months": "6", "action": "anonymise",
                                                               "enabled": "y", "csrf_token": token})
    assert saved.status_code == 302
    preview = client.get(f"/w/{slug}/privacy/retention/preview")
    assert preview.status_code == 200 and 'data-testid="retention-preview"' in preview.get_data(as_text=True)
