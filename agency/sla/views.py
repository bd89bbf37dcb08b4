"""SLA pages: the board (/sla), the agency's defaults and calendars (/settings/sla), a workspace's
override (/w/<workspace>/settings/sla) and the due-time preview (JSON for the live preview)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from agency import wiring
from agency.accounts import queries as account_queries
from agency.accounts.forms import EmptyForm
from agency.accounts.models import Workspace
from agency.accounts.tenancy import get_scoped_or_404, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.errors import ValidationError
from agency.sla import engine, queries, settings
from agency.sla.forms import KIND_LABELS, METRIC_LABELS, PRIORITY_LABELS, CalendarForm, PolicyForm, PreviewForm
from agency.sla.models import KINDS, METRICS, PRIORITIES, SlaCalendar
from agency.sla.policy import (
    agency_default,
    cells_of,
    default_weekly,
    effective_policy,
    inherited_targets,
    resolve,
    workspace_override,
)

bp = Blueprint("sla", __name__)


# --- the board ------------------------------------------------------------------------------

@bp.route("/sla")
@permission_required("inbox.work")
def board():
    workspaces = account_queries.visible_workspaces(current_user)
    data = queries.board([ws.id for ws in workspaces], workspaces=workspaces)
    names = {row.key: row.label for row in data.assignees if row.key is not None}
    # Items whose reply waits for approval: their SLA clock keeps running, so they burn too. One statement.
    sort = request.args.get("waiting") if request.args.get("waiting") in ("longest", "shortest") else "longest"
    waiting_rows, waiting_total = [], 0
    provider = wiring.provided("approvals_waiting")
    if provider is not None and workspaces:
        waiting_rows, waiting_total = provider([ws.id for ws in workspaces], sort, 50)
    by_id = {ws.id: ws for ws in workspaces}
    waits = {row.interaction.id: row.since for row in waiting_rows}
    return render_template("sla/board.html", board=data, assignee_names=names, waiting=waiting_rows,
                           waiting_total=waiting_total, waiting_sort=sort, workspaces_by_id=by_id,
                           approval_waits=waits)


# --- preview --------------------------------------------------------------------------------

def _arrival(text: str | None, tz: ZoneInfo) -> datetime:
    """A local "YYYY-MM-DDTHH:MM" in the workspace's zone; default: the coming Friday 16:30."""
    if text:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(_("Give the arrival as date and time, for example 2026-11-27T16:30."), "at") from None
        return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed
    today = datetime.now(tz).replace(hour=16, minute=30, second=0, microsecond=0)
    return today + timedelta(days=(4 - today.weekday()) % 7)


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    if moment is None:
        return ""
    return format_datetime(moment, "EEEE, d MMM y, HH:mm", tzinfo=tz, locale=get_locale())


def _preview(workspace: Workspace, kind: str, priority: str, at: str | None) -> dict:
    tz = ZoneInfo(workspace.timezone)
    arrival = _arrival(at, tz)
    policy = effective_policy(workspace)
    dues = engine.preview(policy, kind, priority, arrival)
    lines = []
    for metric in METRICS:
        due = dues[metric]
        if due is None:
            continue
        lines.append({"metric": metric, "due": due.isoformat(), "due_local": _when(due, tz),
                      "text": _("%(metric)s: a %(kind)s (%(priority)s) arriving %(arrival)s is due %(due)s.",
                                metric=METRIC_LABELS[metric], kind=KIND_LABELS[kind],
                                priority=PRIORITY_LABELS[priority],
                                arrival=_when(arrival, tz), due=_when(due, tz))})
    return {"workspace": workspace.slug, "arrival": arrival.isoformat(), "arrival_local": _when(arrival, tz),
            "calendar": policy.calendar_label or _("Mon–Fri 09:00–17:00 with the workspace's public holidays"),
            "lines": lines, "empty": _("No targets apply to this kind and priority.") if not lines else ""}


