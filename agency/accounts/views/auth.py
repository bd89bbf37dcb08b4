"""Login with password and second factor, logout, invitation links."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from agency import audit, db
from agency.accounts import passwords, queries, services
from agency.accounts.forms import LoginForm, SecondFactorForm, SetPasswordForm
from agency.accounts.models import User
from agency.accounts.views import bp
from agency.accounts.views.helpers import apply_validation_error, client_ip
from agency.errors import ValidationError
from agency.extensions import limiter
from agency.web import safe_next

PENDING_2FA_SECONDS = 300
INVITE_MAX_AGE = 7 * 24 * 3600


def _login_email_key() -> str:
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:320]


def _pending_user_key() -> str:
    return "login-2fa:" + str(session.get("pending_2fa_user", ""))


def _failed(response) -> bool:
    # Only failed attempts count against the budget; a success must not lock anyone out.
    return response.status_code in (400, 401, 422)


def _ip_limit() -> str:
    return current_app.config["AGENCY"].login_limit_ip


def _account_limit() -> str:
    return current_app.config["AGENCY"].login_limit_account


def _home_for(user: User) -> str:
    return url_for("portal.home") if not user.is_staff else url_for("dashboard.home")


def _complete_login(user: User) -> None:
    session.clear()
    session.rotate()  # a fresh session id: no fixation
    login_user(user)
    session.permanent = True
    user.last_login_at = db.utcnow()
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        db.session.flush()
    audit.record("auth.login", agency_id=user.agency_id, actor=user, obj=user, ip=client_ip())


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], key_func=_login_email_key, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("accounts/login.html", form=form), 400
        with db.system_scope("log in by e-mail address"):
            user = queries.user_by_email(form.email.data)
        password_ok = passwords.verify_password(user.password_hash if user else None, form.password.data)
        if user is not None:
            db.set_tenant(db.session(), user.agency_id)
        if user is None or not password_ok or not user.is_active:
            audit.record_always("auth.login_failed", agency_id=user.agency_id if user else None, actor=None,
                                object_type="user", object_id=user.id if user else "", ip=client_ip(),
                                details={"email": form.email.data.strip().lower()[:320],
                                         "reason": "inactive" if user is not None and password_ok else "credentials"})
            form.form_errors.append(_("E-mail or password is not correct."))
            return render_template("accounts/login.html", form=form), 401
        if user.has_2fa:
            session.clear()
            session.rotate()
            session["pending_2fa_user"] = user.id
            session["pending_2fa_since"] = int(time.time())
            session["pending_next"] = safe_next(request.args.get("next"), "")
            return redirect(url_for("accounts.login_second_factor"))
        _complete_login(user)
        return redirect(safe_next(request.args.get("next"), _home_for(user)))
    return render_template("accounts/login.html", form=form)


@bp.route("/login/2fa", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], key_func=_pending_user_key, deduct_when=_failed)
def login_second_factor():
    user_id = session.get("pending_2fa_user")
    started = session.get("pending_2fa_since", 0)
    if not user_id or time.time() - started > PENDING_2FA_SECONDS:
        session.pop("pending_2fa_user", None)
        flash(_("Please log in again."), "warning")
        return redirect(url_for("accounts.login"))
    with db.system_scope("second login step of a user who gave the password"):
        user = db.session.get(User, user_id)
    if user is not None:
        db.set_tenant(db.session(), user.agency_id)
    if user is None or not user.is_active or not user.has_2fa:
        session.clear()
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    if request.method == "POST":
        if form.validate() and services.check_second_factor(user, form.code.data, ip=client_ip()):
            target = session.get("pending_next") or _home_for(user)
            _complete_login(user)
            if services.unused_recovery_code_count(user) <= 2:
                flash(_("You are running out of recovery codes. Create new ones in your profile."), "warning")
            return redirect(target)
        audit.record_always("auth.2fa_failed", agency_id=user.agency_id, actor=user, obj=user, ip=client_ip())
        form.code.errors = [*list(form.code.errors), _("That code is not valid.")]
        return render_template("accounts/login_2fa.html", form=form), 401
    return render_template("accounts/login_2fa.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        audit.record("auth.logout", agency_id=user.agency_id, actor=user, obj=user, ip=client_ip())
        logout_user()
    session.destroy()
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"))


def _invite_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="agency-invite")


def invite_token(user: User) -> str:
    """A link token that lets ``user`` set a password once (it dies when the password is set)."""
    return _invite_serializer().dumps({"u": user.id, "g": user.session_generation})


def invite_url(user: User) -> str:
    """The invitation link for e-mails: under PUBLIC_URL only, never built from request headers.

    Without PUBLIC_URL the link is the bare path (the admin copies it from the page, where the browser's
    own address completes it): a ``Host`` or ``X-Forwarded-Host`` header must never choose where a
    password-setting link points.
    """
    from agency.mail import absolute_url

    return absolute_url(url_for("accounts.accept_invite", token=invite_token(user)))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def accept_invite(token: str):
    try:
        data = _invite_serializer().loads(token, max_age=INVITE_MAX_AGE)
        with db.system_scope("accept an invitation link"):
            user = queries.load_user_for_session(int(data["u"]), int(data["g"]))
    except SignatureExpired:
        flash(_("This invitation has expired. Ask your administrator for a new one."), "error")
        return redirect(url_for("accounts.login"))
    except (BadSignature, KeyError, TypeError, ValueError):
        user = None
    if user is None:
        return render_template("errors/404.html"), 404
    db.set_tenant(db.session(), user.agency_id)
    form = SetPasswordForm()
    if request.method == "POST":
        if form.validate():
            try:
                services.set_password(user, form.new_password.data, ip=client_ip())
                _complete_login(user)
                flash(_("Welcome! Your password is set."), "success")
                return redirect(_home_for(user))
            except ValidationError as err:
                apply_validation_error(form, err)
        return render_template("accounts/invite.html", form=form, invited=user), 400
    return render_template("accounts/invite.html", form=form, invited=user)
