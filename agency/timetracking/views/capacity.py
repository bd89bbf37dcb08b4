"""Capacity planning (/time/capacity): planned against tracked hours and capacity; plans, absences and
each person's weekly hours and holiday region."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.accounts.forms import SUBDIVISION_CHOICES, EmptyForm
from agency.accounts.models import User
from agency.accounts.tenancy import get_scoped_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.errors import ValidationError
from agency.timetracking import capacity, settings
from agency.timetracking.durations import DurationError
from agency.timetracking.forms import ABSENCE_LABELS, AbsenceForm, StaffForm, parse_budget, parse_day
from agency.timetracking.models import Absence
from agency.timetracking.views import bp, current_today, my_workspaces, pick_workspace, week_arg

_PLAN = re.compile(r"^p-(\d{1,18})-(\d{1,18})$")


def _absence_form(data=None) -> AbsenceForm:
    form = AbsenceForm() if request.method == "POST" and data is None else AbsenceForm(formdata=None)
    form.user.choices = [(str(u.id), u.name) for u in capacity.staff_of(current_user.agency_id)]
    return form


def _render(week, *, absence_form=None, plan_errors=None, typed=None, status=200):
    data = capacity.board(current_user.agency_id, my_workspaces(), week, today=current_today())
    from sqlalchemy import select

    from agency import db

    absences = list(db.session.scalars(select(Absence).where(
        Absence.agency_id == current_user.agency_id, Absence.ends_on >= week - timedelta(days=30))
        .order_by(Absence.starts_on).limit(200)))
    staff = settings.staff_settings_of([p.user.id for p in data.people])
    return render_template(
        "timetracking/capacity.html", board=data, week=week, previous_week=week - timedelta(days=7),
        next_week=week + timedelta(days=7), absences=absences, names={p.user.id: p.user.name for p in data.people},
        absence_form=absence_form or _absence_form(data={}), absence_labels=ABSENCE_LABELS, empty_form=EmptyForm(),
        plan_errors=plan_errors or {}, typed=typed or {}, staff=staff, workspaces=my_workspaces()), status


@bp.route("/time/capacity")
@permission_required("time.approve")
def capacity_board():
    return _render(week_arg())


@bp.route("/time/capacity/plan", methods=["POST"])
@permission_required("time.approve")
def capacity_plan():
    """Save planned hours (person × client) for one week, all or nothing."""
    week = week_arg()
    if not EmptyForm().validate():
        abort(400)
    people = {u.id: u for u in capacity.staff_of(current_user.agency_id)}
    errors, typed, changes = {}, {}, []
    cells = [(k, v) for k, v in request.form.items() if k.startswith("p-")]
    if len(cells) > 5000:
        abort(400)
    for name, value in cells:
        match = _PLAN.match(name)
        if match is None or int(match.group(1)) not in people:
            abort(404)
        workspace = pick_workspace(match.group(2))
        typed[name] = value[:20]
        try:
            minutes = parse_budget(value) if value.strip() else None
        except (DurationError, Exception) as err:  # a wtforms.ValidationError from the parser
            errors[name] = str(err)
            continue
        changes.append((people[int(match.group(1))], workspace, minutes, name))
    if not errors:
        from agency import db

        try:
            with db.session.begin_nested():  # all or nothing
                for person, workspace, minutes, name in changes:
                    try:
                        capacity.set_planned(current_user, person, workspace, week, minutes)
                    except ValidationError as err:
                        errors[name] = err.message
                if errors:
                    raise _PlanRefused
        except _PlanRefused:
            pass
        else:
            flash(_("Plan saved."), "success")
            return redirect(url_for("timetracking.capacity_board", week=week.isoformat()))
    flash(_("The plan could not be saved. Nothing was changed."), "error")
    return _render(week, plan_errors=errors, typed=typed, status=400)


class _PlanRefused(Exception):
    """Some cells of the plan were refused: undo the others (all or nothing)."""


@bp.route("/time/capacity/absences", methods=["POST"])
@permission_required("time.approve")
def absence_add():
    week = week_arg()
    form = _absence_form()
    if form.validate():
        person = get_scoped_or_404(User, form.user.data)
        try:
            capacity.add_absence(current_user, person, parse_day(form.starts_on.data), parse_day(form.ends_on.data),
                                 form.kind.data, form.note.data or "")
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            flash(_("Absence saved."), "success")
            return redirect(url_for("timetracking.capacity_board", week=week.isoformat()))
    return _render(week, absence_form=form, status=400)


@bp.route("/time/capacity/absences/<int:absence_id>/delete", methods=["POST"])
@permission_required("time.approve", hide=True)
def absence_delete(absence_id: int):
    absence = get_scoped_or_404(Absence, absence_id)
    if not EmptyForm().validate():
        abort(400)
    capacity.delete_absence(current_user, absence)
    flash(_("Absence deleted."), "success")
    return redirect(url_for("timetracking.capacity_board", week=week_arg().isoformat()))


@bp.route("/time/capacity/staff/<int:user_id>", methods=["GET", "POST"])
@permission_required("time.approve", hide=True)
def staff_settings(user_id: int):
    """A person's weekly capacity and the Land whose public holidays they have off."""
    person = get_scoped_or_404(User, user_id)
    if not person.is_staff:
        abort(404)
    current = settings.staff_settings(person)
    if request.method == "POST":
        form = StaffForm()
    else:
        hours, rest = divmod(current.weekly_capacity_minutes, 60)
        form = StaffForm(formdata=None, capacity=f"{hours}:{rest:02d}" if rest else str(hours),
                         subdivision=current.subdivision or "")
    form.subdivision.choices = SUBDIVISION_CHOICES
    if request.method == "POST" and form.validate():
        try:
            settings.save_staff_settings(current_user, person, weekly_capacity_minutes=parse_budget(form.capacity.data),
                                         country="DE", subdivision=form.subdivision.data or None)
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            flash(_("Capacity of %(name)s saved.", name=person.name), "success")
            return redirect(url_for("timetracking.capacity_board"))
    status = 400 if request.method == "POST" else 200
    return render_template("timetracking/staff.html", person=person, form=form), status
