"""Every form answers garbage, missing fields and oversized input with a 4xx and field errors.

Every POST route of the app must be listed here, either as a form (posted with bad
input) or as an action (a button that takes no user input): a new POST route
fails ``test_every_post_route_is_classified`` until it is.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from agency import db
from agency.accounts.models import User, Workspace
from tests.conftest import World, csrf_token, login

HUGE = "x" * 200_000

# endpoint -> (who posts, how to build the URL, a list of bad payloads)
FORMS = {
    "accounts.login": ("anonymous", lambda w: "/login", [
        {}, {"email": "not-an-email"}, {"email": HUGE, "password": HUGE}, {"email": ["a", "b"], "password": 5}]),
    "accounts.login_second_factor": ("pending_2fa", lambda w: "/login/2fa", [
        {}, {"code": "12"}, {"code": HUGE}]),
    "accounts.accept_invite": ("anonymous", lambda w: f"/invite/{w.invite_token}", [
        {}, {"new_password": "short"}, {"new_password": HUGE}]),
    "accounts.profile_language": ("owner_a", lambda w: "/profile/language", [{"locale": "xx"}, {"locale": HUGE}]),
    "accounts.profile_password": ("owner_a", lambda w: "/profile/password", [
        {}, {"current_password": "wrong-password-x", "new_password": "Another-Long-Pass-1"},
        {"current_password": HUGE, "new_password": HUGE}]),
    "accounts.profile_2fa_setup": ("owner_a", lambda w: "/profile/2fa", [{}, {"code": "abcdef"}, {"code": HUGE}]),
    "accounts.profile_2fa_disable": ("owner_2fa", lambda w: "/profile/2fa/disable", [
        {}, {"password": "wrong-password-x"}, {"password": HUGE}]),
    "accounts.user_new": ("owner_a", lambda w: "/users/new", [
        {}, {"name": "X", "email": "bad", "role": "owner"}, {"name": "X", "email": "a@b.de", "role": "emperor"},
        {"name": HUGE, "email": HUGE, "role": HUGE, "workspaces": ["x", "999999"]},
        {"name": "X", "email": "x@y.de", "role": "client", "workspaces": []},
        {"name": "X", "email": "x@y.de", "role": "community_manager", "password": "short"}]),
    "accounts.user_edit": ("owner_a", lambda w: f"/users/{w.cm_a.id}", [
        {}, {"name": "", "role": "community_manager"}, {"name": HUGE, "role": HUGE},
        {"name": "X", "role": "community_manager", "workspaces": ["__ws_b__"]}]),
    "accounts.workspace_new": ("owner_a", lambda w: "/workspaces/new", [
        {}, {"name": "X", "slug": "Bad Slug!", "timezone": "Europe/Berlin", "locale": "de", "address_form": "sie",
             "country": "DE"},
        {"name": "X", "timezone": "Mars/Olympus", "locale": "de", "address_form": "sie", "country": "DE"},
        {"name": HUGE, "slug": HUGE, "timezone": HUGE, "locale": HUGE, "address_form": HUGE, "country": HUGE},
        {"name": "Dup", "slug": "__existing__", "timezone": "Europe/Berlin", "locale": "de", "address_form": "du",
         "country": "DE"}]),
    "accounts.workspace_edit": ("owner_a", lambda w: f"/workspaces/{w.ws_a.id}", [
        {}, {"name": "X", "slug": "-bad-", "timezone": "Europe/Berlin", "locale": "de", "address_form": "sie",
             "country": "DE"},
        {"name": "X", "slug": "ok", "timezone": "Europe/Berlin", "locale": "fr", "address_form": "ihr",
         "country": "DE"}]),
    "accounts.agency_settings": ("owner_a", lambda w: "/settings/agency", [
        {}, {"name": "X", "default_locale": "de", "timezone": "Europe/Berlin", "currency": "EUR",
             "primary_color": "red"},
        {"name": HUGE, "default_locale": HUGE, "timezone": HUGE, "currency": "XXX", "primary_color": HUGE}]),
}

# Buttons without user input; bad values still must not 500 (checked below).
ACTIONS = {
    "accounts.logout", "accounts.user_set_active", "accounts.user_invite_link", "accounts.workspace_archive",
    "accounts.profile_recovery_codes",
}


def _domain_registries() -> tuple[set[str], set[str]]:
    """FORMS and ACTIONS declared by the other domains' tests (tests/<domain>/forms_registry.py)."""
    import importlib
    import pkgutil

    import tests

    forms, actions = set(), set()
    for module in pkgutil.iter_modules(tests.__path__):
        try:
            registry = importlib.import_module(f"tests.{module.name}.forms_registry")
        except ModuleNotFoundError:
            continue
        forms |= set(registry.FORMS)
        actions |= set(registry.ACTIONS)
    return forms, actions


