"""Personal access tokens: created in the profile (shown once, stored hashed), scopes, expiry, revocation,
last use; bearer only (a session cookie is not enough); rate limits and ETags."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from sqlalchemy import select

from agency import db
from agency.api import tokens
from agency.api.models import ApiToken
from agency.audit import AuditEvent
from tests.api.conftest import Api, bearer, make_token
from tests.conftest import csrf_token, login


def test_created_in_the_profile_shown_once_and_stored_hashed(app, world):
    client = app.test_client()
    login(client, world.cm_a)
    page = client.get("/profile")
    assert "/profile/tokens" in page.get_data(as_text=True)
    response = client.post("/profile/tokens", data={
        "name": "BI export", "scopes": ["interactions:read", "time:write"], "expires": "30",
        "csrf_token": csrf_token(client, "/profile/tokens")})
    assert response.status_code == 200
    secret = re.search(r'data-testid="new-token">(agy_[\w-]+)<', response.get_data(as_text=True)).group(1)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == world.cm_a.id))
    assert token.token_hash == tokens.digest(secret) and secret not in str(token.__dict__)
    assert token.scopes == ["interactions:read", "time:write"]
    assert timedelta(days=29) < token.expires_at - db.utcnow() <= timedelta(days=30)
    # Shown once: the list afterwards has the prefix only.
    listing = client.get("/profile/tokens").get_data(as_text=True)
    assert secret not in listing and token.prefix in listing and "BI export" in listing
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.token_created")) is not None
    # The token works with curl's header, and its last use is recorded.
    answer = app.test_client().get("/api/v1/interactions", headers=bearer(secret))
    assert answer.status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None
    assert "not yet" not in client.get("/profile/tokens").get_data(as_text=True)


def test_profile_form_refuses_bad_input(app, world):
    client = app.test_client()
    login(client, world.cm_a)
    for data in ({"name": "", "scopes": ["interactions:read"], "expires": "30"},
                 {"name": "x", "scopes": ["admin:write"], "expires": "30"},
                 {"name": "x", "expires": "30"},
                 {"name": "x", "scopes": ["interactions:read"], "expires": "9999"},
                 {"name": "x" * 81, "scopes": ["interactions:read"], "expires": "30"}):
        response = client.post("/profile/tokens", data={**data, "csrf_token": csrf_token(client, "/profile/tokens")})
        assert response.status_code == 422, data
        assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(ApiToken.id))) == 0


def test_revoked_and_expired_tokens_stop_working(app, world):
    secret = make_token(world.cm_a)
    expired = make_token(world.cm_a, days=1)
    db.session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.digest(expired))).expires_at = \
        db.utcnow() - timedelta(seconds=1)
    db.session.commit()
    api = app.test_client()
    assert api.get("/api/v1/workspaces", headers=bearer(secret)).status_code == 200
    assert api.get("/api/v1/workspaces", headers=bearer(expired)).status_code == 401
    client = app.test_client()
    login(client, world.cm_a)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.digest(secret)))
    response = client.post(f"/profile/tokens/{token.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/profile/tokens")})
    assert response.status_code == 302
    answer = api.get("/api/v1/workspaces", headers=bearer(secret))
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized" and answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_another_users_token_cannot_be_revoked(app, world):
    secret = make_token(world.cm_a)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.digest(secret)))
    client = app.test_client()
    login(client, world.owner_a)
    response = client.post(f"/profile/tokens/{token.id}/revoke",
                           data={"csrf_token": csrf_token(client, "/profile/tokens")})
    assert response.status_code == 404
    assert app.test_client().get("/api/v1/workspaces", headers=bearer(secret)).status_code == 200


def test_deactivated_users_tokens_stop_working(app, world):
    secret = make_token(world.cm_a)
    world.cm_a.is_active_user = False
    db.session.commit()
    assert app.test_client().get("/api/v1/workspaces", headers=bearer(secret)).status_code == 401


def test_session_cookie_does_not_authenticate_the_api(app, world):
    client = app.test_client()
    login(client, world.owner_a)
    response = client.get("/api/v1/workspaces")
    assert response.status_code == 401
    assert client.post("/api/v1/webhooks", json={"url": "https://example.com/x", "events": ["reply.sent"]}
                       ).status_code == 401


def test_malformed_headers_are_401(app, world):
    client = app.test_client()
    for header in ("", "Bearer", "Bearer ", "Basic abc", "Bearer agy_unknown", "Bearer " + "x" * 500):
        response = client.get("/api/v1/workspaces", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert set(response.json["error"]) == {"code", "message", "fields"}


def test_scopes_read_write_per_area(app, world, ):
    from tests.api.conftest import make_interaction

    item = make_interaction(world.ws_a)
    api = Api(app.test_client(), make_token(world.owner_a, ["interactions:read"]))
    db.session.commit()
    assert api.get("/api/v1/interactions").status_code == 200
    refused = api.patch(f"/api/v1/interactions/{item.id}", json={"status": "closed"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "insufficient_scope"
    assert api.get("/api/v1/time-entries").status_code == 403
    assert api.get("/api/v1/workspaces").status_code == 403
    writer = Api(app.test_client(), make_token(world.owner_a, ["interactions:write"]))
    db.session.commit()
    assert writer.get("/api/v1/interactions").status_code == 200  # write includes read
    assert writer.patch(f"/api/v1/interactions/{item.id}", json={"status": "closed"}).status_code == 200


def test_role_permissions_apply_as_in_the_ui(app, world):
    # A community manager may not manage agency-wide webhooks, whatever the token's scopes.
    api = Api(app.test_client(), make_token(world.cm_a))
    db.session.commit()
    response = api.post("/api/v1/webhooks", json={"url": "https://example.com/hook", "events": ["reply.sent"]})
    assert response.status_code == 403
    assert api.get("/api/v1/webhooks").json == {"items": []}


def test_rate_limit_per_token_with_headers(app, world, monkeypatch):
    # The window is fixed (per minute): four requests straddling a minute's end would start a new one.
    frozen = (int(time.time()) // 60) * 60 + 10
    monkeypatch.setattr("agency.api.auth.time.time", lambda: frozen)
    app.config["API_RATE_LIMIT"] = 3
    try:
        first = Api(app.test_client(), make_token(world.owner_a))
        second = Api(app.test_client(), make_token(world.owner_a))
        db.session.commit()
        answers = [first.get("/api/v1/workspaces") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
        assert answers[0].headers["RateLimit-Limit"] == "3" and int(answers[0].headers["RateLimit-Reset"]) <= 60
        assert answers[3].json["error"]["code"] == "rate_limited" and "Retry-After" in answers[3].headers
        assert second.get("/api/v1/workspaces").status_code == 200  # per token
    finally:
        app.config.pop("API_RATE_LIMIT")


def test_etags_answer_304_until_something_changes(app, world, api):
    from tests.api.conftest import make_interaction

    item = make_interaction(world.ws_a)
    db.session.commit()
    first = api.get(f"/api/v1/interactions/{item.id}")
    etag = first.headers["ETag"]
    again = api.get(f"/api/v1/interactions/{item.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    api.patch(f"/api/v1/interactions/{item.id}", json={"priority": "high"})
    changed = api.get(f"/api/v1/interactions/{item.id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_required_second_factor_applies_to_tokens_too(app, world):
    secret = make_token(world.cm_a)
    world.agency_a.require_2fa = True
    db.session.commit()
    response = app.test_client().get("/api/v1/workspaces", headers=bearer(secret))
    assert response.status_code == 403 and response.json["error"]["code"] == "two_factor_required"
