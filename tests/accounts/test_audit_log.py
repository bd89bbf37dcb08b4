"""The audit log reads like sentences: people and objects by name, actions as phrases, labelled filters."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import event, select

from agency import audit, db
from agency.accounts import services
from agency.audit import AuditEvent
from tests.conftest import csrf_token, login, post_form

AGENCY_SRC = Path(__file__).resolve().parents[2] / "agency"


def _events(agency_id: int, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.agency_id == agency_id,
                                                            AuditEvent.action == action).order_by(AuditEvent.id)))


def test_logout_and_2fa_events_name_the_user_not_the_proxy(client, world):
    login(client, world.owner_a)
    assert post_form(client, "/logout").status_code == 302
    logout = _events(world.agency_a.id, "auth.logout")[-1]
    assert (logout.object_type, logout.object_id) == ("user", str(world.owner_a.id))


def test_record_unwraps_a_local_proxy(app, world):
    from werkzeug.local import LocalProxy

    proxy = LocalProxy(lambda: world.cm_a)
    recorded = audit.record("user.2fa_enabled", agency_id=world.agency_a.id, actor=proxy, obj=proxy)
    assert (recorded.object_type, recorded.object_id, recorded.actor_id) == ("user", str(world.cm_a.id),
                                                                             world.cm_a.id)
    assert recorded.details["name"] == world.cm_a.name  # the name as it was, for when the user is gone


def _audit_page(client, **params) -> str:
    response = client.get("/audit", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _sandbox_account(platform, kind: str):
    from tests.conftest import unique_account, unique_youtube_channel

    account_id = unique_youtube_channel() if kind == "youtube_channel" else unique_account()
    created = platform.add_account(kind, account_id, name="Audit")
    return created["account_id"], created["token"]


def test_audit_page_names_people_objects_and_actions(client, world, platform):
    from agency.channels.services import connect_channel, disconnect

    owner, cm = world.owner_a, world.cm_a
    services.update_user(owner, cm, name="Carla Community", role=cm.role, workspace_ids=[world.ws_a.id], locale=None)
    page_id, page_token = _sandbox_account(platform, "facebook_page")
    kept = connect_channel(owner, world.ws_a, platform="facebook_page", account_id=page_id, token=page_token,
                           name="Alpha Seite")
    channel_id, channel_token = _sandbox_account(platform, "youtube_channel")
    gone = connect_channel(owner, world.ws_a, platform="youtube_channel", account_id=channel_id,
                           token=channel_token, name="Alpha Kanal")
    disconnect(owner, gone)
    login(client, owner)
    post_form(client, "/logout")
    login(client, owner)

    html = _audit_page(client)
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", row) for row in rows)
    assert "Changed a user" in text and "Carla Community" in text
    assert "Connected a channel" in text and "Alpha Seite" in text
    assert "Logged out" in text and "Logged in" in text
    # The deleted channel is named from what the event stored, and marked as gone.
    deleted_row = next(row for row in rows if "Disconnected a channel" in row)
    assert "Alpha Kanal" in deleted_row and "deleted" in deleted_row
    assert owner.name in text
    # No raw codes or "type #id" placeholders where a name belongs.
    assert "localproxy" not in html.lower()
    assert not re.search(r"\buser #\d+", text)
    assert "channel.connected" not in re.sub(r'title="[^"]*"', "", text)
    assert kept.name in text


def test_failed_login_shows_the_address_that_was_tried(client, world):
    token = csrf_token(client)
    client.post("/login", data={"email": "stranger@example.com", "password": "nope-nope-nope", "csrf_token": token})
    client.post("/login", data={"email": world.cm_a.email, "password": "nope-nope-nope",
                                "csrf_token": csrf_token(client)})
    login(client, world.owner_a)
    html = _audit_page(client, action="auth.login_failed")
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S) if "Failed to log in" in r)
    assert world.cm_a.email in row and world.cm_a.name in row


def test_names_are_resolved_in_bulk_not_per_row(app, world, platform):
    from agency.channels.services import connect_channel
    from tests.conftest import make_user

    people = [make_user(world.agency_a, "community_manager") for _ in range(6)]
    for index, person in enumerate(people):
        page_id, page_token = _sandbox_account(platform, "facebook_page")
        channel = connect_channel(person, world.ws_a, platform="facebook_page", account_id=page_id, token=page_token,
                                  name=f"Seite {index}")
        services.update_user(world.owner_a, person, name=f"Person {index}", role=person.role, workspace_ids=[],
                             locale=None)
        audit.record("channel.paused", agency_id=world.agency_a.id, actor=person, obj=channel)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.agency_id == world.agency_a.id)))
    assert len(events) >= 18
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    db.session.expire_all()
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.agency_id == world.agency_a.id)))
    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        rows = audit.readable(events, world.agency_a.id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert {row.actor for row in rows} >= {f"Person {i}" for i in range(6)}
    assert {row.object_name for row in rows if row.event.object_type == "channel"} >= {f"Seite {i}" for i in range(6)}
    # One lookup per object type (users serve as actors too), however many rows there are.
    assert len(statements) <= 2, statements


def test_another_agencys_names_are_not_resolved(app, world):
    foreign = audit.AuditEvent(agency_id=world.agency_a.id, actor_id=world.owner_b.id, action="user.updated",
                               object_type="workspace", object_id=str(world.ws_b.id), actor_label="",
                               details={})
    rows = audit.readable([foreign], world.agency_a.id)
    assert world.ws_b.name not in rows[0].object_name and world.owner_b.name != rows[0].actor


class _Filters(HTMLParser):
    """Collects the filter form's controls and whether each sits inside a label with text."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = self.label_depth = 0
        self.label_text: list[str] = []
        self.controls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "filters" in (attrs.get("class") or ""):
            self.in_form = 1
        elif self.in_form and tag == "label":
            self.label_depth += 1
            self.label_text = []
        elif self.in_form and tag in ("select", "input") and attrs.get("type") != "hidden":
            self.controls.append((attrs.get("name", ""), "".join(self.label_text).strip() if self.label_depth else ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = 0
        elif tag == "label" and self.label_depth:
            self.label_depth -= 1

    def handle_data(self, data):
        if self.label_depth:
            self.label_text.append(data)


def test_every_filter_has_a_visible_label(client, world):
    login(client, world.owner_a)
    parser = _Filters()
    parser.feed(_audit_page(client))
    names = [name for name, _label in parser.controls]
    assert set(names) == {"action", "actor", "object", "since", "until"}
    assert all(label for _name, label in parser.controls), parser.controls


def test_filter_by_object_type_and_action(client, world):
    services.update_user(world.owner_a, world.cm_a, name="Zora Zimmer", role=world.cm_a.role, workspace_ids=[],
                         locale=None)
    login(client, world.owner_a)
    html = _audit_page(client, object="user", action="user.updated")
    assert "Zora Zimmer" in html
    assert '<option value="user" selected>User</option>' in html
    assert "Logged in</td>" not in html


@pytest.mark.parametrize("params", [
    {"actor": "99999999999999999999"}, {"before": "abc"}, {"actor": "²"}, {"before": "-3"},
])
def test_bad_filter_ids_answer_400(client, world, params):
    login(client, world.owner_a)
    assert client.get("/audit", query_string=params).status_code == 400


def test_hostile_filter_text_is_harmless(client, world):
    login(client, world.owner_a)
    response = client.get("/audit", query_string={"action": "user.\x00updated", "object": "x" * 5000,
                                                  "since": "2026-13-45"})
    assert response.status_code == 200


def _recorded_actions() -> set[str]:
    """Every action code written with a literal string anywhere in agency/."""
    found = set()
    for path in AGENCY_SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in ("record", "record_always") or not node.args:
                continue
            first = node.args[0]
            candidates = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            found.update(c.value for c in candidates if isinstance(c, ast.Constant) and isinstance(c.value, str))
    return {action for action in found if "." in action}


def test_every_recorded_action_has_a_phrase(app):
    actions = _recorded_actions()
    assert "channel.connected" in actions and "auth.login_failed" in actions  # the scan finds them
    described = set(audit.vocabulary(app).actions)
    assert not actions - described, sorted(actions - described)
