"""The cross-tenant harness: every URL rule with an object id answers 404 to outsiders.

For every rule of the app that takes arguments, the harness fills them with ids
and slugs of agency A's objects and requests the URL (GET and POST) as the owner
of agency B, and as a community manager of agency A who is not assigned to the
workspace. Both must get 404. A new route with an argument the harness cannot
fill fails the test until a resolver is added to RESOLVERS — so later routes are
covered as soon as they exist.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import World, csrf_token, login

# How to fill each URL argument with an object of agency A (workspace ws_a).
RESOLVERS: dict[str, Callable[[World], object]] = {
    "workspace": lambda w: w.ws_a.slug,
    "workspace_id": lambda w: w.ws_a.id,
    "user_id": lambda w: w.cm_a.id,
}

# Rules whose arguments are not object ids, with the reason.
EXEMPT = {
    "static": "public files",
    "accounts.accept_invite": "a signed bearer token, not an object id (tested in test_auth)",
}


def _domain_modules():
    import importlib
    import pkgutil

    import tests

    for module in pkgutil.iter_modules(tests.__path__):
        try:
            yield importlib.import_module(f"tests.{module.name}.crosstenant")
        except ModuleNotFoundError:
            continue


def extra_resolvers() -> dict[str, Callable[[World], object]]:
    """Resolvers contributed by the other domains' test packages (tests/<domain>/crosstenant.py)."""
    found: dict[str, Callable[[World], object]] = {}
    for mod in _domain_modules():
        found.update(getattr(mod, "RESOLVERS", {}))
    return found


def exempt_rules() -> dict[str, str]:
    """EXEMPT here plus the domains' own (a signed bearer token is no object id), each with its reason."""
    found = dict(EXEMPT)
    for mod in _domain_modules():
        found.update(getattr(mod, "EXEMPT", {}))
    return found


def _object_rules(app):
    exempt = exempt_rules()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in exempt or not rule.arguments:
            continue
        yield rule


def _build(rule, world: World, resolvers) -> str:
    values = {}
    for arg in rule.arguments:
        if arg not in resolvers:
            pytest.fail(f"route {rule.rule} ({rule.endpoint}) has argument {arg!r}: add a resolver to the "
                        f"cross-tenant harness (RESOLVERS or tests/<domain>/crosstenant.py)")
        values[arg] = resolvers[arg](world)
    return rule.build(values, append_unknown=False)[1]


def _check(client, app, world, resolvers, who: str) -> list[str]:
    from agency import db

    # Build every URL first (resolvers create agency A's objects), and commit them: a request that
    # answers 404 rolls its session back, which must not take the objects with it.
    urls = [(rule, _build(rule, world, resolvers)) for rule in _object_rules(app)]
    db.session.commit()
    token = csrf_token(client, "/profile")
    leaks = []
    for rule, url in urls:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method != "GET" else None
            response = client.open(url, method=method, data=data)
            if response.status_code != 404:
                leaks.append(f"{who} {method} {url} -> {response.status_code}")
    return leaks


def test_every_object_url_is_404_for_another_agency(app, world):
    resolvers = {**RESOLVERS, **extra_resolvers()}
    client = app.test_client()
    login(client, world.owner_b)
    assert _check(client, app, world, resolvers, "agency B owner") == []


def test_every_object_url_is_404_for_unassigned_staff(app, world):
    resolvers = {**RESOLVERS, **extra_resolvers()}
    client = app.test_client()
    login(client, world.cm_unassigned)
    assert _check(client, app, world, resolvers, "unassigned community manager") == []


def test_harness_is_not_vacuous(app, world):
    """The owner of agency A reaches the same URLs (so 404 above means 'hidden', not 'broken')."""
    resolvers = {**RESOLVERS, **extra_resolvers()}
    client = app.test_client()
    login(client, world.owner_a)
    rules = [(rule, _build(rule, world, resolvers)) for rule in _object_rules(app)]
    from agency import db

    db.session.commit()
    assert len(rules) >= 5
    reachable = 0
    for rule, url in rules:
        if "GET" not in rule.methods:
            continue
        response = client.get(url)
        assert response.status_code != 404, rule.rule
        reachable += 1
    assert reachable >= 2


def test_scoped_lookup_and_backstop(app, world):
    from sqlalchemy import select

    from agency import db
    from agency.accounts.models import User, Workspace

    assert db.get_in_agency(Workspace, world.ws_b.id, world.agency_a.id) is None
    assert db.get_in_agency(Workspace, "not-a-number", world.agency_a.id) is None
    assert db.get_in_agency(Workspace, world.ws_a.id, world.agency_a.id) is world.ws_a
    session = db.session()
    db.session.expunge_all()
    with db.tenant(session, world.agency_a.id):
        names = set(db.session.scalars(select(Workspace.name)))
        users = db.session.scalars(select(User)).all()
    assert "Beta Client" not in names and {"Alpha Client", "Alpha Two"} <= names
    assert users and all(u.agency_id == world.agency_a.id for u in users)
    # With no tenant set (a job or command before it names its agency), row-level security shows nothing;
    # a named cross-agency scope sees every agency.
    db.set_tenant(session, None)
    assert set(db.session.scalars(select(Workspace.name))) == set()
    with db.system_scope("test: every agency"):
        assert {"Alpha Client", "Beta Client"} <= set(db.session.scalars(select(Workspace.name)))
