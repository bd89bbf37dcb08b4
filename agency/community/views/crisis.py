"""Crisis plan, detection settings and incidents: /w/<workspace>/crisis, /w/<workspace>/incidents/<id>."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.community import queries
from agency.community.forms import (
    CloseIncidentForm,
    CrisisPlanForm,
    DetectionForm,
    IncidentNoteForm,
    IncidentStepForm,
    OpenIncidentForm,
)
from agency.community.inputs import clean_lines
from agency.community.models import CrisisIncident
from agency.community.services import crisis, saved_replies
from agency.community.services import settings as settings_services
from agency.community.services.storms import recent_signal
from agency.community.views import bp
from agency.community.views.helpers import lines, may_manage, require_manage, scoped
from agency.errors import ValidationError


def _plan_form(plan) -> CrisisPlanForm:
    if plan is None:
        return CrisisPlanForm()
    return CrisisPlanForm(data={
        "severity_levels": "\n".join(f"{s['name']} | {s.get('description', '')}".rstrip(" |")
                                     for s in plan.severity_levels),
        "checklist": "\n".join(plan.checklist),
        "contacts": "\n".join(" | ".join(c.get(k, "") for k in ("name", "role", "phone", "email")).rstrip(" |")
                              for c in plan.contacts),
        "approval_chain": "\n".join(plan.approval_chain)})


def _detection_form(ws) -> DetectionForm:
    current = settings_services.effective(ws)
    until = current.detection_snoozed_until
    local = until.astimezone(ZoneInfo(ws.timezone)).strftime("%Y-%m-%dT%H:%M") if until else ""
    return DetectionForm(data={"enabled": current.detection_enabled, "keywords": "\n".join(current.crisis_keywords),
                               "snoozed_until": local, "snooze_reason": current.detection_snooze_reason})


def _page(ws, *, plan_form=None, detection_form=None, open_form=None, status=200):
    plan = crisis.plan_of(ws.id)
    return render_template(
        "community/crisis.html", workspace=ws, plan=plan, plan_form=plan_form or _plan_form(plan),
        detection_form=detection_form or _detection_form(ws), open_form=open_form or OpenIncidentForm(),
        settings=settings_services.effective(ws), incidents=queries.incidents_of(ws.id),
        holding=saved_replies.available(ws.agency_id, ws.id, kind="holding"), signal=recent_signal(ws.id),
        can_manage=may_manage()), status


@bp.route("/w/<workspace>/crisis", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def crisis_plan(workspace: str):
    ws = workspace_or_404(workspace)
    if request.method == "POST":
        require_manage()
        form = CrisisPlanForm()
        if form.validate():
            try:
                crisis.save_plan(
                    current_user, ws,
                    severity_levels=[{"name": r["name"], "description": r["description"]} for r in crisis.parse_pairs(
                        lines(form.severity_levels.data), "severity_levels", ("name", "description"))],
                    checklist=_checked_lines(form.checklist.data, "checklist", 50, 300),
                    contacts=crisis.parse_pairs(lines(form.contacts.data), "contacts",
                                                ("name", "role", "phone", "email")),
                    approval_chain=_checked_lines(form.approval_chain.data, "approval_chain", 20, 200), ip=client_ip())
                flash(_("Crisis plan saved."), "success")
                return redirect(url_for("community.crisis_plan", workspace=ws.slug))
            except ValidationError as err:
                apply_validation_error(form, err)
        return _page(ws, plan_form=form, status=400)
    return _page(ws)


def _checked_lines(value, field: str, max_items: int, max_length: int) -> list[str]:
    return clean_lines(value, field, max_items=max_items, max_length=max_length)


@bp.route("/w/<workspace>/crisis/detection", methods=["POST"])
@permission_required("inbox.work", hide=True)
def detection_settings(workspace: str):
    ws = workspace_or_404(workspace)
    require_manage()
    form = DetectionForm()
    if form.validate():
        try:
            until = None
            if (form.snoozed_until.data or "").strip():
                try:
                    until = datetime.fromisoformat(form.snoozed_until.data.strip())
                except ValueError:
                    raise ValidationError(_("Give date and time, for example 2026-12-24T18:00."),
                                          "snoozed_until") from None
                until = until.replace(tzinfo=ZoneInfo(ws.timezone)) if until.tzinfo is None else until
            settings_services.save_detection_settings(
                current_user, ws, enabled=form.enabled.data, keywords=lines(form.keywords.data), snoozed_until=until,
                snooze_reason=form.snooze_reason.data or "", ip=client_ip())
            flash(_("Detection settings saved."), "success")
            return redirect(url_for("community.crisis_plan", workspace=ws.slug))
        except ValidationError as err:
            apply_validation_error(form, err)
    return _page(ws, detection_form=form, status=400)


@bp.route("/w/<workspace>/crisis/incidents", methods=["POST"])
@permission_required("inbox.work", hide=True)
def incident_open(workspace: str):
    ws = workspace_or_404(workspace)
    form = OpenIncidentForm()
    if form.validate():
        try:
            incident = crisis.open_incident(ws, title=form.title.data, severity=form.severity.data or "",
                                            actor=current_user, ip=client_ip())
            flash(_("Incident opened; the team has been alerted."), "success")
            return redirect(url_for("community.incident", workspace=ws.slug, incident_id=incident.id))
        except ValidationError as err:
            apply_validation_error(form, err)
    return _page(ws, open_form=form, status=400)


def _incident_page(ws, incident: CrisisIncident, *, note_form=None, close_form=None, step_error=None, status=200):
    events = queries.timeline(incident)
    users = queries.users_by_id({e.user_id for e in events} | {incident.opened_by_id, incident.closed_by_id})
    return render_template(
        "community/incident.html", workspace=ws, incident=incident, events=events, users=users,
        interactions=queries.incident_interactions(incident), note_form=note_form or IncidentNoteForm(),
        close_form=close_form or CloseIncidentForm(), step_form=IncidentStepForm(), step_error=step_error,
        plan=crisis.plan_of(ws.id),
        holding=saved_replies.available(ws.agency_id, ws.id, kind="holding")), status


@bp.route("/w/<workspace>/incidents/<int:incident_id>")
@permission_required("inbox.work", hide=True)
def incident(workspace: str, incident_id: int):
    ws = workspace_or_404(workspace)
    return _incident_page(ws, scoped(CrisisIncident, incident_id, ws))


@bp.route("/w/<workspace>/incidents/<int:incident_id>/step", methods=["POST"])
@permission_required("inbox.work", hide=True)
def incident_step(workspace: str, incident_id: int):
    ws = workspace_or_404(workspace)
    row = scoped(CrisisIncident, incident_id, ws)
    form = IncidentStepForm()
    if not form.validate() or form.done.data not in ("0", "1"):
        return _incident_page(ws, row, step_error=_("That step could not be changed. Please reload the page."),
                              status=400)
    try:
        crisis.set_step(current_user, row, form.step.data, form.done.data == "1")
    except ValidationError as err:
        return _incident_page(ws, row, step_error=err.message, status=400)
    return redirect(url_for("community.incident", workspace=ws.slug, incident_id=row.id) + "#checklist")


@bp.route("/w/<workspace>/incidents/<int:incident_id>/note", methods=["POST"])
@permission_required("inbox.work", hide=True)
def incident_note(workspace: str, incident_id: int):
    ws = workspace_or_404(workspace)
    row = scoped(CrisisIncident, incident_id, ws)
    form = IncidentNoteForm()
    if form.validate():
        try:
            crisis.add_note(current_user, row, form.text.data)
            return redirect(url_for("community.incident", workspace=ws.slug, incident_id=row.id) + "#timeline")
        except ValidationError as err:
            apply_validation_error(form, err)
    return _incident_page(ws, row, note_form=form, status=400)


@bp.route("/w/<workspace>/incidents/<int:incident_id>/close", methods=["POST"])
@permission_required("inbox.work", hide=True)
def incident_close(workspace: str, incident_id: int):
    ws = workspace_or_404(workspace)
    row = scoped(CrisisIncident, incident_id, ws)
    form = CloseIncidentForm()
    if form.validate():
        try:
            crisis.close_incident(current_user, row, form.summary.data, ip=client_ip())
            flash(_("Incident closed."), "success")
            return redirect(url_for("community.incident", workspace=ws.slug, incident_id=row.id))
        except ValidationError as err:
            apply_validation_error(form, err)
    return _incident_page(ws, row, close_form=form, status=400)
