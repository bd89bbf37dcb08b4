"""Desktop notifications: the setting is off by default and loads the script only when on; the live stream's
events carry what the script needs (event id, assignee, who assigned, recipients of an SLA warning, plain text
facts and the item's path)."""

from __future__ import annotations

from datetime import timedelta

from agency import db
from agency.inbox.services import assign
from agency.sla import alerts
from tests.conftest import login, post_form
from tests.moderation.test_live import _listen, _messages
from tests.sla.conftest import channel, ingest  # noqa: F401  (fixtures)
from tests.sla.test_alerts import _policy


def test_setting_is_off_by_default_and_loads_the_script_when_on(client, world):
    login(client, world.cm_a)
    profile = client.get("/profile").get_data(as_text=True)
    assert "data-notify-settings" in profile and "data-notify " not in profile
    assert "js/notify.js" not in client.get("/").get_data(as_text=True)

    assert post_form(client, "/profile/desktop-notifications", {"enabled": "y"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(type(world.cm_a), world.cm_a.id).desktop_notifications is True
    home = client.get("/").get_data(as_text=True)
    assert "js/notify.js" in home and f'data-user-id="{world.cm_a.id}"' in home
    profile = client.get("/profile").get_data(as_text=True)
    assert "data-notify-permission" in profile  # the button that asks the browser, on a click only
    # Twice is the same; unticked (no field sent) turns it off.
    assert post_form(client, "/profile/desktop-notifications", {"enabled": "y"}).status_code == 303
    assert post_form(client, "/profile/desktop-notifications", {}).status_code == 303
    db.session.expire_all()
    assert db.session.get(type(world.cm_a), world.cm_a.id).desktop_notifications is False
    assert "js/notify.js" not in client.get("/").get_data(as_text=True)


def test_setting_refuses_bad_input_and_clients(app, client, world):
    login(client, world.cm_a)
    assert client.post("/profile/desktop-notifications", data={"enabled": "y"}).status_code == 400  # no CSRF
    for payload in ({"enabled": "\x00"}, {"enabled": "x" * 10_000}, {"enabled": "   "}):
        assert post_form(client, "/profile/desktop-notifications", payload).status_code in (303, 400)
    customer = app.test_client()
    login(customer, world.client_a)
    assert post_form(customer, "/profile/desktop-notifications", {"enabled": "y"},
                     token_from="/portal/").status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(type(world.client_a), world.client_a.id).desktop_notifications is False


def test_an_assignment_is_announced_with_what_a_notification_needs(app, world, make_interaction):
    item = make_interaction(world.ws_a, text="Wo bleibt  meine\nBestellung?", author_name="Erika <b>Muster</b>")
    db.session.commit()
    pubsub = _listen()
    assign(world.am_a, item, world.cm_a)
    db.session.commit()
    got = [m for m in _messages(pubsub) if m["kind"] == "assigned"]
    assert len(got) == 1
    event = got[0]
    assert event["ids"] == [item.id] and event["workspace_id"] == world.ws_a.id
    assert event["assignee_id"] == world.cm_a.id and event["by"] == world.am_a.id
    assert event["event_id"].startswith("assigned-")
    assert event["author"] == "Erika <b>Muster</b>"  # plain text: the browser never renders it as markup
    assert event["excerpt"] == "Wo bleibt meine Bestellung?"
    assert event["url"] == f"/w/{world.ws_a.slug}/inbox/{item.id}" and event["workspace"] == world.ws_a.name

    # Assigning oneself says so (the script shows nothing for it); unassigning announces no assignment.
    assign(world.cm_a, item, None)
    db.session.commit()
    assign(world.cm_a, item, world.cm_a)
    db.session.commit()
    got = [m for m in _messages(pubsub) if m["kind"] == "assigned"]
    assert [(m["assignee_id"], m["by"]) for m in got] == [(world.cm_a.id, world.cm_a.id)]
    assert got[0]["event_id"] != event["event_id"]
    pubsub.close()


def test_sla_warnings_are_announced_to_their_recipients(app, world, ingest):  # noqa: F811
    _policy(world)
    now = db.utcnow()
    item = ingest(now - timedelta(minutes=50))
    item.assignee_id = world.cm_a.id
    db.session.commit()
    pubsub = _listen()
    assert alerts.scan(now=now)["alerts"] == 1
    db.session.commit()
    got = [m for m in _messages(pubsub) if m["kind"] == "sla"]
    assert len(got) == 1
    warning = got[0]
    assert warning["level"] == "at_risk" and warning["ids"] == [item.id]
    assert warning["user_ids"] == [world.cm_a.id] and warning["assignee_id"] == world.cm_a.id
    assert warning["event_id"].startswith("sla-") and warning["url"].endswith(f"/inbox/{item.id}")

    # The breach goes to the account manager; the event says so and has an id of its own.
    assert alerts.scan(now=now + timedelta(minutes=11))["alerts"] == 1
    db.session.commit()
    breach = [m for m in _messages(pubsub) if m["kind"] == "sla"]
    assert [(m["level"], m["user_ids"]) for m in breach] == [("breached", [world.am_a.id])]
    assert breach[0]["event_id"] != warning["event_id"]
    pubsub.close()


def test_unassigned_warning_names_the_workspace_staff(app, world, ingest):  # noqa: F811
    _policy(world)
    item = ingest(db.utcnow() - timedelta(minutes=50))
    db.session.commit()
    pubsub = _listen()
    alerts.scan()
    db.session.commit()
    got = [m for m in _messages(pubsub) if m["kind"] == "sla" and m["ids"] == [item.id]]
    assert len(got) == 1
    assert set(got[0]["user_ids"]) == {world.cm_a.id, world.am_a.id, world.owner_a.id}
    assert got[0]["assignee_id"] is None
    pubsub.close()