def _preview_form(default_workspace: Workspace | None):
    workspaces = account_queries.visible_workspaces(current_user)
    form = PreviewForm(request.args)
    form.workspace.choices = [(ws.slug, ws.name) for ws in workspaces]
    workspace = None
    if form.workspace.data:
        workspace = next((ws for ws in workspaces if ws.slug == form.workspace.data), None)
    workspace = workspace or default_workspace or (workspaces[0] if workspaces else None)
    if workspace is not None:
        form.workspace.data = workspace.slug
    return form, workspace


def _render_preview(form, workspace):
    if workspace is None or not form.validate():
        return None
    try:
        return _preview(workspace, form.kind.data, form.priority.data, form.at.data)
    except ValidationError as err:
        apply_validation_error(form, err)
        return None


@bp.route("/settings/sla/preview")
@permission_required("sla.manage")
def preview():
    """JSON: the due times of one arrival, for the editors' live preview."""
    form, workspace = _preview_form(None)
    if request.args.get("workspace") and (workspace is None or workspace.slug != request.args["workspace"]):
        abort(404)
    if workspace is None:
        abort(404)
    result = _render_preview(form, workspace)
    if result is None:
        fields = {name: [str(e) for e in f.errors] for name, f in form._fields.items() if f.errors}
        return jsonify(error={"code": "invalid", "message": _("Please check the marked fields."),
                              "fields": fields}), 400
    return jsonify(result)


# --- agency defaults ------------------------------------------------------------------------

def _calendar_choices(agency_id: int, *, inherit: str | None) -> list[tuple[str, str]]:
    choices = [("default", _("Mon–Fri 09:00–17:00 in the workspace's time zone, with its public holidays"))]
    if inherit is not None:
        choices.insert(0, ("", inherit))
    choices += [(str(c.id), c.name) for c in queries.calendars_of_agency(agency_id)]
    return choices


def _calendar_value(policy) -> str:
    if policy is None or policy.calendar_mode is None:
        return ""
    return str(policy.calendar_id) if policy.calendar_mode == "custom" else "default"


def _save(form, workspace: Workspace | None):
    value = form.calendar.data or ""
    mode = None if value == "" else ("default" if value == "default" else "custom")
    calendar_id = int(value) if mode == "custom" else None
    settings.save_policy(current_user, workspace=workspace, calendar_mode=mode, calendar_id=calendar_id,
                         warn_minutes=form.warn_minutes.data, warn_percent=form.warn_percent.data,
                         targets=form.targets(), ip=client_ip())


def _policy_page(form, *, workspace: Workspace | None, inherited: dict, status: int = 200):
    preview_form, preview_ws = _preview_form(workspace)
    return render_template(
        "sla/policy.html", form=form, workspace=workspace, inherited=inherited, metrics=METRICS, kinds=KINDS,
        priorities=PRIORITIES, metric_labels=METRIC_LABELS, kind_labels=KIND_LABELS, priority_labels=PRIORITY_LABELS,
        calendars=queries.calendars_of_agency(current_user.agency_id),
        usage=queries.calendar_usage(current_user.agency_id), empty_form=EmptyForm(),
        overridden=queries.overridden_workspaces(current_user.agency_id),
        workspaces=account_queries.visible_workspaces(current_user),
        preview_form=preview_form, preview=_render_preview(preview_form, preview_ws)), status


@bp.route("/settings/sla", methods=["GET", "POST"])
@permission_required("sla.manage")
def agency_policy():
    default = agency_default(current_user.agency_id)
    form = PolicyForm()
    form.calendar.choices = _calendar_choices(current_user.agency_id, inherit=None)
    if request.method == "POST":
        if form.validate():
            try:
                _save(form, None)
                flash(_("SLA defaults saved. Open interactions are being recalculated."), "success")
                return redirect(url_for("sla.agency_policy"))
            except ValidationError as err:
                apply_validation_error(form, err)
        return _policy_page(form, workspace=None, inherited={}, status=400)
    form.calendar.data = _calendar_value(default) or "default"
    if default is not None:
        form.warn_minutes.data, form.warn_percent.data = default.warn_minutes, default.warn_percent
    form.fill_targets(inherited_targets(default))
    return _policy_page(form, workspace=None, inherited={})


