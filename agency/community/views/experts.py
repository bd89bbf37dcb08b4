"""Experts of a workspace and its escalations with response times: /w/<workspace>/experts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.accounts.forms import EmptyForm
from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, client_ip, permission_required
from agency.community import queries
from agency.community.forms import EscalationSettingsForm, ExpertForm
from agency.community.models import Expert
from agency.community.services import escalations
from agency.community.services import settings as settings_services
from agency.community.views import bp
from agency.community.views.helpers import comma_list, may_manage, require_manage, scoped
from agency.errors import ValidationError


def _settings_form(ws) -> EscalationSettingsForm:
    current = settings_services.effective(ws)
    return EscalationSettingsForm(data={"pauses_sla": current.escalation_pauses_sla,
                                        "reminder_hours": current.reminder_hours, "link_days": current.link_days})


def _page(ws, *, form=None, settings_form=None, editing=None, status=200):
    rows = queries.escalation_rows(ws)
    return render_template(
        "community/experts.html", workspace=ws, experts=escalations.experts_of(ws.id), form=form or ExpertForm(),
        settings_form=settings_form or _settings_form(ws), editing=editing, rows=rows,
        summary=queries.response_summary(rows), can_manage=may_manage(), empty_form=EmptyForm()), status


def _save(ws, form: ExpertForm, expert: Expert | None) -> Expert | None:
    try:
        return escalations.save_expert(current_user, ws, name=form.name.data, email=form.email.data,
                                       phone=form.phone.data or "", topics=comma_list(form.topics.data),
                                       availability=form.availability.data or "", is_active=form.is_active.data,
                                       expert=expert, ip=client_ip())
    except ValidationError as err:
        apply_validation_error(form, err)
        return None


@bp.route("/w/<workspace>/experts", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def experts_index(workspace: str):
    ws = workspace_or_404(workspace)
    if request.method == "POST":
        require_manage()
        form = ExpertForm()
        if form.validate() and (saved := _save(ws, form, None)) is not None:
            flash(_("%(name)s added as an expert.", name=saved.name), "success")
            return redirect(url_for("community.experts_index", workspace=ws.slug))
        return _page(ws, form=form, status=400)
    return _page(ws)


@bp.route("/w/<workspace>/experts/<int:expert_id>", methods=["GET", "POST"])
@permission_required("inbox.work", hide=True)
def expert_edit(workspace: str, expert_id: int):
    ws = workspace_or_404(workspace)
    expert = scoped(Expert, expert_id, ws)
    if request.method == "POST":
        require_manage()
        form = ExpertForm()
        if form.validate() and _save(ws, form, expert) is not None:
            flash(_("%(name)s saved.", name=expert.name), "success")
            return redirect(url_for("community.experts_index", workspace=ws.slug))
        return _page(ws, form=form, editing=expert, status=400)
    form = ExpertForm(data={"name": expert.name, "email": expert.email, "phone": expert.phone,
                            "topics": ", ".join(expert.topics), "availability": expert.availability,
                            "is_active": expert.is_active})
    return _page(ws, form=form, editing=expert)


@bp.route("/w/<workspace>/experts/<int:expert_id>/delete", methods=["POST"])
@permission_required("inbox.work", hide=True)
def expert_delete(workspace: str, expert_id: int):
    ws = workspace_or_404(workspace)
    expert = scoped(Expert, expert_id, ws)
    require_manage()
    if not EmptyForm().validate():
        abort(400)
    name = expert.name
    if escalations.remove_expert(current_user, expert, ip=client_ip()) == "deactivated":
        flash(_("%(name)s was asked before, so the entry stays for the record and is now inactive.", name=name),
              "success")
    else:
        flash(_("%(name)s removed.", name=name), "success")
    return redirect(url_for("community.experts_index", workspace=ws.slug))


@bp.route("/w/<workspace>/experts/settings", methods=["POST"])
@permission_required("inbox.work", hide=True)
def escalation_settings(workspace: str):
    ws = workspace_or_404(workspace)
    require_manage()
    form = EscalationSettingsForm()
    if form.validate():
        try:
            settings_services.save_escalation_settings(current_user, ws, pauses_sla=form.pauses_sla.data,
                                                       reminder_hours=form.reminder_hours.data,
                                                       link_days=form.link_days.data, ip=client_ip())
            flash(_("Escalation settings saved."), "success")
            return redirect(url_for("community.experts_index", workspace=ws.slug))
        except ValidationError as err:
            apply_validation_error(form, err)
    return _page(ws, settings_form=form, status=400)
