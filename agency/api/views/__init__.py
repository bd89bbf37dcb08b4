"""The ``/api/v1`` blueprint. The operations register on ``bp`` from the modules below."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from agency.accounts.permissions import can
from agency.api import auth
from agency.api.framework import ApiError, register_routes
from agency.errors import ValidationError

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.url_value_preprocessor(auth.authenticate_request)
bp.after_request(auth.finish_response)


@bp.errorhandler(ApiError)
def _api_error(err: ApiError):
    return err.response()


@bp.errorhandler(ValidationError)
def _refused(err: ValidationError):
    return ApiError(422, "invalid", err.message, {err.field or "body": err.message}).response()


def require(permission: str) -> None:
    """The user's role must allow ``permission`` (as in the UI); else 403."""
    if not can(current_user, permission):
        raise ApiError(403, "forbidden", "Your role does not allow this.")


def not_found() -> None:
    abort(404)


from agency.api.views import docs, documents, inbox, resources, time, webhooks  # noqa: E402,F401  (declare the operations)

register_routes(bp)
