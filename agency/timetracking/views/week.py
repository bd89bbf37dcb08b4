"""My week: the grid, the timer, single entries and the day's inbox suggestions."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency import db
from agency.accounts.forms import EmptyForm
from agency.accounts.models import User
from agency.accounts.tenancy import get_scoped_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.errors import ValidationError
from agency.timetracking import capture, services, settings
from agency.timetracking.budgets import budget_statuses
from agency.timetracking.durations import DurationError, format_minutes, parse_duration
from agency.timetracking.forms import EntryForm, TimerStartForm, TimerStopForm, local_datetime, parse_clock, parse_day
from agency.timetracking.models import TimeEntry
from agency.timetracking.queries import week_grid
from agency.timetracking.views import (
    activity_choices,
    activity_labels,
    approver,
    bp,
    current_today,
    day_label,
    monday,
    my_workspaces,
    page_activities,
    pick_activity,
    pick_workspace,
    refused,
    week_arg,
    workspace_choices,
)
from agency.web import safe_next

_CELL = re.compile(r"^c-(\d{1,18})-(\d{1,18})-(\d{4}-\d{2}-\d{2})$")
_ROW = re.compile(r"^(\d{1,18})-(\d{1,18})$")
MAX_CELLS = 7 * 60


def _person() -> User:
    """Whose week: mine, or (for approvers) a colleague's given by ``?user=``."""
    wanted = request.values.get("user", "")
    if not wanted or wanted == str(current_user.id):
        return current_user
    if not approver():
        abort(404)
    person = get_scoped_or_404(User, wanted)
    if not person.is_staff:
        abort(404)
    return person


def _extra_rows() -> list:
    """Rows asked for with ``?rows=ws-activity,…`` (a row added before it holds time)."""
    rows = []
    for part in request.values.get("rows", "")[:2000].split(","):
        match = _ROW.match(part.strip())
        if not match:
            continue
        ws = next((w for w in my_workspaces() if w.id == int(match.group(1))), None)
        activity = next((a for a in page_activities() if a.id == int(match.group(2))), None)
        if ws is not None and activity is not None and activity.agency_id == current_user.agency_id:
            rows.append((ws, activity))
    return rows[:30]


def _render_week(person: User, week: date, *, errors: dict | None = None, typed: dict | None = None,
                 status: int = 200):
    activities = {a.id: a for a in page_activities()}
    grid = week_grid(current_user, person, week, extra_rows=_extra_rows(), activities=activities)
    if person.id == current_user.id:
        g.time_running = grid.running  # the header timer shows it without asking again
    today = current_today()
    statuses = budget_statuses(list({r.workspace.id: r.workspace for r in grid.rows}.values()), today.replace(day=1))
    suggestions = capture.summary_of(person, today) if person.id == current_user.id else []
    names = {ws.id: ws.name for ws in my_workspaces()}
    user_arg = None if person.id == current_user.id else person.id
    # Everything a column's cells show about their day, formatted once per page rather than once per cell.
    columns = [{"day": day, "iso": day.isoformat(), "weekday": day_label(day, "EEE"), "short": day_label(day, "d.M."),
                "long": day_label(day, "EEEE d MMM"), "today": day == today, "weekend": day.weekday() >= 5,
                "open": day <= today, "url": url_for("timetracking.day_entries", day=day.isoformat(), user=user_arg)}
               for day in grid.days]
    return render_template(
        "timetracking/week.html", grid=grid, person=person, week=week, today=today, errors=errors or {},
        typed=typed or {}, statuses=statuses, suggestions=suggestions, workspace_names=names, columns=columns,
        activity_labels=activity_labels(),
        previous_week=week - timedelta(days=7), next_week=week + timedelta(days=7),
        workspace_choices=workspace_choices(), activity_choices=activity_choices(), empty_form=EmptyForm(),
        rows_arg=request.values.get("rows", "")[:2000], staff=_staff_choices()), status


def _staff_choices() -> list[User]:
    if not approver():
        return []
    from agency.timetracking.capacity import staff_of

    return staff_of(current_user.agency_id)


@bp.route("/time")
@permission_required("time.track")
def my_week():
    person = _person()
    return _render_week(person, week_arg())


