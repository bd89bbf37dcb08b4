"""Staff pages of the reports: a workspace's reports, one report (review, comment, publish, share), the PDF,
"generate all" with its progress page, and the share links' public pages."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from agency import db
from agency.accounts.permissions import can
from agency.accounts.queries import visible_workspaces
from agency.accounts.tenancy import get_scoped_or_404, workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required, staff_required
from agency.errors import ValidationError
from agency.reports import render, services
from agency.reports.forms import ActionForm, CommentaryForm, GenerateForm, PublishForm, ShareForm, parse_month
from agency.reports.models import Report, ReportStatus, ShareLink

bp = Blueprint("reports", __name__)

#: States in which a job is working on the report (the pages refresh themselves and show its progress).
BUSY = (ReportStatus.GENERATING, ReportStatus.PUBLISHING)


def last_month(today: date | None = None) -> date:
    today = today or db.utcnow().date()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def _report_or_404(ws, month_key: str) -> Report:
    month = parse_month(month_key)
    if month is None:
        abort(404)
    report = services.report_for(ws, month)
    if report is None:
        abort(404)
    return get_scoped_or_404(Report, report.id)


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"', "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff"})


def pdf_filename(workspace, report: Report) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in workspace.slug)[:60]
    return f"report-{safe}-{report.month_key}.pdf"


@bp.route("/w/<workspace>/reports")
@login_required
@staff_required
def workspace_reports(workspace: str):
    ws = workspace_or_404(workspace)
    reports = services.reports_of(ws.id)
    form = GenerateForm(formdata=None, month=last_month().strftime("%Y-%m"))
    return render_template("reports/list.html", workspace=ws, reports=reports, form=form,
                           progress={r.id: services.progress_of(r) for r in reports},
                           generating=any(r.status in BUSY for r in reports))


@bp.route("/w/<workspace>/reports/generate", methods=["POST"])
@permission_required("reports.publish", hide=True)
def generate(workspace: str):
    ws = workspace_or_404(workspace)
    form = GenerateForm()
    if form.validate():
        try:
            report = services.request_report(ws, form.month.month, current_user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            flash(_("The report is being generated."), "success")
            return redirect(url_for("reports.report_page", workspace=ws.slug, month=report.month_key))
    reports = services.reports_of(ws.id)
    return render_template("reports/list.html", workspace=ws, reports=reports, form=form,
                           progress={r.id: services.progress_of(r) for r in reports}, generating=False), 400


@bp.route("/w/<workspace>/reports/<month>")
@login_required
@staff_required
def report_page(workspace: str, month: str):
    ws = workspace_or_404(workspace)
    report = _report_or_404(ws, month)
    body = None
    if report.status in (ReportStatus.DRAFT, ReportStatus.PUBLISHING, ReportStatus.PUBLISHED):
        body = render.render_document_html(report.figures, ws, report.month, commentary=report.commentary,
                                           next_steps=report.next_steps, status=report.status)
    return _report_template(ws, report, body)


def _report_template(ws, report, body, *, commentary_form=None, publish_form=None, share_form=None, status=200):
    return render_template(
        "reports/report.html", workspace=ws, report=report, body=body, progress=services.progress_of(report),
        commentary_form=commentary_form or CommentaryForm(formdata=None, commentary=report.commentary,
                                                          next_steps=report.next_steps),
        publish_form=publish_form or PublishForm(formdata=None), share_form=share_form or ShareForm(formdata=None),
        action_form=ActionForm(formdata=None), links=services.share_links_of(report) if report.is_published else [],
        now=db.utcnow(), can_publish=can(current_user, "reports.publish")), status


@bp.route("/w/<workspace>/reports/<month>/commentary", methods=["POST"])
@permission_required("reports.publish", hide=True)
def commentary(workspace: str, month: str):
    ws = workspace_or_404(workspace)
    report = _report_or_404(ws, month)
    form = CommentaryForm()
    if form.validate():
        try:
            services.save_commentary(report, current_user, commentary=form.commentary.data or "",
                                     next_steps=form.next_steps.data or "")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            flash(_("Comments saved."), "success")
            return redirect(url_for("reports.report_page", workspace=ws.slug, month=report.month_key))
    return _report_template(ws, report, None, commentary_form=form, status=400)


@bp.route("/w/<workspace>/reports/<month>/regenerate", methods=["POST"])
@permission_required("reports.publish", hide=True)
def regenerate(workspace: str, month: str):
    ws = workspace_or_404(workspace)
    report = _report_or_404(ws, month)
    form = ActionForm()
    if not form.validate():
        abort(400)
    try:
        services.request_report(ws, report.month, current_user)
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(url_for("reports.report_page", workspace=ws.slug, month=report.month_key)), 409
    flash(_("The report is being generated again."), "success")
    return redirect(url_for("reports.report_page", workspace=ws.slug, month=report.month_key))


@bp.route("/w/<workspace>/reports/<month>/publish", methods=["POST"])
@permission_required("reports.publish", hide=True)
def publish(workspace: str, month: str):
    ws = workspace_or_404(workspace)
    report = _report_or_404(ws, month)
    form = PublishForm()
    if form.validate():
        try:
            services.request_publication(report, current_user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            flash(_("The report is being published. The client's users get an e-mail when it is done."),
                  "success")
            return redirect(url_for("reports.report_page", workspace=ws.slug, month=report.month_key))
    return _report_template(ws, report, None, publish_form=form, status=400)


@bp.route("/w/<workspace>/reports/<month>/share", methods=["POST"])
@permission_required("reports.publish", hide=True)
def share(workspace: str, month: str):
    ws = workspace_or_404(workspace)
    report = _report_or_404(ws, month)
    form = ShareForm()
    if form.validate():
        try:
            _link, token = services.create_share_link(report, current_user, days=form.days.data,
                                                      label=form.label.data or "")
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            url = url_for("reports.shared", token=token, _external=True)
            flash(_("Share link created. Copy it now, it is shown only once: %(url)s", url=url), "success")
            return redirect(url_for("reports.report_page", workspace=ws.slug, month=report.month_key))
    return _report_template(ws, report, None, share_form=form, status=400)


@bp.route("/w/<workspace>/reports/<month>/share/<int:link_id>/revoke", methods=["POST"])
@permission_required("reports.publish", hide=True)
def revoke(workspace: str, month: str, link_id: int):
    ws = workspace_or_404(workspace)
    report = _report_or_404(ws, month)
    link = get_scoped_or_404(ShareLink, link_id)
    if link.report_id != report.id:
        abort(404)
    if not ActionForm().validate():
        abort(400)
    services.revoke_share_link(link, current_user)
    flash(_("The link no longer opens the report."), "success")
    return redirect(url_for("reports.report_page", workspace=ws.slug, month=report.month_key))


@bp.route("/w/<workspace>/reports/<month>.pdf")
@login_required
@staff_required
def report_pdf(workspace: str, month: str):
    ws = workspace_or_404(workspace)
    report = _report_or_404(ws, month)
    if report.is_published:
        data = services.published_pdf(report)
    elif report.status == ReportStatus.DRAFT:
        data = services.render_report_pdf(report, author_name=current_user.name)
    else:
        abort(404)
    return pdf_response(data, pdf_filename(ws, report))


@bp.route("/reports")
@permission_required("reports.publish")
def overview():
    """Every workspace's report of one month, with the progress of those being generated ("generate all")."""
    month = parse_month(request.args.get("month", "")) or last_month()
    return _overview(month, GenerateForm(formdata=None, month=month.strftime("%Y-%m")))


