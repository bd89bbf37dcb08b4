"""The agency's time settings (/time/settings): activities with their billable default, the inbox idle
cut-off and the long-timer limit."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.accounts.tenancy import get_scoped_or_404
from agency.accounts.views.helpers import apply_validation_error, permission_required
from agency.errors import ValidationError
from agency.timetracking import settings
from agency.timetracking.forms import ActivityForm, AgencyTimeForm
from agency.timetracking.models import Activity
from agency.timetracking.views import bp


def _render(*, new_form=None, agency_form=None, errors=None, status=200):
    current = settings.agency_settings(current_user.agency_id)
    return render_template(
        "timetracking/setup.html", activities=settings.activities(current_user.agency_id, include_archived=True),
        new_form=new_form or ActivityForm(formdata=None, billable=True),
        agency_form=agency_form or AgencyTimeForm(formdata=None, idle_cutoff_minutes=current.idle_cutoff_minutes,
                                                  long_timer_hours=current.long_timer_hours),
        errors=errors or {}), status


@bp.route("/time/settings", methods=["GET", "POST"])
@permission_required("time.approve")
def setup():
    """GET: the settings page. POST: add an activity or save the agency's rules (``part`` says which)."""
    if request.method == "GET":
        return _render()
    if request.form.get("part") == "agency":
        form = AgencyTimeForm()
        if form.validate():
            try:
                settings.save_agency_settings(current_user, idle_cutoff_minutes=form.idle_cutoff_minutes.data,
                                              long_timer_hours=form.long_timer_hours.data)
            except ValidationError as err:
                apply_validation_error(form, err)
            else:
                flash(_("Settings saved."), "success")
                return redirect(url_for("timetracking.setup"))
        return _render(agency_form=form, status=400)
    form = ActivityForm()
    if form.validate():
        try:
            settings.save_activity(current_user, name=form.name.data, billable=bool(form.billable.data))
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            flash(_("Activity added."), "success")
            return redirect(url_for("timetracking.setup"))
    return _render(new_form=form, status=400)


@bp.route("/time/activities/<int:activity_id>", methods=["POST"])
@permission_required("time.approve", hide=True)
def activity_edit(activity_id: int):
    activity = get_scoped_or_404(Activity, activity_id)
    form = ActivityForm()
    if form.validate():
        try:
            settings.save_activity(current_user, name=form.name.data, billable=bool(form.billable.data),
                                   activity=activity, archived=bool(form.archived.data))
        except ValidationError as err:
            apply_validation_error(form, err)
        else:
            flash(_("Activity saved."), "success")
            return redirect(url_for("timetracking.setup"))
    messages = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    return _render(errors={activity_id: messages or _("Please check the name.")}, status=400)
