"""The OpenAPI document and its reference page (rendered on the server: no scripts, no CDN)."""

from __future__ import annotations

import json

from flask import jsonify, render_template

from agency.api.openapi import document
from agency.api.views import bp


@bp.route("/openapi.json")
def openapi_json():
    return jsonify(document())


def _schema_name(schema: dict) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else schema.get("type", "")


@bp.route("/reference")
def reference():
    doc = document()
    groups: dict[str, list[dict]] = {}
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            success = next((code, r) for code, r in op["responses"].items() if code.startswith("2"))
            answer = next(iter(success[1].get("content", {}).values()), {}).get("schema")
            groups.setdefault(op["tags"][0], []).append({
                "method": method.upper(), "path": path, "op": op, "body": _schema_name(body) if body else None,
                "status": success[0], "answer": _schema_name(answer) if answer else None,
                "errors": [c for c in op["responses"] if c[0] == "4"]})
    schemas = {name: json.dumps(schema, indent=2, ensure_ascii=False)
               for name, schema in sorted(doc["components"]["schemas"].items())}
    return render_template("api/reference.html", doc=doc, groups=groups, schemas=schemas)
