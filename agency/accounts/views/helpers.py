"""Small helpers the account views share."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from agency.accounts.permissions import can
from agency.errors import ValidationError


def client_ip() -> str:
    return (request.remote_addr or "")[:64]


def staff_required(view):
    """Logged-in staff only; a client user is sent to the portal, anonymous users to login."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
        if not current_user.is_staff:
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def permission_required(permission: str, *, hide: bool = False):
    """Staff with ``permission``; others get 403 — or 404 on object URLs (``hide``)."""

    def decorate(view):
        @wraps(view)
        @staff_required
        def wrapper(*args, **kwargs):
            if not can(current_user, permission):
                abort(404 if hide else 403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def apply_validation_error(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form field it names (or the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors or []), error.message]
    else:
        form.form_errors.append(error.message)
