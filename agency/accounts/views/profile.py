"""The user's own profile: language, password, two-factor authentication."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from agency.accounts import services, twofactor
from agency.accounts.forms import (
    EmptyForm,
    LanguageForm,
    PasswordChangeForm,
    TotpDisableForm,
    TotpSetupForm,
)
from agency.accounts.views import bp
from agency.accounts.views.helpers import apply_validation_error, client_ip
from agency.errors import ValidationError


def _render(status: int = 200, **forms):
    user = current_user
    context = {
        "language_form": forms.get("language_form") or LanguageForm(locale=user.locale or ""),
        "password_form": forms.get("password_form") or PasswordChangeForm(),
        "disable_form": forms.get("disable_form") or TotpDisableForm(),
        "empty_form": EmptyForm(),
        "recovery_left": services.unused_recovery_code_count(user) if user.has_2fa else 0,
    }
    return render_template("accounts/profile.html", **context), status


@bp.route("/profile")
@login_required
def profile():
    return _render()


@bp.route("/profile/language", methods=["POST"])
@login_required
def profile_language():
    form = LanguageForm()
    if not form.validate():
        return _render(400, language_form=form)
    try:
        services.set_user_locale(current_user, form.locale.data or None)
    except ValidationError as err:
        apply_validation_error(form, err)
        return _render(400, language_form=form)
    flash(_("Language saved."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/profile/password", methods=["POST"])
@login_required
def profile_password():
    form = PasswordChangeForm()
    if form.validate():
        try:
            services.set_password(current_user, form.new_password.data, current_password=form.current_password.data,
                                  ip=client_ip())
            # The password change ended every session; keep this one, under a fresh id.
            session.rotate()
            login_user(current_user._get_current_object())
            flash(_("Password changed. Other sessions have been logged out."), "success")
            return redirect(url_for("accounts.profile"))
        except ValidationError as err:
            apply_validation_error(form, err)
    return _render(400, password_form=form)


@bp.route("/profile/2fa", methods=["GET", "POST"])
@login_required
def profile_2fa_setup():
    """Show a QR code for a new secret (kept in the session until confirmed) and confirm it."""
    if current_user.has_2fa:
        return redirect(url_for("accounts.profile"))
    secret = session.get("pending_totp_secret")
    if not secret or (request.method == "GET" and request.args.get("new")):
        secret = twofactor.new_secret()
        session["pending_totp_secret"] = secret
    form = TotpSetupForm()
    if request.method == "POST":
        if form.validate():
            try:
                codes = services.enable_totp(current_user, secret, form.code.data, ip=client_ip())
                session.pop("pending_totp_secret", None)
                session["fresh_recovery_codes"] = codes
                flash(_("Two-factor authentication is on."), "success")
                return redirect(url_for("accounts.profile_recovery_codes"))
            except ValidationError as err:
                apply_validation_error(form, err)
        status = 400
    else:
        status = 200
    uri = twofactor.provisioning_uri(secret, current_user.email)
    return render_template("accounts/twofactor_setup.html", form=form, secret=secret,
                           qr=twofactor.qr_svg_data_uri(uri)), status


@bp.route("/profile/2fa/disable", methods=["POST"])
@login_required
def profile_2fa_disable():
    form = TotpDisableForm()
    if current_user.agency.require_2fa and current_user.is_staff:
        flash(_("Your agency requires two-factor authentication; it cannot be turned off."), "error")
        return redirect(url_for("accounts.profile")), 303
    if form.validate():
        try:
            services.disable_totp(current_user, form.password.data, ip=client_ip())
            flash(_("Two-factor authentication is off."), "info")
            return redirect(url_for("accounts.profile"))
        except ValidationError as err:
            apply_validation_error(form, err)
    return _render(400, disable_form=form)


@bp.route("/profile/recovery-codes", methods=["GET", "POST"])
@login_required
def profile_recovery_codes():
    """New codes are shown once, right after they are made."""
    if not current_user.has_2fa:
        return redirect(url_for("accounts.profile"))
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate():
            return redirect(url_for("accounts.profile")), 303
        session["fresh_recovery_codes"] = services.regenerate_recovery_codes(current_user, ip=client_ip())
        return redirect(url_for("accounts.profile_recovery_codes"))
    codes = session.pop("fresh_recovery_codes", None)
    if not codes:
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/recovery_codes.html", codes=codes)


@bp.route("/notifications")
@login_required
def notifications():
    from agency.accounts import notifications as notes

    return render_template("accounts/notifications.html", notifications=notes.recent(current_user.id),
                           empty_form=EmptyForm())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read():
    from agency.accounts import notifications as notes

    if not EmptyForm().validate():
        return redirect(url_for("accounts.notifications")), 303
    notes.mark_read(current_user.id)
    return redirect(url_for("accounts.notifications"))