@bp.route("/time/grid", methods=["POST"])
@permission_required("time.track")
def save_grid():
    """Save the typed cells of the week grid, all or nothing."""
    person = _person()
    week = week_arg()
    if not EmptyForm().validate():
        abort(400)
    changes, errors, typed = [], {}, {}
    cells = [(k, v) for k, v in request.form.items() if k.startswith("c-")]
    if len(cells) > MAX_CELLS:
        abort(400)
    for name, value in cells:
        match = _CELL.match(name)
        day = parse_day(match.group(3)) if match else None
        if match is None or day is None or not week <= day < week + timedelta(days=7):
            abort(400)
        workspace, activity = pick_workspace(match.group(1)), pick_activity(match.group(2), allow_archived=True)
        key = (workspace.id, activity.id, day)
        typed[key] = value[:20]
        try:
            minutes = parse_duration(value)
        except DurationError as err:
            errors[key] = str(err)
            continue
        changes.append(services.CellChange(workspace=workspace, activity=activity, day=day, minutes=minutes))
    if not errors:
        try:
            count = services.save_cells(current_user, person, changes)
        except services.GridError as err:
            errors = err.errors
        except ValidationError as err:
            flash(err.message, "error")
            return _render_week(person, week, typed=typed, status=400)
        else:
            flash(_("Saved %(n)d cells.", n=count) if count else _("Nothing changed."), "success")
            return redirect(url_for("timetracking.my_week", week=week.isoformat(),
                                    user=person.id if person.id != current_user.id else None))
    flash(_("Some cells could not be saved. Nothing was changed."), "error")
    return _render_week(person, week, errors=errors, typed=typed, status=400)


@bp.route("/time/copy-week", methods=["POST"])
@permission_required("time.track")
def copy_week():
    person = _person()
    week = week_arg()
    if not EmptyForm().validate():
        abort(400)
    try:
        count = services.copy_last_week(current_user, person, week)
    except ValidationError as err:
        return refused(err.message, url_for("timetracking.my_week", week=week.isoformat()), 409)
    flash(_("Copied %(n)d cells from last week.", n=count) if count else
          _("Nothing to copy: last week is empty, or this week's cells are filled or in the future."), "success")
    return redirect(url_for("timetracking.my_week", week=week.isoformat(),
                            user=person.id if person.id != current_user.id else None))


# --- the timer -----------------------------------------------------------------------------------

def _back(default: str) -> str:
    return safe_next(request.form.get("next"), default)