def test_every_post_route_is_classified(app):
    post_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    extra_forms, extra_actions = _domain_registries()
    unclassified = post_endpoints - set(FORMS) - ACTIONS - extra_forms - extra_actions
    assert not unclassified, f"add these POST routes to a bad-input test: {sorted(unclassified)}"


def _client_for(app, world: World, who: str):
    client = app.test_client()
    if who == "anonymous":
        return client, "/login"
    if who == "pending_2fa":
        from agency.accounts import twofactor
        user = db.session.get(User, world.am_a.id)
        user.totp_secret = twofactor.new_secret()
        user.totp_enabled_at = db.utcnow()
        db.session.commit()
        token = csrf_token(client)
        client.post("/login", data={"email": user.email, "password": "Correct-Horse-Battery-42", "csrf_token": token})
        return client, "/login/2fa"
    if who == "owner_2fa":
        from agency.accounts import twofactor
        user = db.session.get(User, world.owner_a.id)
        user.totp_secret = twofactor.new_secret()
        user.totp_enabled_at = db.utcnow()
        db.session.commit()
        # log in with a valid code
        import pyotp
        token = csrf_token(client)
        client.post("/login", data={"email": user.email, "password": "Correct-Horse-Battery-42", "csrf_token": token})
        token = csrf_token(client, "/login/2fa")
        assert client.post("/login/2fa", data={"code": pyotp.TOTP(user.totp_secret).now(),
                                               "csrf_token": token}).status_code == 302
        return client, "/profile"
    login(client, getattr(world, who))
    return client, "/profile"


def _counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Workspace.id))))


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_form_rejects_bad_input(app, world, endpoint):
    who, url_for_world, payloads = FORMS[endpoint]
    from agency.accounts.views.auth import invite_token

    invited = User(agency_id=world.agency_a.id, email="invited@example.com", name="Invited", role="client")
    db.session.add(invited)
    db.session.flush()
    with app.test_request_context():
        world.invite_token = invite_token(invited)
    client, token_page = _client_for(app, world, who)
    before = _counts()
    for payload in payloads:
        if payload.get("slug") == "__existing__":
            payload = {**payload, "slug": world.ws_a2.slug}
        if payload.get("workspaces") == ["__ws_b__"]:
            payload = {**payload, "workspaces": [str(world.ws_b.id)]}
        data = {**payload, "csrf_token": csrf_token(client, token_page)}
        response = client.post(url_for_world(world), data=data)
        assert 400 <= response.status_code < 500, (endpoint, list(payload), response.status_code)
        if response.mimetype == "text/html" and response.status_code not in (413, 429):
            body = response.get_data(as_text=True)
            assert 'class="error"' in body or "alert-error" in body, (endpoint, list(payload))
    assert _counts() == before  # nothing half-written


@pytest.mark.parametrize("endpoint", sorted(ACTIONS))
def test_actions_survive_garbage(app, world, endpoint):
    client, token_page = _client_for(app, world, "owner_a")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {"user_id": world.cm_a.id, "workspace_id": world.ws_a.id}
    url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
    for payload in ({}, {"active": HUGE, "archive": HUGE}, {"active": ["1", "0"]}):
        response = client.post(url, data={**payload, "csrf_token": csrf_token(client, token_page)})
        assert response.status_code < 500, (endpoint, response.status_code)
        if endpoint == "accounts.logout":
            break


def test_oversized_request_body_is_413(client, world):
    response = client.post("/login", data={"email": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
