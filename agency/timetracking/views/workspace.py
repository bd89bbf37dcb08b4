"""A client's time (/w/<workspace>/time): the retainer month by month, the burn-down and forecast, entries,
approval and month close; the retainer's settings."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from agency import db
from agency.accounts.models import User
from agency.accounts.tenancy import workspace_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.charts import BurnDown, burndown_svg
from agency.errors import ValidationError
from agency.timetracking import approval, budgets, queries, settings
from agency.timetracking.forms import (
    ApproveForm,
    MonthForm,
    ReopenForm,
    RetainerForm,
    parse_budget,
    parse_day,
    parse_month,
    parse_thresholds,
)
from agency.timetracking.views import activity_choices, approver, bp, current_today, refused


def _month_arg() -> date:
    return parse_month(request.values.get("month", "")[:7]) or current_today().replace(day=1)


def burndown_chart(status: budgets.BudgetStatus, today: date):
    """The retainer month as a burn-down (hours), up to today in the current month."""
    last = status.month_end
    days = [status.month + timedelta(days=i) for i in range((last - status.month).days + 1)]
    shown = [d for d in days if d <= today]
    used = [status.daily_used.get(d, 0) / 60 for d in shown]
    chart = BurnDown(labels=[str(d.day) for d in days], used=used, available=status.available_minutes / 60,
                     forecast_total=status.forecast_minutes / 60 if len(shown) < len(days) else None)
    return burndown_svg(chart, title=_("Burn-down of %(month)s", month=format_date(status.month, "MMMM y")),
                        labels_text={"ideal": _("even pace"), "remaining": _("hours left"),
                                     "forecast": _("at this pace")})


@bp.route("/w/<workspace>/time")
@permission_required("time.track", hide=True)
def workspace_time(workspace: str):
    ws = workspace_or_404(workspace)
    month = _month_arg()
    last = budgets.month_end(month)
    today = current_today()
    status = budgets.budget_statuses([ws], month)[ws.id]
    history = budgets.history(ws, month, count=6)
    people = {u.id: u for u in db.session.query(User).filter(User.agency_id == ws.agency_id)}
    by_user = queries.minutes_by_user(ws, month, last)
    closed = approval.closed_months_of(ws, [month]).get(month)
    entries = queries.entries_for_workspace(ws, month, last) if approver() else []
    activities = {a.id: a for a in settings.activities(ws.agency_id, include_archived=True)}
    approve_form = ApproveForm(formdata=None, first=month.isoformat(), last=last.isoformat())
    approve_form.user.choices = [("", _("everyone"))] + [(str(u), people[u].name) for u, _m, _o in by_user
                                                         if u in people]
    return render_template(
        "timetracking/workspace.html", workspace=ws, month=month, status=status, history=history,
        chart=burndown_chart(status, today) if status.has_budget else None, by_user=by_user, people=people,
        closed=closed, entries=entries, activities=activities, counts=queries.state_counts(ws, month, last),
        approve_form=approve_form, month_form=MonthForm(formdata=None, month=month.strftime("%Y-%m")),
        reopen_form=ReopenForm(formdata=None, month=month.strftime("%Y-%m")), today=today,
        previous_month=(month - timedelta(days=1)).replace(day=1), next_month=budgets.next_month(month),
        running=approval.running_timers_in(ws, month, last))


def _back_to(ws, month: date):
    return redirect(url_for("timetracking.workspace_time", workspace=ws.slug, month=month.strftime("%Y-%m")))


@bp.route("/w/<workspace>/time/approve", methods=["POST"])
@permission_required("time.approve", hide=True)
def workspace_approve(workspace: str):
    ws = workspace_or_404(workspace)
    form = ApproveForm()
    form.user.choices = [("", "")] + [(str(u.id), u.name) for u in db.session.query(User).filter(
        User.agency_id == ws.agency_id)]
    back = url_for("timetracking.workspace_time", workspace=ws.slug)
    if not form.validate():
        return refused(_("Nothing approved: %(errors)s",
                         errors="; ".join(str(e) for errs in form.errors.values() for e in errs)), back)
    first, last = parse_day(form.first.data), parse_day(form.last.data)
    try:
        count = approval.approve_period(current_user, ws, first, last,
                                        user_id=int(form.user.data) if form.user.data else None)
    except ValidationError as err:
        return refused(err.message, back)
    flash(_("%(n)d entries approved.", n=count), "success")
    return _back_to(ws, first.replace(day=1))


@bp.route("/w/<workspace>/time/close", methods=["POST"])
@permission_required("time.approve", hide=True)
def workspace_close(workspace: str):
    ws = workspace_or_404(workspace)
    form = MonthForm()
    back = url_for("timetracking.workspace_time", workspace=ws.slug)
    if not form.validate():
        return refused(_("Write the month like 2026-11."), back)
    month = parse_month(form.month.data)
    try:
        approval.close_month(current_user, ws, month)
    except ValidationError as err:
        return refused(err.message, back, 409)
    flash(_("%(month)s is closed for %(workspace)s.", month=format_date(month, "MMMM y"), workspace=ws.name),
          "success")
    return _back_to(ws, month)


@bp.route("/w/<workspace>/time/reopen", methods=["POST"])
@permission_required("time.reopen", hide=True)
def workspace_reopen(workspace: str):
    ws = workspace_or_404(workspace)
    form = ReopenForm()
    back = url_for("timetracking.workspace_time", workspace=ws.slug)
    if not form.validate():
        return refused(_("Give the month and a reason to re-open it."), back)
    month = parse_month(form.month.data)
    try:
        count = approval.reopen_month(current_user, ws, month, form.reason.data)
    except ValidationError as err:
        return refused(err.message, back, 409)
    flash(_("%(month)s is open again; %(n)d entries can be changed.", month=format_date(month, "MMMM y"), n=count),
          "success")
    return _back_to(ws, month)


@bp.route("/w/<workspace>/time/settings", methods=["GET", "POST"])
@permission_required("time.approve", hide=True)
def workspace_settings(workspace: str):
    ws = workspace_or_404(workspace)
    current = settings.workspace_settings(ws)
    budgets_now = settings.activity_budgets(ws.id)
    choices = activity_choices()
    if request.method == "POST":
        form = RetainerForm()
    else:
        form = RetainerForm(formdata=None, budget=_hours_text(current.budget_minutes), rollover=current.rollover,
                            starts=current.budget_starts_on.strftime("%Y-%m") if current.budget_starts_on else "",
                            thresholds=", ".join(str(t) for t in current.thresholds or [80, 100]),
                            rounding=str(current.rounding_minutes))
    activity_errors: dict[str, str] = {}
    activity_values = {a_id: request.form.get(f"ab-{a_id}", "")[:20] if request.method == "POST"
                       else _hours_text(budgets_now.get(int(a_id))) for a_id, _label in choices}
    if request.method == "POST":
        parsed_budgets: dict[int, int | None] = {}
        for a_id, value in activity_values.items():
            try:
                parsed_budgets[int(a_id)] = parse_budget(value)
            except Exception as err:  # wtforms.ValidationError carries the message
                activity_errors[a_id] = str(err)
        if form.validate() and not activity_errors:
            try:
                settings.save_workspace_settings(
                    current_user, ws, rounding_minutes=int(form.rounding.data),
                    budget_minutes=parse_budget(form.budget.data), rollover=form.rollover.data,
                    thresholds=parse_thresholds(form.thresholds.data), budget_starts_on=parse_month(form.starts.data),
                    activity_budgets=parsed_budgets)
            except ValidationError as err:
                apply_validation_error(form, err)
            else:
                flash(_("Retainer saved."), "success")
                return redirect(url_for("timetracking.workspace_time", workspace=ws.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("timetracking/workspace_settings.html", workspace=ws, form=form, choices=choices,
                           activity_values=activity_values, activity_errors=activity_errors), status


def _hours_text(minutes: int | None) -> str:
    if minutes is None:
        return ""
    hours, rest = divmod(minutes, 60)
    return f"{hours}:{rest:02d}" if rest else str(hours)