@bp.route("/time/timer/menu")
@permission_required("time.track")
def timer_menu():
    """The header timer's menu as a fragment, loaded when it is opened (the pages outside time tracking do not
    carry every workspace and activity of the user)."""
    from agency.timetracking.widget import timer_widget

    next_url = safe_next(request.args.get("next", "")[:500], "")
    response = make_response(render_template("timetracking/_timer_menu.html",
                                             tw=timer_widget(menu=True, next_url=next_url)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/time/timer/start", methods=["POST"])
@permission_required("time.track")
def timer_start():
    """Start (or switch) my timer from the header widget or the week page."""
    form = TimerStartForm()
    form.workspace.choices = workspace_choices()
    form.activity.choices = activity_choices()
    if not form.validate():
        return refused(_("The timer could not start: %(errors)s",
                         errors="; ".join(str(e) for errs in form.errors.values() for e in errs)),
                       _back(url_for("timetracking.my_week")))
    workspace, activity = pick_workspace(form.workspace.data), pick_activity(form.activity.data)
    try:
        services.start_timer(current_user, workspace, activity, note=form.note.data)
    except ValidationError as err:
        return refused(err.message, _back(url_for("timetracking.my_week")), 409)
    flash(_("Timer started on %(workspace)s.", workspace=workspace.name), "success")
    return redirect(_back(url_for("timetracking.my_week")))


@bp.route("/time/timer/stop", methods=["GET", "POST"])
@permission_required("time.track")
def timer_stop():
    """Stop my timer; one running past the agency's limit asks for confirmation first."""
    running = services.running_timer(current_user)
    form = TimerStopForm()
    if request.method == "POST" and not form.validate():
        return refused(_("The form has expired. Please try again."), url_for("timetracking.my_week"))
    if request.method == "GET":
        return render_template("timetracking/stop.html", entry=running, form=TimerStopForm(
            next=request.args.get("next", "")[:500]), long=services.needs_stop_confirmation(running))
    if running is None:
        flash(_("No timer is running."), "warning")
        return redirect(_back(url_for("timetracking.my_week")))
    if services.needs_stop_confirmation(running) and not form.confirm.data:
        form.confirm.errors = [_("This timer has been running for a long time. Confirm that it should be stopped "
                                 "now, or correct the entry afterwards.")]
        return render_template("timetracking/stop.html", entry=running, form=form, long=True), 409
    entry = services.stop_timer(current_user)
    if entry is not None:
        flash(_("Timer stopped: %(time)s recorded.", time=format_minutes(entry.minutes)), "success")
    return redirect(_back(url_for("timetracking.my_week")))


# --- single entries ------------------------------------------------------------------------------

def _entry_or_404(entry_id: int) -> TimeEntry:
    entry = get_scoped_or_404(TimeEntry, entry_id)
    if entry.user_id != current_user.id and not approver():
        abort(404)
    return entry


def _entry_form(entry: TimeEntry | None) -> EntryForm:
    form = EntryForm() if request.method == "POST" else EntryForm(formdata=None)
    form.workspace.choices = workspace_choices()
    if entry is not None and str(entry.workspace_id) not in {c[0] for c in form.workspace.choices}:
        abort(404)
    form.activity.choices = activity_choices(include=entry.activity_id if entry else None)
    if request.method == "GET":
        zone = settings.agency_zone(current_user.agency)
        if entry is not None:
            form.workspace.data, form.activity.data = str(entry.workspace_id), str(entry.activity_id)
            form.work_date.data = entry.work_date.isoformat()
            form.duration.data = "" if entry.is_timed else format_minutes(entry.minutes)
            form.start.data = entry.started_at.astimezone(zone).strftime("%H:%M") if entry.started_at else ""
            form.end.data = entry.ended_at.astimezone(zone).strftime("%H:%M") if entry.ended_at else ""
            form.note.data, form.billable.data = entry.note, entry.billable
        else:
            day = parse_day(request.args.get("day", "")[:10]) or current_today()
            form.work_date.data = day.isoformat()
            form.workspace.data = request.args.get("workspace", "")[:20] or None
            form.activity.data = request.args.get("activity", "")[:20] or None
            form.billable.data = True
    return form


def _entry_input(form: EntryForm) -> services.EntryInput:
    workspace = pick_workspace(form.workspace.data)
    activity = pick_activity(form.activity.data, allow_archived=True)
    day = parse_day(form.work_date.data)
    data = services.EntryInput(workspace=workspace, activity=activity, work_date=day, note=form.note.data or "",
                               billable=bool(form.billable.data))
    if form.start.data and form.end.data and not (form.duration.data or "").strip():
        zone = settings.agency_zone(current_user.agency)
        start = local_datetime(day, parse_clock(form.start.data), zone)
        end = local_datetime(day, parse_clock(form.end.data), zone)
        if end <= start:
            end += timedelta(days=1)  # past midnight
        data.started_at, data.ended_at = start, end
    else:
        data.minutes = parse_duration(form.duration.data)
    return data


@bp.route("/time/entries/new", methods=["GET", "POST"])
@permission_required("time.track")
def entry_new():
    form = _entry_form(None)
    person = _person()
    if request.method == "POST" and form.validate():
        try:
            entry = services.create_entry(current_user, person, _entry_input(form))
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            flash(_("Entry saved."), "success")
            return redirect(url_for("timetracking.my_week", week=monday(entry.work_date).isoformat(),
                                    user=person.id if person.id != current_user.id else None))
    status = 400 if request.method == "POST" else 200
    return render_template("timetracking/entry.html", form=form, entry=None, person=person, locked=None), status


@bp.route("/time/entries/<int:entry_id>", methods=["GET", "POST"])
@permission_required("time.track", hide=True)
def entry_edit(entry_id: int):
    entry = _entry_or_404(entry_id)
    form = _entry_form(entry)
    locked = services.lock_reason(current_user, entry)
    person = db.session.get(User, entry.user_id)
    if request.method == "POST":
        if locked:
            form.form_errors.append(locked)
        elif form.validate():
            try:
                services.update_entry(current_user, entry, _entry_input(form))
            except ValidationError as err:
                apply_validation_error(form, err)
            else:
                flash(_("Entry saved."), "success")
                return redirect(url_for("timetracking.my_week", week=monday(entry.work_date).isoformat(),
                                        user=entry.user_id if entry.user_id != current_user.id else None))
        return render_template("timetracking/entry.html", form=form, entry=entry, person=person,
                               locked=locked, delete_form=EmptyForm()), 400
    return render_template("timetracking/entry.html", form=form, entry=entry, person=person, locked=locked,
                           delete_form=EmptyForm())


@bp.route("/time/entries/<int:entry_id>/delete", methods=["POST"])
@permission_required("time.track", hide=True)
def entry_delete(entry_id: int):
    entry = _entry_or_404(entry_id)
    if not EmptyForm().validate():
        abort(400)
    week, user_id = monday(entry.work_date), entry.user_id
    try:
        services.delete_entry(current_user, entry)
    except ValidationError as err:
        return refused(err.message, url_for("timetracking.entry_edit", entry_id=entry_id), 409)
    flash(_("Entry deleted."), "success")
    return redirect(url_for("timetracking.my_week", week=week.isoformat(),
                            user=user_id if user_id != current_user.id else None))


@bp.route("/time/day")
@permission_required("time.track")
def day_entries():
    """The entries of one day (what a grid cell with several or timed entries holds)."""
    person = _person()
    day = parse_day(request.args.get("day", "")[:10]) or current_today()
    entries = services.entries_of_day(person, day)
    names = {ws.id: ws.name for ws in my_workspaces()}
    activities = {a.id: a for a in settings.activities(current_user.agency_id, include_archived=True)}
    return render_template("timetracking/day.html", person=person, day=day, entries=entries, workspace_names=names,
                           activities=activities, week=monday(day))


# --- inbox suggestions ---------------------------------------------------------------------------

@bp.route("/time/suggestions", methods=["GET", "POST"])
@permission_required("time.track")
def suggestions():
    """The day's time from the inbox, per workspace: accept (minutes and activity editable) or discard, in bulk."""
    day = parse_day(request.values.get("day", "")[:10]) or current_today()
    found = capture.suggestions(current_user, day)
    choices = activity_choices()
    default_activity = next((a for a in settings.activities(current_user.agency_id)
                             if a.key == "community_management"), None)
    errors: dict[int, str] = {}
    if request.method == "POST":
        if not EmptyForm().validate():
            abort(400)
        decisions = []
        for suggestion in found:
            choice = request.form.get(f"decision-{suggestion.workspace_id}", "")
            if choice not in ("accept", "discard", "skip", ""):
                abort(400)
            if choice in ("", "skip"):
                continue
            try:
                minutes = parse_duration(request.form.get(f"minutes-{suggestion.workspace_id}", "")[:20])
                if choice == "accept" and not minutes:
                    raise DurationError(_("Give a duration of at least one minute."))
            except DurationError as err:
                errors[suggestion.workspace_id] = str(err)
                continue
            activity = pick_activity(request.form.get(f"activity-{suggestion.workspace_id}")) \
                if choice == "accept" else None
            decisions.append(capture.Decision(workspace_id=suggestion.workspace_id, accept=choice == "accept",
                                              minutes=minutes, activity=activity))
        if not errors and decisions:
            try:
                counts = capture.decide(current_user, day, decisions)
            except ValidationError as err:
                errors[0] = err.message
            else:
                flash(_("%(accepted)d suggestions accepted, %(discarded)d discarded.", **counts), "success")
                return redirect(url_for("timetracking.suggestions", day=day.isoformat()))
        elif not errors:
            errors[0] = _("Choose accept or discard for at least one workspace.")
    names = {ws.id: ws.name for ws in my_workspaces()}
    return render_template("timetracking/suggestions.html", day=day, suggestions=found, names=names,
                           activity_choices=choices, default_activity=default_activity, errors=errors,
                           form=EmptyForm(), today=current_today()), (400 if errors else 200)
