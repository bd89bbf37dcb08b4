"""The OpenAPI 3.1 document, generated from the declared operations and their pydantic schemas."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from agency.api.framework import COMMON_ERRORS, OPERATIONS, Error, Operation

_PATH_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")
BIGINT_MAX = 2**63 - 1
REF = "#/components/schemas/{model}"


def openapi_path(rule: str) -> str:
    return "/api/v1" + _PATH_ARG.sub(lambda m: "{" + m.group(2) + "}", rule)


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"Error": Error}
    for op in OPERATIONS:
        for model in (op.body, op.response):
            if model is not None:
                found[model.__name__] = model
    return list(found.values())


def _components() -> dict[str, Any]:
    pairs = [(m, "validation") for m in _models()] + [(m, "serialization") for m in _models()]
    _keys, schema = models_json_schema(pairs, ref_template=REF)
    return schema.get("$defs", {})


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if prop.get("type") == "array":
            param.update(style="form", explode=True)
        if description:
            param["description"] = description
        params.append(param)
    return params


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": REF.format(model="Error")}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR_TEXT = {400: "Bad request (malformed JSON)", 401: "No, unknown, revoked or expired token",
               403: "The token's scopes or the user's role do not allow this", 404: "Not found (or not yours)",
               405: "Method not allowed", 406: "Not acceptable", 409: "Conflict", 415: "Send application/json",
               422: "Invalid values (``fields`` names them)", 429: "Rate limit reached (see RateLimit-* headers)"}

_RATE_HEADERS = {name: {"description": text, "schema": {"type": "string"}} for name, text in (
    ("RateLimit-Limit", "Requests allowed per window"), ("RateLimit-Remaining", "Requests left in this window"),
    ("RateLimit-Reset", "Seconds until the window resets"))}


def _operation(op: Operation) -> dict[str, Any]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX}}
              for _conv, name in _PATH_ARG.findall(op.rule)]
    if op.query is not None:
        params += _query_parameters(op.query)
    responses: dict[str, Any] = {}
    success: dict[str, Any] = {"description": op.summary, "headers": _RATE_HEADERS}
    if op.response is not None:
        success["content"] = {op.media_type: {"schema": {"$ref": REF.format(model=op.response.__name__)}}}
    elif op.status != 204:
        success["content"] = {op.media_type: {"schema": {"type": "string", "format": "binary"}}}
    responses[str(op.status)] = success
    if op.method == "GET" and op.media_type == "application/json":
        responses["304"] = {"description": "Not modified (the If-None-Match ETag still matches)"}
    for code in sorted({*COMMON_ERRORS, 405, 409, *op.errors}):
        responses[str(code)] = _error(_ERROR_TEXT.get(code, "Error"))
    doc: dict[str, Any] = {"operationId": op.endpoint.split(".", 1)[1], "summary": op.summary, "tags": [op.tag],
                           "security": [{"bearer": []}], "x-scope": f"{op.area}:{op.access}",
                           "parameters": params, "responses": responses}
    description = " ".join(op.description.split())
    if description:
        doc["description"] = description + f" Scope: `{op.area}:{op.access}`."
    else:
        doc["description"] = f"Scope: `{op.area}:{op.access}`."
    if op.body is not None:
        doc["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF.format(model=op.body.__name__)}}}}
    return doc


def document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document of ``/api/v1``."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(openapi_path(op.rule), {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Agency API", "version": "1.0.0",
                 "description": "Workspaces, channels, interactions, notes, time and webhooks of your agency. "
                                "Authenticate with a personal access token from your profile: "
                                "`Authorization: Bearer agy_…`. Errors are `{\"error\": {\"code\", \"message\", "
                                "\"fields\"}}`. Webhook deliveries carry `Agency-Signature: t=<unix>,v1=<hex>` "
                                "(HMAC-SHA256 of `<t>.<body>` with the subscription's secret)."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": _components(),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "A personal access token (agy_…)"}}},
    }
