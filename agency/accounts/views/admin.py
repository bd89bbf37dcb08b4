"""Administration: users, workspaces, agency settings and the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency import audit, db
from agency.accounts import queries, services
from agency.accounts.forms import ROLE_LABELS, AgencyForm, EmptyForm, UserEditForm, UserForm, WorkspaceForm
from agency.accounts.models import Role, User, Workspace
from agency.accounts.permissions import assignable_roles, can
from agency.accounts.tenancy import get_scoped_or_404
from agency.accounts.views import bp
from agency.accounts.views.auth import invite_url
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.errors import ValidationError

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def _image_mimetype(data: bytes) -> str | None:
    """PNG or JPEG by magic bytes (the file name and the browser's type are not trusted)."""
    if data.startswith(_PNG):
        return "image/png"
    if data.startswith(_JPEG):
        return "image/jpeg"
    return None


def _send_invitation(user: User, link: str) -> None:
    """The invitation e-mail, in the invited person's language (queued after the commit)."""
    from flask_babel import force_locale

    from agency.mail import queue_mail

    with force_locale(user.locale or current_user.agency.default_locale or "de"):
        subject = _("%(agency)s invites you to Agency", agency=current_user.agency.name)
        body = _("Hello %(name)s,\n\n%(inviter)s has created an account for you. Choose your password here "
                 "(the link works for 7 days):\n\n%(url)s\n", name=user.name, inviter=current_user.name, url=link)
    queue_mail(user.email, subject, body)


def _shown_link(link: str) -> str:
    """An invitation link to show the admin on this page: completed with the address they are using.

    Only e-mailed links must not depend on request headers (they come from PUBLIC_URL); this one is shown
    to the person who made the request.
    """
    return link if link.startswith("http") else request.host_url.rstrip("/") + link


# --- users ----------------------------------------------------------------------------

def _user_form_choices(form, user: User | None = None) -> None:
    roles = assignable_roles(current_user)
    if user is not None and user.role not in roles:
        roles = (*roles, user.role)  # show (not grant) the role the user already has
    form.role.choices = [(r, ROLE_LABELS[Role(r)]) for r in roles]
    form.workspaces.choices = [(w.id, w.name) for w in queries.workspaces_of_agency(current_user.agency_id)]


@bp.route("/users")
@permission_required("users.manage")
def users():
    search = request.args.get("q", "")[:100]
    role = request.args.get("role", "")
    active = request.args.get("active", "yes")
    rows = queries.users_of_agency(current_user.agency_id, search=search, role=role, active=active)
    return render_template("accounts/users.html", users=rows, search=search, role=role, active=active,
                           role_labels=ROLE_LABELS, empty_form=EmptyForm())


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("users.manage")
def user_new():
    form = UserForm()
    _user_form_choices(form)
    if request.method == "POST":
        if form.validate():
            try:
                user = services.create_user(
                    current_user, email=form.email.data, name=form.name.data, role=form.role.data,
                    password=form.password.data or None, workspace_ids=form.workspaces.data or [],
                    locale=form.locale.data or None, ip=client_ip())
                if not form.password.data:
                    link = invite_url(user)
                    if current_app.config["AGENCY"].smtp_url and link.startswith("http"):
                        _send_invitation(user, link)
                        flash(_("Invitation sent to %(email)s. The link (valid for 7 days) also works from here: "
                                "%(url)s", email=user.email, url=link), "success")
                    else:
                        flash(_("User created. Send them this invitation link (valid for 7 days): %(url)s",
                                url=_shown_link(link)), "success")
                else:
                    flash(_("User %(name)s created.", name=user.name), "success")
                return redirect(url_for("accounts.users"))
            except ValidationError as err:
                apply_validation_error(form, err)
        return render_template("accounts/user_form.html", form=form, user=None), 400
    return render_template("accounts/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required("users.manage", hide=True)
def user_edit(user_id: int):
    user = get_scoped_or_404(User, user_id)
    form = UserEditForm(obj=user) if request.method == "GET" else UserEditForm()
    if request.method == "GET":
        form.workspaces.data = [m.workspace_id for m in user.memberships]
        form.locale.data = user.locale or ""
    _user_form_choices(form, user)
    if request.method == "POST":
        if form.validate():
            try:
                services.update_user(current_user, user, name=form.name.data, role=form.role.data,
                                     workspace_ids=form.workspaces.data or [], locale=form.locale.data or None,
                                     ip=client_ip())
                flash(_("Changes saved."), "success")
                return redirect(url_for("accounts.users"))
            except ValidationError as err:
                apply_validation_error(form, err)
        return render_template("accounts/user_form.html", form=form, user=user, empty_form=EmptyForm()), 400
    return render_template("accounts/user_form.html", form=form, user=user, empty_form=EmptyForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@permission_required("users.manage", hide=True)
def user_set_active(user_id: int):
    user = get_scoped_or_404(User, user_id)
    form = EmptyForm()
    if not form.validate():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        services.set_user_active(current_user, user, active, ip=client_ip())
    except ValidationError as err:
        flash(err.message, "error")
        return redirect(url_for("accounts.user_edit", user_id=user.id)), 303
    if not active:
        from agency.accounts.sessions import end_all_sessions

        end_all_sessions(user.id)
        flash(_("%(name)s is deactivated and logged out everywhere.", name=user.name), "success")
    else:
        flash(_("%(name)s is active again.", name=user.name), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/users/<int:user_id>/invite", methods=["POST"])
@permission_required("users.manage", hide=True)
def user_invite_link(user_id: int):
    user = get_scoped_or_404(User, user_id)
    if not EmptyForm().validate() or not user.is_active:
        abort(400)
    flash(_("Invitation link for %(name)s (valid for 7 days): %(url)s", name=user.name,
            url=_shown_link(invite_url(user))), "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


# --- workspaces -----------------------------------------------------------------------

@bp.route("/workspaces")
@permission_required("workspaces.manage")
def workspaces():
    show = request.args.get("show", "active")
    search = request.args.get("q", "")[:100]
    if current_user.sees_all_workspaces:
        rows = queries.workspaces_of_agency(current_user.agency_id, archived=(show == "archived"), search=search)
    else:
        rows = [w for w in queries.visible_workspaces(current_user, include_archived=True)
                if (w.is_archived == (show == "archived")) and search.lower() in w.name.lower()]
    return render_template("accounts/workspaces.html", workspaces=rows, show=show, search=search,
                           members=queries.member_counts(current_user.agency_id), empty_form=EmptyForm())


@bp.route("/workspaces/new", methods=["GET", "POST"])
@permission_required("workspaces.manage")
def workspace_new():
    form = WorkspaceForm()
    if request.method == "GET":
        form.timezone.data = current_user.agency.timezone
        form.locale.data = current_user.agency.default_locale
    if request.method == "POST":
        if form.validate():
            try:
                ws = services.create_workspace(
                    current_user, name=form.name.data, slug=form.slug.data or None, timezone=form.timezone.data,
                    locale=form.locale.data, address_form=form.address_form.data, country=form.country.data,
                    subdivision=form.subdivision.data or None, ip=client_ip())
                flash(_("Workspace %(name)s created.", name=ws.name), "success")
                return redirect(url_for("accounts.workspaces"))
            except ValidationError as err:
                apply_validation_error(form, err)
        return render_template("accounts/workspace_form.html", form=form, workspace=None), 400
    return render_template("accounts/workspace_form.html", form=form, workspace=None)


@bp.route("/workspaces/<int:workspace_id>", methods=["GET", "POST"])
@permission_required("workspaces.manage", hide=True)
def workspace_edit(workspace_id: int):
    ws = get_scoped_or_404(Workspace, workspace_id)
    form = WorkspaceForm(obj=ws) if request.method == "GET" else WorkspaceForm()
    if request.method == "POST":
        if form.validate():
            try:
                services.update_workspace(
                    current_user, ws, name=form.name.data, slug=form.slug.data or ws.slug,
                    timezone=form.timezone.data, locale=form.locale.data, address_form=form.address_form.data,
                    country=form.country.data, subdivision=form.subdivision.data or None, ip=client_ip())
                flash(_("Changes saved."), "success")
                return redirect(url_for("accounts.workspaces"))
            except ValidationError as err:
                apply_validation_error(form, err)
        return render_template("accounts/workspace_form.html", form=form, workspace=ws,
                               empty_form=EmptyForm()), 400
    return render_template("accounts/workspace_form.html", form=form, workspace=ws, empty_form=EmptyForm())


@bp.route("/workspaces/<int:workspace_id>/archive", methods=["POST"])
@permission_required("workspaces.manage", hide=True)
def workspace_archive(workspace_id: int):
    ws = get_scoped_or_404(Workspace, workspace_id)
    if not EmptyForm().validate():
        abort(400)
    archive = request.form.get("archive") != "0"
    services.set_workspace_archived(current_user, ws, archive, ip=client_ip())
    flash(_("%(name)s is archived.", name=ws.name) if archive else _("%(name)s is restored.", name=ws.name),
          "success")
    return redirect(url_for("accounts.workspaces", show="archived" if not archive else "active"))


# --- agency settings and branding ------------------------------------------------------

@bp.route("/settings/agency", methods=["GET", "POST"])
@permission_required("agency.manage")
def agency_settings():
    agency = current_user.agency
    form = AgencyForm(obj=agency) if request.method == "GET" else AgencyForm()
    if request.method == "POST":
        if form.validate():
            changes = {"name": form.name.data.strip(), "default_locale": form.default_locale.data,
                       "timezone": form.timezone.data, "currency": form.currency.data,
                       "primary_color": form.primary_color.data.lower(), "require_2fa": bool(form.require_2fa.data)}
            upload = form.logo.data
            try:
                if upload and getattr(upload, "filename", ""):
                    data = upload.read(512 * 1024 + 1)
                    mimetype = _image_mimetype(data)
                    if mimetype is None or len(data) > 512 * 1024:
                        raise ValidationError(_("The logo must be a PNG or JPEG file of at most 512 KB."), "logo")
                    changes.update(logo_data=data, logo_mimetype=mimetype)
                services.update_agency(current_user, agency, ip=client_ip(), **changes)
                flash(_("Agency settings saved."), "success")
                return redirect(url_for("accounts.agency_settings"))
            except ValidationError as err:
                apply_validation_error(form, err)
        return render_template("accounts/agency_settings.html", form=form, agency=agency), 400
    return render_template("accounts/agency_settings.html", form=form, agency=agency)


@bp.route("/branding/logo")
def agency_logo():
    """The logo of the current user's agency (404 when there is none)."""
    if not current_user.is_authenticated or not current_user.agency.logo_mimetype:
        abort(404)
    agency = current_user.agency
    return Response(agency.logo_data, mimetype=agency.logo_mimetype,
                    headers={"Cache-Control": "private, max-age=300"})


# --- audit log ------------------------------------------------------------------------

def _parse_day(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=db.utcnow().tzinfo) if value else None
    except ValueError:
        return None


def _id_arg(value: str) -> int | None:
    """A positive id from the query string, None when empty; 400 when it is no id at all."""
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > 2**63 - 1:
        abort(400)
    return int(value) or None


def _text_arg(value: str) -> str:
    return value.replace("\x00", "").strip()[:64]


@bp.route("/audit")
@permission_required("audit.view")
def audit_log():
    args = request.args
    until = _parse_day(args.get("until", ""))
    actor_id, before_id = _id_arg(args.get("actor", "")), _id_arg(args.get("before", ""))
    flt = queries.AuditFilter(action=_text_arg(args.get("action", "")), actor_id=actor_id,
                              object_type=_text_arg(args.get("object", "")), since=_parse_day(args.get("since", "")),
                              until=until + timedelta(days=1) if until else None)
    agency_id = current_user.agency_id
    events = queries.audit_events(agency_id, flt, before_id=before_id, limit=51)
    more = len(events) > 50
    events = events[:50]
    actors = queries.users_of_agency(agency_id, active="")
    actions = sorted(((a, audit.action_label(a)) for a in queries.audit_actions(agency_id)),
                     key=lambda pair: pair[1].lower())
    object_types = sorted(((t, audit.object_kind_label(t)) for t in queries.audit_object_types(agency_id)),
                          key=lambda pair: pair[1].lower())
    return render_template("accounts/audit.html", entries=audit.readable(events, agency_id), more=more, flt=flt,
                           args=args, actions=actions, object_types=object_types, actors=actors,
                           next_before=events[-1].id if events and more else None)


def nav_context() -> dict:
    """Template globals for the navigation (what the current user may open)."""
    user = current_user
    if not user or not user.is_authenticated:
        return {"can": lambda p: False, "nav_workspaces": []}
    from agency.accounts.notifications import unread_count

    workspaces = queries.visible_workspaces(user) if user.is_staff else []
    return {"can": lambda p: can(user, p), "nav_workspaces": workspaces,
            "current_workspace": g.get("workspace"),
            "unread_notifications": unread_count(user.id) if user.is_staff else 0}
