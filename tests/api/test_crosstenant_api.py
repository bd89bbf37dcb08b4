"""Every API route with an object id answers 404 to agency B's token and to a colleague who is not assigned
to the workspace (GET and every write), while agency A's owner reaches it: the harness of
tests/accounts/test_crosstenant.py, with bearer tokens."""

from __future__ import annotations

from werkzeug.routing import Rule

from agency import db
from agency.api.framework import OPERATIONS
from tests.accounts.test_crosstenant import RESOLVERS, extra_resolvers
from tests.api.conftest import bearer, make_token

# A schema-valid body per operation, so that only the lookup can refuse.
BODIES = {"api.change_interaction": {"status": "closed"}, "api.change_webhook": {"description": "x"},
          "api.update_time_entry": {"workspace_id": 1, "activity_id": 1, "minutes": 5, "work_date": "2026-11-02"},
          "api.create_reply": {"text": "hallo"}, "api.create_note": {"text": "hallo"}}


def _urls(app, world):
    resolvers = {**RESOLVERS, **extra_resolvers()}
    rules: dict[str, Rule] = {r.rule: r for r in app.url_map.iter_rules()}
    found = []
    for op in OPERATIONS:
        rule = rules["/api/v1" + op.rule]
        if not rule.arguments:
            continue
        url = rule.build({a: resolvers[a](world) for a in rule.arguments}, append_unknown=False)[1]
        found.append((op.method, url, op.endpoint))
    return found


def _answers(app, secret, urls):
    client = app.test_client()
    return {(method, url): client.open(url, method=method, headers=bearer(secret), json=BODIES.get(endpoint)
                                       ).status_code for method, url, endpoint in urls}


def test_every_object_route_is_404_for_outsiders(app, world):
    urls = _urls(app, world)
    assert len(urls) >= 15
    outsider, unassigned = make_token(world.owner_b), make_token(world.cm_unassigned)
    db.session.commit()
    leaks = [f"agency B {m} {u} -> {s}" for (m, u), s in _answers(app, outsider, urls).items() if s != 404]
    # The unassigned colleague: 404 on everything inside ws_a (webhooks need a manager's role: 404 as well).
    leaks += [f"unassigned {m} {u} -> {s}" for (m, u), s in _answers(app, unassigned, urls).items() if s != 404]
    assert leaks == []


def test_the_harness_is_not_vacuous(app, world):
    urls = [(m, u, e) for m, u, e in _urls(app, world) if m == "GET"]
    owner = make_token(world.owner_a)
    db.session.commit()
    answers = _answers(app, owner, urls)
    assert [k for k, status in answers.items() if status != 200] == []