def _overview(month: date, form: GenerateForm, status: int = 200):
    workspaces = visible_workspaces(current_user)
    by_workspace = {r.workspace_id: r for r in db.session.scalars(select(Report).where(
        Report.month == month, Report.workspace_id.in_([w.id for w in workspaces] or [0])))}
    rows = [(ws, by_workspace.get(ws.id)) for ws in workspaces]
    progress = {r.id: services.progress_of(r) for _w, r in rows if r is not None}
    done = sum(1 for _w, r in rows if r is not None and r.status != ReportStatus.GENERATING)
    return render_template("reports/overview.html", month=month, rows=rows, progress=progress, done=done, form=form,
                           generating=any(r is not None and r.status in BUSY for _w, r in rows),
                           previous=(month - timedelta(days=1)).replace(day=1),
                           following=(month + timedelta(days=32)).replace(day=1)), status


@bp.route("/reports/generate-all", methods=["POST"])
@permission_required("reports.publish")
def generate_all():
    form = GenerateForm()
    if not form.validate():
        return _overview(last_month(), form, 400)
    month = form.month.month
    started = 0
    try:
        for ws in visible_workspaces(current_user):
            existing = services.report_for(ws, month)
            if existing is not None and existing.status == ReportStatus.PUBLISHED:
                continue
            services.request_report(ws, month, current_user)
            started += 1
    except ValidationError as error:  # nothing is kept: a 4xx rolls the request back
        apply_validation_error(form, error)
        return _overview(last_month(), form, 400)
    flash(_("%(n)s reports are being generated.", n=started), "success")
    return redirect(url_for("reports.overview", month=month.strftime("%Y-%m")))


# --- share links: no login ---------------------------------------------------------------------------------

@bp.route("/share/<token>")
def shared(token: str):
    found = services.resolve_share_token(token)
    if found is None:
        abort(404)
    link, report = found
    from agency.accounts.models import Agency, Workspace

    ws = db.session.get(Workspace, report.workspace_id)
    body = render.render_document_html(report.figures, ws, report.month, commentary=report.commentary,
                                       next_steps=report.next_steps, status=report.status)
    return render_template("reports/shared.html", body=body, workspace=ws, report=report, token=token,
                           share_agency=db.session.get(Agency, report.agency_id), link=link)


@bp.route("/share/<token>.pdf")
def shared_pdf(token: str):
    found = services.resolve_share_token(token)
    if found is None:
        abort(404)
    _link, report = found
    from agency.accounts.models import Workspace

    ws = db.session.get(Workspace, report.workspace_id)
    return pdf_response(services.published_pdf(report), pdf_filename(ws, report))
