"""The DSGVO page of a workspace (/w/<workspace>/privacy): find a person, export, erase, the request record,
retention with its dry run."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.errors import ValidationError
from agency.privacy import services
from agency.privacy.forms import EraseForm, PersonActionForm, RetentionForm, SearchForm

bp = Blueprint("privacy", __name__)
PREVIEW_ROWS = 20


def _page(ws, *, search=None, people=None, erase_form=None, retention_form=None, status=200, preview=None):
    setting = services.retention_of(ws)
    return render_template(
        "privacy/workspace.html", ws=ws, search=search or SearchForm(request.args), people=people,
        action_form=PersonActionForm(received_on=date.today()), erase_form=erase_form,
        retention_form=retention_form or RetentionForm(enabled=setting.enabled, months=setting.months,
                                                       action=setting.action),
        setting=setting, requests=services.requests_of(ws), preview=preview), status


@bp.route("/w/<workspace>/privacy")
@permission_required("privacy.manage", hide=True)
def workspace_privacy(workspace: str):
    ws = workspace_or_404(workspace)
    search = SearchForm(request.args)
    people = None
    if search.q.data:
        people = services.find_people(ws, search.q.data) if search.validate() else []
    return _page(ws, search=search, people=people)


@bp.route("/w/<workspace>/privacy/export", methods=["POST"])
@permission_required("privacy.manage", hide=True)
def export_person(workspace: str):
    ws = workspace_or_404(workspace)
    form = PersonActionForm()
    if form.validate():
        try:
            person = services.person_from_key(ws, form.person.data)
            archive, record = services.export_zip(current_user, ws, person, received_on=form.received_on.data)
        except ValidationError as exc:
            flash(exc.message, "error")
        else:
            return Response(archive, mimetype="application/zip", headers={
                "Content-Disposition": f'attachment; filename="dsgvo-export-{record.subject}.zip"'})
    else:
        flash(_("Choose a person and the date the request was received."), "error")
    return _page(ws, status=422)


@bp.route("/w/<workspace>/privacy/erase", methods=["GET", "POST"])
@permission_required("privacy.manage", hide=True)
def erase_person(workspace: str):
    ws = workspace_or_404(workspace)
    form = EraseForm(person=request.args.get("person", ""), received_on=date.today()) \
        if request.method == "GET" else EraseForm()
    person = None
    try:
        person = services.person_from_key(ws, form.person.data or "")
    except ValidationError as exc:
        if request.method == "GET":
            flash(exc.message, "error")
            return redirect(url_for("privacy.workspace_privacy", workspace=ws.slug))
        form.form_errors.append(exc.message)
    if request.method == "POST" and person is not None and form.validate():
        try:
            record = services.erase(current_user, ws, person, received_on=form.received_on.data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            flash(_("Erased: %(n)d interactions, %(r)d replies, %(m)d notes, %(o)d other fields (request %(s)s).",
                    n=record.outcome["interactions"], r=record.outcome["replies"], m=record.outcome["notes"],
                    o=record.outcome["other_fields"], s=record.subject), "success")
            return redirect(url_for("privacy.workspace_privacy", workspace=ws.slug))
    status = 200 if request.method == "GET" else 422
    return render_template("privacy/erase.html", ws=ws, form=form, person=person), status


@bp.route("/w/<workspace>/privacy/retention", methods=["POST"])
@permission_required("privacy.manage", hide=True)
def retention(workspace: str):
    ws = workspace_or_404(workspace)
    form = RetentionForm()
    if not form.validate():
        return _page(ws, retention_form=form, status=422)
    try:
        services.save_retention(current_user, ws, enabled=form.enabled.data, months=form.months.data,
                                action=form.action.data)
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return _page(ws, retention_form=form, status=422)
    flash(_("Retention saved."), "success")
    return redirect(url_for("privacy.workspace_privacy", workspace=ws.slug))


@bp.route("/w/<workspace>/privacy/retention/preview")
@permission_required("privacy.manage", hide=True)
def retention_preview(workspace: str):
    """The dry run: what a run would anonymise or delete now."""
    ws = workspace_or_404(workspace)
    setting = services.retention_of(ws)
    ids = services.retention_plan(setting)
    from sqlalchemy import select

    from agency import db
    from agency.inbox.models import Interaction

    sample = list(db.session.scalars(select(Interaction).where(Interaction.id.in_(ids[:PREVIEW_ROWS] or [-1]))
                                     .order_by(Interaction.platform_created_at)))
    return _page(ws, preview={"count": len(ids), "sample": sample, "cutoff": services.cutoff(setting.months)})


@bp.route("/w/<workspace>/interactions/export.<any(csv, xlsx):fmt>")
@permission_required("inbox.export", hide=True)
def export_interactions(workspace: str, fmt: str):
    """The workspace's interactions with the inbox's filters (same query arguments) as CSV or XLSX."""
    from zoneinfo import ZoneInfo

    from agency.accounts.tenancy import visible_workspace_ids
    from agency.inbox.queries import InboxFilter
    from agency.privacy import exports

    ws = workspace_or_404(workspace)
    flt = InboxFilter.from_args(request.args, visible_workspace_ids(), workspace_id=ws.id)
    return exports.export(flt, current_user.id, ZoneInfo(ws.timezone), fmt, f"interactions-{ws.slug}")
