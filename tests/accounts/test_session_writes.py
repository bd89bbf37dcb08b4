"""An unchanged session is not written back on every request (three Redis round trips per page for nothing),
but its expiry still slides: it is rewritten once a minute, and at once whenever it changes."""

import json

from agency.accounts import sessions
from agency.queue import get_redis
from tests.conftest import login


def _stored(client) -> tuple[str, dict]:
    sid = client.get_cookie("agency_session").value
    raw = get_redis().get(sessions._PREFIX + sid)
    assert raw is not None
    return sid, json.loads(raw)


def test_an_unchanged_session_is_not_written_again_within_a_minute(client, world):
    login(client, world.cm_a)
    sid, stored = _stored(client)
    index = sessions._USER_INDEX + str(world.cm_a.id)
    get_redis().delete(index)  # a write would put the session back into its user's index
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "Cookie" in response.headers.get("Vary", "")
    assert "agency_session=" not in response.headers.get("Set-Cookie", "")
    assert not get_redis().exists(index)
    assert _stored(client) == (sid, stored)


def test_an_unchanged_session_is_refreshed_after_a_minute(client, world):
    login(client, world.cm_a)
    sid, stored = _stored(client)
    stored[sessions._REFRESHED] -= sessions.REFRESH_EVERY_SECONDS + 1
    get_redis().setex(sessions._PREFIX + sid, 60, json.dumps(stored))  # as if nearly expired
    response = client.get("/healthz")
    assert "agency_session=" in response.headers.get("Set-Cookie", "")
    assert get_redis().ttl(sessions._PREFIX + sid) > 3600
    assert _stored(client)[1][sessions._REFRESHED] > stored[sessions._REFRESHED]
    assert get_redis().sismember(sessions._USER_INDEX + str(world.cm_a.id), sid)


def test_a_changed_session_is_written_at_once(client, world):
    login(client, world.cm_a)
    with client.session_transaction() as session:
        session["fresh_recovery_codes"] = ["abc"]
    assert _stored(client)[1]["fresh_recovery_codes"] == ["abc"]


def test_logout_still_ends_an_unwritten_session(client, world):
    login(client, world.cm_a)
    client.get("/healthz")
    sid, _stored_now = _stored(client)
    from tests.conftest import post_form

    post_form(client, "/logout", token_from="/")
    assert not get_redis().exists(sessions._PREFIX + sid)
