"""The API's own small layer over Flask: operations declared with pydantic models, from which both the
request checks and the OpenAPI 3.1 document come.

Why pydantic and a thin registry instead of spectree or flask-openapi3: pydantic v2 writes JSON Schema
2020-12, which *is* OpenAPI 3.1's schema dialect, so the document needs no conversion; and our errors,
bearer authentication, scopes, ETags and rate limits stay in one place with the app's own error format
(``{"error": {"code", "message", "fields"}}``) instead of a library's 422 shape, its CDN-hosted pages and
its own route registration beside our blueprints.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticError

from agency.web import clean_value


class Schema(BaseModel):
    """Base of every API schema: unknown fields are refused (a typo is an error, not silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, str]


class Error(Schema):
    error: ErrorBody


class ApiError(Exception):
    """An answer other than success: HTTP status, a machine code, a message and per-field messages."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, str(message)
        self.fields = {k: str(v) for k, v in (fields or {}).items()}
        self.headers = headers or {}

    def response(self) -> Response:
        body = jsonify(error={"code": self.code, "message": self.message, "fields": self.fields})
        body.status_code = self.status
        body.headers.update(self.headers)
        return body


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    area: str
    access: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    media_type: str = "application/json"  # of the success answer (CSV/XLSX downloads differ)
    errors: tuple[int, ...] = ()
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


#: Every operation of the API, in declaration order; the OpenAPI document is built from this list.
OPERATIONS: list[Operation] = []
#: The views of each path by method, registered as one URL rule per path by ``register_routes``.
_PATHS: dict[tuple[str, str], dict[str, Callable]] = {}
#: Statuses every authenticated operation may answer with an error body.
COMMON_ERRORS = (400, 401, 403, 404, 406, 415, 422, 429)


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(_is_list(arg) for arg in get_args(annotation))


def _query_values(model: type[BaseModel]) -> dict[str, Any]:
    known = model.model_fields
    unknown = sorted(set(request.args) - set(known))
    if unknown:
        raise ApiError(422, "invalid", "Unknown query parameter.", dict.fromkeys(unknown[:10], "not a parameter"))
    values: dict[str, Any] = {}
    for name, info in known.items():
        if name not in request.args:
            continue
        if _is_list(info.annotation):
            values[name] = request.args.getlist(name)
        else:
            many = request.args.getlist(name)
            if len(many) > 1:
                raise ApiError(422, "invalid", "A parameter was given twice.", {name: "give it once"})
            values[name] = many[0]
    return values


def _clean(value: Any, depth: int = 0) -> Any:
    # PostgreSQL refuses NUL bytes and unpaired surrogates; JSON can carry both ("\u0000", "\ud800").
    if depth > 20:
        raise ApiError(422, "invalid", "The JSON body is nested too deeply.")
    if isinstance(value, str):
        return clean_value(value)
    if isinstance(value, list):
        return [_clean(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {clean_value(str(k)): _clean(v, depth + 1) for k, v in value.items()}
    return value


def _body_values() -> Any:
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    data = request.get_json(silent=True, cache=False)
    if data is None:
        raise ApiError(400, "bad_json", "The body is not valid JSON.")
    return _clean(data)


def _fields_of(exc: PydanticError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors(include_url=False, include_input=False):
        name = ".".join(str(part) for part in err["loc"]) or "body"
        fields.setdefault(name[:100], err["msg"][:300])
    return fields


def parse(model: type[BaseModel], values: Any) -> BaseModel:
    try:
        return model.model_validate(values)
    except PydanticError as exc:
        raise ApiError(422, "invalid", "Some values are not valid.", _fields_of(exc)) from None


def operation(bp: Blueprint, rule: str, method: str, *, area: str, access: str, summary: str, tag: str,
              query: type[BaseModel] | None = None, body: type[BaseModel] | None = None,
              response: type[BaseModel] | None = None, status: int = 200, media_type: str = "application/json",
              errors: tuple[int, ...] = (), description: str = "") -> Callable:
    """Declare an API operation: its route, scope, input models and answer model.

    The view receives the path values plus ``query=`` and/or ``body=`` (validated models) and returns a
    model instance (serialised by its declared schema), ``None`` for 204, or a ``Response`` (downloads).
    """

    def decorate(view: Callable) -> Callable:
        endpoint = view.__name__
        op = Operation(rule=rule, method=method, endpoint=f"{bp.name}.{endpoint}", summary=summary, tag=tag,
                       area=area, access=access, query=query, body=body, response=response, status=status,
                       media_type=media_type, errors=errors, description=description or (view.__doc__ or ""))
        OPERATIONS.append(op)

        @functools.wraps(view)
        def wrapper(**path_values: Any):
            from agency.api import auth

            auth.require_scope(area, access)
            kwargs = dict(path_values)
            if query is not None:
                kwargs["query"] = parse(query, _query_values(query))
            elif request.args:
                raise ApiError(422, "invalid", "This operation takes no query parameters.",
                               dict.fromkeys(sorted(request.args)[:10], "not a parameter"))
            if body is not None:
                kwargs["body"] = parse(body, _body_values())
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(status=204)
            answer = jsonify(result.model_dump(mode="json"))
            answer.status_code = status
            return answer

        wrapper.api_operation = op  # type: ignore[attr-defined]
        _PATHS.setdefault((bp.name, rule), {})[method] = wrapper
        return wrapper

    return decorate


def register_routes(bp: Blueprint) -> None:
    """One URL rule per path with all its methods (then an id out of range is 404 for every method, never
    405 because another method's rule matched the path first); the view is chosen by the request's method."""
    for (name, rule), views in _PATHS.items():
        if name != bp.name:
            continue

        def dispatch(_views=views, **values):
            return (_views.get(request.method) or _views["GET"])(**values)

        first = next(iter(views.values()))
        bp.add_url_rule(rule, first.__name__, dispatch, methods=list(views))
