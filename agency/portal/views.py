"""Client portal pages. A client user sees only their own workspace, only here: published reports (web view and
PDF), live figures of the current month, the crisis plan and experts, invoices and replies waiting for their
approval (from the packages that provide them), and share links for their management."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from agency import db, wiring
from agency.errors import ValidationError

bp = Blueprint("portal", __name__, url_prefix="/portal")


def _client_workspace():
    memberships = current_user.memberships
    if len(memberships) != 1:
        abort(404)
    workspace = memberships[0].workspace
    if workspace.is_archived:
        abort(404)
    return workspace


def _published_or_404(workspace, month_key: str):
    """The workspace's published report of ``YYYY-MM``; drafts and other workspaces' reports answer 404."""
    from agency.reports import services
    from agency.reports.forms import parse_month
    from agency.reports.models import ReportStatus

    month = parse_month(month_key)
    report = services.report_for(workspace, month) if month else None
    if report is None or report.status != ReportStatus.PUBLISHED or report.workspace_id != workspace.id:
        abort(404)
    return report


def _live_figures(workspace):
    """This month so far: the KPI figures and the daily chart."""
    from agency.reports import metrics
    from agency.reports.document import Formats, charts

    today = db.utcnow().date()
    start, end = metrics.month_bounds(workspace, today.replace(day=1))
    figures = metrics.core_figures(workspace, start, min(end, db.utcnow()))
    params = {"ws": workspace.id, "start": start, "end": end, "tz": workspace.timezone or "Europe/Berlin"}
    last_day = (end - timedelta(seconds=1)).date()
    rows = metrics.detail_rows(params)
    volume = metrics.volume(workspace, params, today.replace(day=1), last_day, rows=rows)
    fmt = Formats(str(current_user.locale or workspace.locale or "de"))
    color = current_user.agency.primary_color or "#2f5d8a"
    found = charts({"volume": volume, "sentiment_weeks": metrics.sentiment_by_week(params, rows=rows),
                    "hours": {"by_activity": []}, "topics": {"words": []}}, fmt, color)
    return figures, found, fmt


@bp.route("/")
@login_required
def home():
    if current_user.is_staff:
        return redirect(url_for("dashboard.home"))
    from agency.community.services import escalations
    from agency.reports import services
    from agency.reports.forms import ShareForm

    workspace = _client_workspace()
    figures, live_charts, fmt = _live_figures(workspace)
    invoices_provider = wiring.provided("portal_invoices")
    approvals_provider = wiring.provided("client_approvals")
    return render_template(
        "portal/home.html", workspace=workspace, reports=services.published_reports(workspace.id), live=figures,
        live_charts=live_charts, fmt=fmt, experts=escalations.experts_of(workspace.id, active_only=True),
        invoices=invoices_provider(workspace.id) if invoices_provider else None,
        approvals=approvals_provider(workspace.id, current_user) if approvals_provider else None,
        share_form=ShareForm(formdata=None))


@bp.route("/reports/<month>")
@login_required
def report(month: str):
    if current_user.is_staff:
        abort(404)
    from agency.reports import render
    from agency.reports.forms import ShareForm

    workspace = _client_workspace()
    found = _published_or_404(workspace, month)
    body = render.render_document_html(found.figures, workspace, found.month, commentary=found.commentary,
                                       next_steps=found.next_steps, status=found.status)
    return render_template("portal/report.html", workspace=workspace, report=found, body=body,
                           share_form=ShareForm(formdata=None))


@bp.route("/reports/<month>.pdf")
@login_required
def report_pdf(month: str):
    if current_user.is_staff:
        abort(404)
    from agency.reports import services
    from agency.reports.views import pdf_filename, pdf_response

    workspace = _client_workspace()
    found = _published_or_404(workspace, month)
    return pdf_response(services.published_pdf(found), pdf_filename(workspace, found))


@bp.route("/reports/<month>/share", methods=["POST"])
@login_required
def share(month: str):
    """A link to this report for the client's management (no login), valid for the chosen number of days."""
    if current_user.is_staff:
        abort(404)
    from agency.reports import render, services
    from agency.reports.forms import ShareForm

    workspace = _client_workspace()
    found = _published_or_404(workspace, month)
    form = ShareForm()
    if form.validate():
        try:
            _link, token = services.create_share_link(found, current_user, days=form.days.data,
                                                      label=form.label.data or "")
        except ValidationError as error:
            form.days.errors = [*form.days.errors, error.message]
        else:
            flash(_("Share link created. Copy it now, it is shown only once: %(url)s",
                    url=url_for("reports.shared", token=token, _external=True)), "success")
            return redirect(url_for("portal.report", month=found.month_key))
    body = render.render_document_html(found.figures, workspace, found.month, commentary=found.commentary,
                                       next_steps=found.next_steps, status=found.status)
    return render_template("portal/report.html", workspace=workspace, report=found, body=body, share_form=form), 400


@bp.route("/crisis-plan")
@login_required
def crisis_plan():
    """The client's crisis plan and holding statements, read-only."""
    if current_user.is_staff:
        return redirect(url_for("dashboard.home"))
    from agency.community.services import crisis, saved_replies

    workspace = _client_workspace()
    return render_template("portal/crisis_plan.html", workspace=workspace, plan=crisis.plan_of(workspace.id),
                           holding=saved_replies.available(workspace.agency_id, workspace.id, kind="holding"))