@bp.route("/w/<workspace>/settings/sla", methods=["GET", "POST"])
@permission_required("sla.manage", hide=True)
def workspace_policy(workspace: str):
    ws = workspace_or_404(workspace)
    default = agency_default(current_user.agency_id)
    override = workspace_override(ws.id)
    inherited = resolve(ws, default, None)
    form = PolicyForm()
    form.calendar.choices = _calendar_choices(current_user.agency_id, inherit=_("As the agency default"))
    if request.method == "POST":
        if form.validate():
            try:
                _save(form, ws)
                flash(_("SLA settings of %(name)s saved. Its open interactions are being recalculated.",
                        name=ws.name), "success")
                return redirect(url_for("sla.workspace_policy", workspace=ws.slug))
            except ValidationError as err:
                apply_validation_error(form, err)
        return _policy_page(form, workspace=ws, inherited=inherited.targets, status=400)
    form.calendar.data = _calendar_value(override)
    if override is not None:
        form.warn_minutes.data, form.warn_percent.data = override.warn_minutes, override.warn_percent
        form.fill_targets(cells_of(override))
    return _policy_page(form, workspace=ws, inherited=inherited.targets)


@bp.route("/w/<workspace>/settings/sla/reset", methods=["POST"])
@permission_required("sla.manage", hide=True)
def workspace_policy_reset(workspace: str):
    ws = workspace_or_404(workspace)
    if not EmptyForm().validate():
        abort(400)
    if settings.reset_workspace_policy(current_user, ws, ip=client_ip()):
        flash(_("%(name)s follows the agency's SLA defaults again.", name=ws.name), "success")
    return redirect(url_for("sla.workspace_policy", workspace=ws.slug))


# --- calendars ------------------------------------------------------------------------------

def _calendar_page(form, calendar: SlaCalendar | None, status: int = 200):
    return render_template("sla/calendar.html", form=form, calendar=calendar, empty_form=EmptyForm()), status


def _save_calendar(form, calendar: SlaCalendar | None):
    try:
        saved = settings.save_calendar(current_user, calendar=calendar, name=form.name.data,
                                       definition=form.definition(), ip=client_ip())
    except ValidationError as err:
        if err.field == "weekly":
            # The calendar library names what is wrong; country and Land are the usual suspects.
            err = ValidationError(err.message, "subdivision" if "subdivision" in err.message else "country")
        apply_validation_error(form, err)
        return _calendar_page(form, calendar, 400)
    flash(_("Calendar %(name)s saved. Open interactions are being recalculated.", name=saved.name), "success")
    return redirect(url_for("sla.agency_policy"))


@bp.route("/settings/sla/calendars/new", methods=["GET", "POST"])
@permission_required("sla.manage")
def calendar_new():
    form = CalendarForm()
    if request.method == "POST":
        if form.validate():
            return _save_calendar(form, None)
        return _calendar_page(form, None, 400)
    form.fill({"tz": current_user.agency.timezone, "weekly": {str(d): h for d, h in default_weekly().items()},
               "country": "DE"})
    return _calendar_page(form, None)


@bp.route("/settings/sla/calendars/<int:calendar_id>", methods=["GET", "POST"])
@permission_required("sla.manage", hide=True)
def calendar_edit(calendar_id: int):
    calendar = get_scoped_or_404(SlaCalendar, calendar_id)
    form = CalendarForm(obj=None if request.method == "POST" else calendar)
    if request.method == "POST":
        if form.validate():
            return _save_calendar(form, calendar)
        return _calendar_page(form, calendar, 400)
    form.fill(calendar.definition)
    return _calendar_page(form, calendar)


@bp.route("/settings/sla/calendars/<int:calendar_id>/delete", methods=["POST"])
@permission_required("sla.manage", hide=True)
def calendar_delete(calendar_id: int):
    calendar = get_scoped_or_404(SlaCalendar, calendar_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        name = calendar.name
        settings.delete_calendar(current_user, calendar, ip=client_ip())
        flash(_("Calendar %(name)s deleted.", name=name), "success")
    except ValidationError as err:
        flash(err.message, "error")
    return redirect(url_for("sla.agency_policy"))
