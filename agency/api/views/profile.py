"""The profile's page of personal access tokens (create: the secret shown once; revoke; last use)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from agency.accounts.forms import EmptyForm
from agency.accounts.tenancy import get_scoped_or_404
from agency.api import tokens
from agency.api.forms import TokenForm
from agency.api.models import ApiToken
from agency.errors import ValidationError

pages = Blueprint("api_tokens", __name__)


def _render(form: TokenForm | None = None, secret: str | None = None, status: int = 200):
    return render_template("api/tokens.html", form=form or TokenForm(formdata=None), secret=secret,
                           tokens=tokens.tokens_of(current_user), usable=tokens.is_usable,
                           empty_form=EmptyForm()), status


def _staff_only():
    if not current_user.is_staff:
        from flask import abort

        abort(404)


@pages.route("/profile/tokens")
@login_required
def token_list():
    _staff_only()
    return _render()


@pages.route("/profile/tokens", methods=["POST"])
@login_required
def token_create():
    _staff_only()
    form = TokenForm()
    if not form.validate():
        return _render(form, status=422)
    days = None if form.expires.data == "never" else int(form.expires.data)
    try:
        _token, secret = tokens.create_token(current_user, name=form.name.data, scopes=form.scopes.data,
                                             expires_in_days=days)
    except ValidationError as exc:
        field = getattr(form, exc.field or "name", form.name)
        field.errors = [*field.errors, exc.message]
        return _render(form, status=422)
    # Shown on this answer only: the database keeps its hash.
    return _render(secret=secret)


@pages.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: int):
    _staff_only()
    token = get_scoped_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        from flask import abort

        abort(404)
    if not EmptyForm().validate():
        return redirect(url_for("api_tokens.token_list"))
    tokens.revoke(current_user, token)
    flash(_("The token “%(name)s” no longer works.", name=token.name), "success")
    return redirect(url_for("api_tokens.token_list"))
