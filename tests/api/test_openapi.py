"""The OpenAPI document: 3.1, every API route in it (and nothing else), answers of real calls match it,
and the reference page (server-rendered, no scripts) shows every operation."""

from __future__ import annotations

import re

import schemathesis

from agency import db
from agency.api.framework import OPERATIONS, Error
from agency.api.openapi import openapi_path
from tests.api.conftest import make_interaction

UNDOCUMENTED = {"api.openapi_json", "api.reference"}  # the document and its page themselves


def test_every_api_route_is_documented(app, client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    routes = {(openapi_path(rule.rule[len("/api/v1"):]), method.lower())
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and rule.endpoint not in UNDOCUMENTED for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, methods in doc["paths"].items() for method in methods}
    assert len(routes) >= 20
    assert routes == documented
    for methods in doc["paths"].values():
        for op in methods.values():
            assert op["security"] == [{"bearer": []}] and re.fullmatch(r"\w+:(read|write)", op["x-scope"])
            assert "422" in op["responses"] and "401" in op["responses"]


def test_answers_of_real_calls_match_the_document(app, world, api):
    item = make_interaction(world.ws_a, tags=["VIP"])
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    calls = [("GET", "/api/v1/interactions", "/api/v1/interactions", None),
             ("GET", "/api/v1/interactions/{interaction_id}", f"/api/v1/interactions/{item.id}", None),
             ("PATCH", "/api/v1/interactions/{interaction_id}", f"/api/v1/interactions/{item.id}",
              {"add_tags": ["Lob"]}),
             ("POST", "/api/v1/interactions/{interaction_id}/notes", f"/api/v1/interactions/{item.id}/notes",
              {"text": "Notiz"}),
             ("GET", "/api/v1/workspaces", "/api/v1/workspaces", None),
             ("GET", "/api/v1/timer", "/api/v1/timer", None),
             ("GET", "/api/v1/interactions", "/api/v1/interactions?status=bogus", None),
             ("GET", "/api/v1/interactions/{interaction_id}", "/api/v1/interactions/999999", None)]
    for method, template, url, body in calls:
        response = api.open(url, method=method, json=body)
        operation = schema[template][method]
        assert str(response.status_code) in operation.definition.raw["responses"], url
        declared = next(op for op in OPERATIONS if openapi_path(op.rule) == template and op.method == method)
        model = declared.response if response.status_code < 400 else Error
        model.model_validate(response.json)  # raises on any difference (extra fields are forbidden)


def test_reference_page_lists_every_operation(client):
    doc = client.get("/api/v1/openapi.json").json
    page = client.get("/api/v1/reference")
    assert page.status_code == 200 and "<script" not in page.get_data(as_text=True).split("</head>")[1]
    html = page.get_data(as_text=True)
    for methods in doc["paths"].values():
        for op in methods.values():
            assert f'id="op-{op["operationId"]}"' in html
    assert "Agency-Signature" in html
