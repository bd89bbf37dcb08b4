"""Login, logout, session rotation and invalidation, 2FA, recovery codes, throttling, CSRF, headers."""

from __future__ import annotations

import pyotp
from sqlalchemy import select

from agency import db
from agency.accounts.models import User
from agency.audit import AuditEvent
from tests.conftest import TEST_PASSWORD, csrf_token, login, post_form


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("agency_session")
    return cookie.value if cookie else None


def _actions(agency_id=None) -> list[str]:
    stmt = select(AuditEvent.action).order_by(AuditEvent.id)
    if agency_id is not None:
        stmt = stmt.where(AuditEvent.agency_id == agency_id)
    return list(db.session.scalars(stmt))


def test_login_logout_and_audit(client, world):
    response = login(client, world.owner_a)
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert "auth.login" in _actions(world.agency_a.id)
    response = post_form(client, "/logout")
    assert response.status_code == 302
    assert "auth.logout" in _actions(world.agency_a.id)
    # The session is gone server-side: the dashboard sends us to the login page.
    assert client.get("/").headers["Location"].startswith("/login")


def test_wrong_password_is_rejected_and_audited(client, world):
    token = csrf_token(client)
    response = client.post("/login", data={"email": world.owner_a.email, "password": "wrong-password-123",
                                           "csrf_token": token})
    assert response.status_code == 401
    assert "E-mail or password is not correct" in response.get_data(as_text=True) or \
        "E-Mail oder Passwort" in response.get_data(as_text=True)
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).all()
    assert failed and failed[-1].agency_id == world.agency_a.id and failed[-1].details["reason"] == "credentials"


def test_unknown_email_fails_like_a_wrong_password(client, world):
    token = csrf_token(client)
    response = client.post("/login", data={"email": "nobody@example.com", "password": "whatever-password",
                                           "csrf_token": token})
    assert response.status_code == 401
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).all()[-1]
    assert event.agency_id is None and event.details["email"] == "nobody@example.com"


def test_session_id_rotates_at_login(client, world):
    csrf_token(client)  # an anonymous session with a CSRF token exists now
    before = _session_cookie(client)
    assert before
    login(client, world.owner_a)
    after = _session_cookie(client)
    assert after and after != before
    # The pre-login session id is dead: replaying it does not authenticate.
    other = client.application.test_client()
    other.set_cookie("agency_session", before)
    assert other.get("/").status_code == 302


def test_old_session_cookie_is_useless_after_logout(client, world):
    login(client, world.owner_a)
    stolen = _session_cookie(client)
    post_form(client, "/logout")
    thief = client.application.test_client()
    thief.set_cookie("agency_session", stolen)
    assert thief.get("/").status_code == 302


