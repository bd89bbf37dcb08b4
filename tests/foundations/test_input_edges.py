"""Garbage at every edge: every POST route of every domain, ids beyond bigint, NUL bytes, file parts,
whitespace-only values, oversized values, repeated fields, open redirects, forged proxy and Host headers.

The harness builds every URL of the app with the cross-tenant resolvers (agency A's objects, as A's
owner) and fills every field name any form or template of the app uses. Whatever it sends, the answer is
never a 5xx, and a refused request (4xx) leaves every table exactly as it was.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

import agency.models  # noqa: F401
from agency import db
from agency.db import Base
from tests.accounts.test_crosstenant import RESOLVERS, extra_resolvers
from tests.conftest import World, csrf_token, login

ROOT = Path(__file__).resolve().parents[2]
HUGE_ID = "99999999999999999999"
HUGE = "x" * 100_000
#: Modules with import-time effects: the WSGI entry point builds an app from the environment.
_NOT_IMPORTED = {"agency.wsgi", "agency.__main__"}
#: Routes whose effect is to end the session being tested with; they are posted last.
SESSION_ENDERS = {"accounts.logout"}


def _form_field_names() -> set[str]:
    """Every field name a form class or a template of the app uses."""
    import importlib
    import pkgutil

    from wtforms.fields.core import UnboundField

    import agency
    from agency.forms import Form

    names: set[str] = set()
    for module in pkgutil.walk_packages(agency.__path__, "agency."):
        if ".sandbox" in module.name or module.name in _NOT_IMPORTED:
            continue
        mod = importlib.import_module(module.name)
        for value in vars(mod).values():
            if isinstance(value, type) and issubclass(value, Form):
                names |= {k for k in dir(value) if isinstance(getattr(value, k, None), UnboundField)}
    for template in (ROOT / "templates").rglob("*.html"):
        names |= set(re.findall(r'name="([a-zA-Z_][a-zA-Z0-9_\-]*)"', template.read_text(encoding="utf-8")))
    return names - {"csrf_token"}


def _table_counts() -> dict[str, int]:
    """Rows of every table, in one statement (the harness counts before and after each of ~1,000 posts)."""
    tables = Base.metadata.sorted_tables
    counts = select(*[select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables])
    with db.system_scope("test: count every table"):
        row = db.session.execute(counts).one()
    return dict(zip([t.name for t in tables], row, strict=True))


def _post_rules(app):
    rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static"]
    return sorted(rules, key=lambda r: (r.endpoint in SESSION_ENDERS, r.endpoint))


def _invite_token(world: World) -> str:
    from flask import current_app

    from agency.accounts.views.auth import invite_token

    with current_app.test_request_context():
        return invite_token(world.cm_a)


def _resolvers() -> dict:
    return {**RESOLVERS, **extra_resolvers(), "token": _invite_token}


def _url(rule, world: World, resolvers) -> str:
    return rule.build({arg: resolvers[arg](world) for arg in rule.arguments}, append_unknown=False)[1]


def test_every_form_derives_from_the_base_form():
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import agency
    from agency.forms import Form

    strays = []
    for module in pkgutil.walk_packages(agency.__path__, "agency."):
        if module.name in _NOT_IMPORTED:
            continue
        mod = importlib.import_module(module.name)
        for value in vars(mod).values():
            if (isinstance(value, type) and issubclass(value, FlaskForm) and value is not Form
                    and not issubclass(value, Form) and value.__module__ == mod.__name__):
                strays.append(f"{mod.__name__}.{value.__name__}")
    assert strays == [], "derive these from agency.forms.Form"


def test_field_names_are_found():
    names = _form_field_names()
    assert {"email", "password", "reply_text", "note_text", "name", "locale"} <= names


def _variants(names: set[str]):
    yield "NUL bytes", dict.fromkeys(names, "a\x00b"), None
    yield "whitespace only", dict.fromkeys(names, "   \t "), None
    yield "oversized", dict.fromkeys(names, HUGE), None
    yield "repeated", {n: ["1", "2"] for n in names}, None
    yield "file parts", {n: (io.BytesIO(b"%PDF-1.4 not really"), "x.pdf") for n in names}, "multipart/form-data"
    yield "empty", {}, None


#: The POST routes are split into this many shards, so that parallel test processes share the work.
SHARDS = 8


@pytest.mark.parametrize("shard", range(SHARDS))
def test_garbage_never_500s_and_refusals_write_nothing(app, world, shard):
    resolvers = _resolvers()
    rules = [(rule, _url(rule, world, resolvers)) for rule in _post_rules(app)[shard::SHARDS]]
    assert rules, "every shard has routes to post to"
    db.session.commit()
    names = _form_field_names()
    failures = []
    for rule, url in rules:
        client = app.test_client()
        login(client, world.owner_a)
        for label, payload, content_type in _variants(names):
            data = dict(payload)
            page = client.get("/profile")
            if page.status_code != 200:  # the previous variant ended the session (logout, password change)
                login(client, world.owner_a)
            data["csrf_token"] = csrf_token(client, "/profile")
            before = _table_counts()
            kwargs = {"content_type": content_type} if content_type else {}
            response = client.post(url, data=data, **kwargs)
            if response.status_code >= 500:
                failures.append(f"{rule.endpoint} [{label}] -> {response.status_code}")
            elif response.status_code >= 400 and response.status_code != 429:
                after = _table_counts()
                changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]
                           and t not in ("audit_events",)}
                if changed:
                    failures.append(f"{rule.endpoint} [{label}] -> {response.status_code} but wrote {changed}")
    assert failures == []


def test_ids_beyond_bigint_answer_404(app, world):
    """Every ``<int:…>`` argument, one at a time, set past the bigint range: 404 for GET and POST, never 500."""
    resolvers = _resolvers()
    client = app.test_client()
    login(client, world.owner_a)
    rules = [r for r in app.url_map.iter_rules() if any(
        type(r._converters[a]).__name__ == "BoundedIntConverter" for a in r.arguments)]
    assert len(rules) >= 10
    values = {rule.rule: {a: resolvers[a](world) for a in rule.arguments} for rule in rules}
    db.session.commit()
    token = csrf_token(client, "/profile")
    wrong = []
    for rule in rules:
        for arg in rule.arguments:
            if type(rule._converters[arg]).__name__ != "BoundedIntConverter":
                continue
            # Build with a marker, then put a number past bigint into the path (url building would refuse it).
            built = rule.build({**values[rule.rule], arg: 7777777777777777}, append_unknown=False)[1]
            url = built.replace("7777777777777777", HUGE_ID, 1)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, data={"csrf_token": token} if method != "GET" else None)
                if response.status_code != 404:
                    wrong.append(f"{method} {url} -> {response.status_code}")
    assert wrong == []


def test_nul_in_a_path_segment_is_404(app, world, client):
    login(client, world.owner_a)
    assert client.get("/w/al%00pha/inbox/").status_code == 404
    assert client.get("/w/" + "x" * 500 + "/inbox/").status_code == 404


def test_nul_and_surrogates_are_removed_from_form_and_query_values(app):
    from agency.web import clean_value

    assert clean_value("a\x00b") == "ab"
    assert clean_value("x\ud800y") == "x?y"
    with app.test_request_context("/?q=a%00b", method="POST", data={"name": "Jo\x00hn", "list": ["1\x00", "2"]}):
        from flask import request

        assert request.args["q"] == "ab"
        assert request.form["name"] == "John" and request.form.getlist("list") == ["1", "2"]


def test_names_with_nul_are_stored_clean(app, world, client):
    login(client, world.owner_a)
    token = csrf_token(client, "/settings/agency")
    response = client.post("/settings/agency", data={
        "csrf_token": token, "name": "Alpha\x00 Agentur", "default_locale": "de", "timezone": "Europe/Berlin",
        "currency": "EUR", "primary_color": "#2f5d8a"})
    assert response.status_code == 302
    db.session.expire_all()
    with db.system_scope("test"):
        assert db.session.scalar(text("SELECT name FROM agencies WHERE id = :a"), {"a": world.agency_a.id}) \
            == "Alpha Agentur"


def test_whitespace_only_language_is_a_form_error(app, world, client):
    login(client, world.owner_a)
    response = client.post("/profile/language", data={"locale": "  ", "csrf_token": csrf_token(client, "/profile")})
    assert response.status_code in (302, 400)
    response = client.post("/users/new", data={"name": "   ", "email": "ws@example.com", "role": "community_manager",
                                               "csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 400 and "This field is required" in response.get_data(as_text=True)


def test_a_file_where_text_is_expected_is_a_form_error(app, world, client):
    login(client, world.owner_a)
    response = client.post("/users/new", content_type="multipart/form-data", data={
        "name": (io.BytesIO(b"x"), "name.txt"), "email": "file@example.com", "role": "community_manager",
        "csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 400 and 'class="error"' in response.get_data(as_text=True)


# --- open redirects -------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "/%09/evil.example/x", "/\t/evil.example/x", "//evil.example", "/\\evil.example", "\\\\evil.example",
    "https://evil.example/", "/%2F/evil.example", "/%5C/evil.example", "%2F%2Fevil.example", "/\n/evil.example",
    "javascript:alert(1)", "/%252F%252Fevil.example", " //evil.example", "/\x00/evil.example", "http:evil.example",
])
def test_login_never_redirects_off_site(app, world, client, target):
    db.session.commit()
    response = client.post(f"/login?next={target}", data={
        "email": world.owner_a.email, "password": "Correct-Horse-Battery-42", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil.example" not in location and not location.startswith(("//", "javascript"))


def test_safe_next_keeps_real_paths():
    from agency.web import safe_next

    assert safe_next("/inbox/?status=open", "/") == "/inbox/?status=open"
    assert safe_next("/w/alpha/inbox/12", "/") == "/w/alpha/inbox/12"
    assert safe_next("/%09/evil.example/x", "/") == "/"
    assert safe_next(None, "/home") == "/home"


# --- forwarded headers and e-mailed links ----------------------------------------------------------

def test_forwarded_for_is_ignored_without_a_trusted_proxy(app, world):
    """35 failed logins, each claiming another client address, are throttled per IP all the same."""
    client = app.test_client()
    limited = 0
    for n in range(35):
        response = client.post("/login", data={"email": f"nobody{n}@example.com", "password": "wrong-password-1",
                                                "csrf_token": csrf_token(client)},
                                headers={"X-Forwarded-For": f"203.0.113.{n}"})
        limited += response.status_code == 429
    assert limited >= 1
    with db.system_scope("test"):
        ips = set(db.session.scalars(text("SELECT ip FROM audit_events WHERE action = 'auth.login_failed'")))
    assert not any(ip.startswith("203.0.113.") for ip in ips)


def test_forwarded_for_is_used_from_exactly_the_trusted_proxies(test_config):
    from flask import Flask, request

    from agency.web import install_proxy_fix

    probe = Flask("probe")

    @probe.route("/ip")
    def ip():
        return request.remote_addr or ""

    install_proxy_fix(probe, 1)
    client = probe.test_client()
    answer = client.get("/ip", headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"},
                        environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert answer.get_data(as_text=True) == "203.0.113.9"  # the one our proxy saw, not what the client claims


def test_invitation_links_ignore_host_headers(app, world, client):
    from agency.accounts.models import User

    app.config["AGENCY"] = app.config["AGENCY"].with_overrides(public_url="https://agency.example.com")
    try:
        login(client, world.owner_a)
        user = db.session.scalars(select(User).where(User.id == world.cm_a.id)).one()
        db.session.commit()
        response = client.post(f"/users/{user.id}/invite", data={"csrf_token": csrf_token(client, "/profile")},
                               headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"})
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "https://agency.example.com/invite/" in page and "evil.example" not in page
        from agency.accounts.views.auth import invite_url

        with app.test_request_context("/", headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}):
            assert invite_url(user).startswith("https://agency.example.com/invite/")
    finally:
        app.config["AGENCY"] = app.config["AGENCY"].with_overrides(public_url=None)


def test_invitation_links_without_public_url_are_paths_in_mails(app, world):
    from agency.accounts.views.auth import invite_url

    with app.test_request_context("/", headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"}):
        link = invite_url(world.cm_a)
    assert link.startswith("/invite/")


# --- bidirectional text ----------------------------------------------------------------------------

RLO_NAME = "Eve \u202egnp.exe"
RLO_TEXT = "Click \u202etxt.lufmrah\u202c now \u2067isolated"


def test_no_page_prints_a_bidi_override_whatever_the_row_holds(app, world, client):
    """Rows written around ingest (an import, an old version) still cannot spoof what staff read."""
    from agency.inbox.models import Interaction

    row = Interaction(agency_id=world.agency_a.id, workspace_id=world.ws_a.id, platform="facebook_page",
                      external_id="bidi-1", kind="comment", author_name=RLO_NAME, text=RLO_TEXT,
                      platform_created_at=db.utcnow(), status="new")
    db.session.add(row)
    db.session.flush()
    login(client, world.owner_a)
    pages = [f"/w/{world.ws_a.slug}/inbox/", "/inbox/", f"/w/{world.ws_a.slug}/inbox/{row.id}", "/sla", "/"]
    seen_name = False
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert "\u202e" not in html and "\u202d" not in html, path
        # An isolate opened in the text is closed again before the page goes on.
        assert html.count("\u2067") == html.count("\u2069"), path
        seen_name = seen_name or "gnp.exe" in html
    assert seen_name  # the name is shown, only without the override


def test_isolate_bidi_leaves_markup_and_plain_text_alone():
    from markupsafe import Markup

    from agency.web import isolate_bidi

    assert isolate_bidi("Grüße 👋") == "Grüße 👋"
    assert isolate_bidi(Markup("<b>Eve \u202egnp.exe</b>")) == Markup("<b>Eve gnp.exe</b>")
    assert isinstance(isolate_bidi(Markup("<b>\u202e</b>")), Markup)
    assert isolate_bidi(RLO_NAME) == "Eve gnp.exe"
    assert isolate_bidi("שלום עולם") == "שלום עולם"
    assert isolate_bidi(42) == 42
