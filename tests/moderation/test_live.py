"""The live inbox: events are published only after the commit, reach the streams of the right workspaces
through the process's one subscription, and the polling fallback counts what is new."""

from __future__ import annotations

import json
import time

from sqlalchemy import text

from agency import db
from agency.moderation import live
from agency.queue import get_redis
from tests.conftest import login


def _listen():
    pubsub = get_redis().pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(f"{live.PREFIX}*")
    pubsub.get_message(timeout=1)  # the subscription's confirmation
    return pubsub


def _messages(pubsub, wait: float = 1.0) -> list[dict]:
    found, ends = [], time.monotonic() + wait
    while time.monotonic() < ends:
        message = pubsub.get_message(timeout=0.1)
        if message and message["type"] == "pmessage":
            found.append(json.loads(message["data"]))
    return found


def test_published_after_commit_and_never_after_rollback(app, world):
    pubsub = _listen()
    live.announce(db.session(), world.agency_a.id, world.ws_a.id, "new", [11, 12])
    assert _messages(pubsub, 0.3) == []  # nothing before the commit
    db.session.commit()
    got = _messages(pubsub)
    assert [(m["kind"], m["workspace_id"], m["ids"]) for m in got] == [("new", world.ws_a.id, [11, 12])]
    db.session.execute(text("select 1"))  # inside a transaction, as every caller is
    live.announce(db.session(), world.agency_a.id, world.ws_a.id, "new", [13])
    db.session.rollback()
    db.session.commit()
    assert _messages(pubsub, 0.3) == []
    pubsub.close()


def test_a_synced_fan_comment_is_announced(app, world, platform, connect, fan_comment):
    channel = connect("facebook_page")
    pubsub = _listen()
    item = fan_comment(channel, "Neu hier!")
    got = [m for m in _messages(pubsub) if m["kind"] == "new"]
    assert any(item.id in m["ids"] and m["workspace_id"] == world.ws_a.id for m in got)
    pubsub.close()


def test_stream_delivers_only_the_users_workspaces(app, world):
    stream = live.stream(world.agency_a.id, {world.ws_a.id}, seconds=10, heartbeat=0.2)
    assert next(stream).startswith("retry: 3000\nevent: hello")
    live.announce(db.session(), world.agency_a.id, world.ws_a2.id, "new", [1])  # not this user's workspace
    live.announce(db.session(), world.agency_b.id, world.ws_b.id, "new", [2])  # another agency
    live.announce(db.session(), world.agency_a.id, world.ws_a.id, "new", [3])
    db.session.commit()
    received = []
    for chunk in stream:
        if chunk.startswith("event: item"):
            received.append(json.loads(chunk.split("data: ", 1)[1]))
            break
    assert [m["ids"] for m in received] == [[3]]
    stream.close()
    assert live.HUB.listeners() == 0  # a closed stream leaves nothing behind


def test_the_event_stream_route_and_polling(app, client, world, make_interaction):
    login(client, world.cm_a)
    assert client.get("/inbox/events").get_json()["new"] == 0  # no EventSource: an answer at once
    response = client.get("/inbox/events", buffered=False, headers={"Accept": "text/event-stream"})
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    first = next(response.response)
    assert b"event: hello" in (first if isinstance(first, bytes) else first.encode())
    response.close()
    newest = live.newest_id()
    make_interaction(world.ws_a, text="eins")
    make_interaction(world.ws_a, text="zwei")
    make_interaction(world.ws_a2, text="anderer Kunde")
    db.session.commit()
    polled = client.get(f"/inbox/events?after={newest}").get_json()
    assert polled["new"] == 2 and polled["newest"] > newest
    assert client.get(f"/inbox/events?after={newest}&workspace={world.ws_a.id}").get_json()["new"] == 2
    assert client.get(f"/inbox/events?after={newest}&workspace={world.ws_a2.id}").status_code == 404
    assert client.get("/inbox/events?after=abc").status_code == 400
    assert client.get("/inbox/events?after=" + "9" * 30).status_code == 400
    assert client.get("/inbox/events?workspace=" + "9" * 30).status_code == 404
    listing = client.get(f"/w/{world.ws_a.slug}/inbox/").get_data(as_text=True)
    assert "data-live" in listing and "js/live.js" in listing


def test_clients_get_no_stream(app, client, world):
    login(client, world.client_a)
    assert client.get("/inbox/events").status_code in (403, 404)