def test_deactivation_ends_sessions_immediately(app, world):
    victim = app.test_client()
    login(victim, world.cm_a)
    assert victim.get("/").status_code == 200
    admin = app.test_client()
    login(admin, world.owner_a)
    response = post_form(admin, f"/users/{world.cm_a.id}/active", {"active": "0"})
    assert response.status_code == 302
    assert victim.get("/").status_code == 302
    assert "user.deactivated" in _actions(world.agency_a.id)
    # and the deactivated user cannot log in again
    token = csrf_token(victim)
    response = victim.post("/login", data={"email": world.cm_a.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 401


def test_login_requires_csrf_token(client, world):
    db.session.commit()
    response = client.post("/login", data={"email": world.owner_a.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    response = client.post("/login", data={"email": world.owner_a.email, "password": TEST_PASSWORD,
                                           "csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not logged in


def test_state_changing_posts_require_csrf(client, world):
    login(client, world.owner_a)
    response = client.post("/workspaces/new", data={"name": "No token", "timezone": "Europe/Berlin", "locale": "de",
                                                    "address_form": "sie", "country": "DE"})
    assert response.status_code == 400
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_security_headers(client, world):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/login", base_url="https://agency.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags(client, world):
    login(client, world.owner_a)
    cookie = client.get_cookie("agency_session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    https = client.application.test_client()
    token_page = https.get("/login", base_url="https://agency.example")
    assert token_page.status_code == 200
    secure_cookie = https.get_cookie("agency_session", domain="agency.example")
    assert secure_cookie is not None and secure_cookie.secure


def test_login_throttled_per_account(app, world):
    app.config["AGENCY"] = app.config["AGENCY"].with_overrides(login_limit_account="3 per 15 minutes")
    try:
        client = app.test_client()
        db.session.commit()
        statuses = []
        for _ in range(5):
            token = csrf_token(client)
            statuses.append(client.post("/login", data={"email": world.owner_a.email, "password": "nope-nope-nope",
                                                        "csrf_token": token}).status_code)
        assert statuses[:3] == [401, 401, 401] and statuses[3:] == [429, 429]
        # Even the right password is refused while the account is throttled.
        token = csrf_token(client)
        assert client.post("/login", data={"email": world.owner_a.email, "password": TEST_PASSWORD,
                                           "csrf_token": token}).status_code == 429
        # Another account from the same IP is not affected by this account's limit.
        token = csrf_token(client)
        assert client.post("/login", data={"email": world.cm_a.email, "password": TEST_PASSWORD,
                                           "csrf_token": token}).status_code == 302
    finally:
        app.config["AGENCY"] = app.config["AGENCY"].with_overrides(login_limit_account="8 per 15 minutes")


def test_login_throttled_per_ip(app, world):
    app.config["AGENCY"] = app.config["AGENCY"].with_overrides(login_limit_ip="4 per 10 minutes")
    try:
        client = app.test_client()
        db.session.commit()
        statuses = []
        for i in range(6):
            token = csrf_token(client)
            statuses.append(client.post("/login", data={"email": f"spray{i}@example.com", "password": "x" * 12,
                                                        "csrf_token": token}).status_code)
        assert statuses[:4] == [401] * 4 and statuses[4:] == [429, 429]
        # A different address is not throttled.
        other = app.test_client()
        token = csrf_token(other)
        assert other.post("/login", data={"email": "spray9@example.com", "password": "x" * 12, "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 401
    finally:
        app.config["AGENCY"] = app.config["AGENCY"].with_overrides(login_limit_ip="30 per 10 minutes")


def _enable_2fa(client, user) -> tuple[str, list[str]]:
    login(client, user)
    page = client.get("/profile/2fa").get_data(as_text=True)
    assert "data:image/svg+xml" in page
    with client.session_transaction() as sess:
        secret = sess["pending_totp_secret"]
    response = post_form(client, "/profile/2fa", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile/recovery-codes")
    codes_page = client.get("/profile/recovery-codes").get_data(as_text=True)
    import re

    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", codes_page)
    assert len(codes) == 10
    # Shown once only.
    assert client.get("/profile/recovery-codes").status_code == 302
    return secret, codes


def test_totp_setup_login_and_replay(app, world):
    client = app.test_client()
    secret, _codes = _enable_2fa(client, world.owner_a)
    assert "user.2fa_enabled" in _actions(world.agency_a.id)
    post_form(client, "/logout")

    fresh = app.test_client()
    token = csrf_token(fresh)
    response = fresh.post("/login", data={"email": world.owner_a.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/login/2fa")
    assert fresh.get("/").status_code == 302  # not logged in before the second factor
    token = csrf_token(fresh, "/login/2fa")
    assert fresh.post("/login/2fa", data={"code": "000000", "csrf_token": token}).status_code == 401
    # Use a code of the *next* step: the code just used by enable_totp (this step) is refused as a replay.
    import time

    code = pyotp.TOTP(secret).at(time.time() + 30)
    response = fresh.post("/login/2fa", data={"code": code, "csrf_token": token})
    assert response.status_code == 302 and fresh.get("/").status_code == 200

    again = app.test_client()
    token = csrf_token(again)
    again.post("/login", data={"email": world.owner_a.email, "password": TEST_PASSWORD, "csrf_token": token})
    token = csrf_token(again, "/login/2fa")
    assert again.post("/login/2fa", data={"code": code, "csrf_token": token}).status_code == 401  # replay


def test_recovery_code_works_once(app, world):
    client = app.test_client()
    _secret, codes = _enable_2fa(client, world.cm_a)
    post_form(client, "/logout")
    for expected in (302, 401):
        c = app.test_client()
        token = csrf_token(c)
        c.post("/login", data={"email": world.cm_a.email, "password": TEST_PASSWORD, "csrf_token": token})
        token = csrf_token(c, "/login/2fa")
        assert c.post("/login/2fa", data={"code": codes[0].upper(), "csrf_token": token}).status_code == expected
    assert "user.recovery_code_used" in _actions(world.agency_a.id)


def test_agency_can_enforce_2fa_for_staff(client, world):
    world.agency_a.require_2fa = True
    login(client, world.cm_a)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile/2fa")
    assert client.get("/users").status_code == 302


def test_password_policy():
    from agency.accounts.passwords import password_problems

    assert password_problems("short") != []
    assert password_problems("password1234") != []
    assert password_problems("Passwort123!!") != []
    assert password_problems("aaaaaaaaaaaaaa") != []
    assert password_problems("qwertzuiopas") != []
    assert password_problems("maria.schmidt-2026x", email="maria.schmidt@example.com") != []
    assert password_problems("Lindenblatt-Fahrrad-Kaffee") == []


def test_password_change_ends_other_sessions(app, world):
    first, second = app.test_client(), app.test_client()
    login(first, world.am_a)
    login(second, world.am_a)
    response = post_form(first, "/profile/password", {"current_password": TEST_PASSWORD,
                                                      "new_password": "Neue-Lange-Passphrase-9"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302
    user = db.session.get(User, world.am_a.id)
    from agency.accounts.passwords import verify_password

    assert verify_password(user.password_hash, "Neue-Lange-Passphrase-9")


def test_invitation_link_sets_password_once(app, world):
    owner = app.test_client()
    login(owner, world.owner_a)
    response = post_form(owner, "/users/new", {"name": "Ina Invite", "email": "ina@example.com",
                                               "role": "community_manager", "workspaces": [world.ws_a.id]})
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "ina@example.com")).one()
    assert user.password_hash is None
    from agency.accounts.views.auth import invite_token

    with app.test_request_context():
        token = invite_token(user)
    invited = app.test_client()
    assert invited.get(f"/invite/{token}").status_code == 200
    response = post_form(invited, f"/invite/{token}", {"new_password": "Ina-Sicheres-Passwort-1"},
                         token_from=f"/invite/{token}")
    assert response.status_code == 302 and invited.get("/").status_code == 200
    assert app.test_client().get(f"/invite/{token}").status_code == 404  # used up


def test_invitation_is_e_mailed_when_smtp_is_configured(app, world):
    from rq import Queue

    from agency.queue import get_redis

    original = app.config["AGENCY"]
    app.config["AGENCY"] = original.with_overrides(smtp_url="smtp://127.0.0.1:2525", public_url="https://a.example")
    try:
        owner = app.test_client()
        login(owner, world.owner_a)
        queue = Queue("mail", connection=get_redis())
        queue.empty()
        response = post_form(owner, "/users/new", {"name": "Mira Mail", "email": "mira@example.com",
                                                   "role": "community_manager", "workspaces": [world.ws_a.id],
                                                   "locale": "de"})
        assert response.status_code == 302
        jobs = queue.jobs
        assert len(jobs) == 1
        to, subject, body = jobs[0].args[:3]
        assert to == "mira@example.com" and "lädt" in subject and "/invite/" in body  # German, her language
        from agency.mail import absolute_url

        with app.test_request_context():
            assert absolute_url("/w/x/inbox/1") == "https://a.example/w/x/inbox/1"
    finally:
        app.config["AGENCY"] = original
