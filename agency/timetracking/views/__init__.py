"""Pages of time tracking: my week (/time), a client's time (/w/<workspace>/time), reports, capacity.

Helpers shared by the view modules live here; the routes register on ``bp`` from the modules below.
"""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import parse_pattern
from flask import Blueprint, abort, g, request
from flask_babel import get_locale
from flask_login import current_user

from agency.accounts.permissions import can
from agency.accounts.queries import visible_workspaces
from agency.timetracking import settings
from agency.timetracking.durations import format_minutes
from agency.timetracking.forms import parse_day

bp = Blueprint("timetracking", __name__)


@bp.app_template_filter("hm")
def _hm(minutes) -> str:
    return format_minutes(minutes, empty="")


@bp.app_template_filter("day")
def day_label(day: date, pattern: str) -> str:
    """A date in a CLDR pattern of the page's language (what ``dateformat`` does), with the locale looked up
    and the pattern parsed once per request: a week page formats its days in several places."""
    formats = g.get("_time_day_formats")
    if formats is None:
        formats = g._time_day_formats = {}
    found = formats.get(pattern)
    if found is None:
        found = formats[pattern] = (parse_pattern(pattern), get_locale())
    return found[0].apply(day, found[1])


@bp.app_template_global()
def activity_name(activity) -> str:
    return settings.activity_label(activity)


@bp.app_template_global()
def now_utc():
    from agency import db

    return db.utcnow()


@bp.app_template_global()
def timedelta_days(days: int) -> timedelta:
    return timedelta(days=days)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def current_today() -> date:
    return settings.today(current_user.agency)


def week_arg() -> date:
    """The Monday of ``?week=`` (any day of the week), else of today."""
    day = parse_day(request.values.get("week", "")[:10]) if request.values.get("week") else None
    return monday(day or current_today())


def my_workspaces():
    if "time_workspaces" not in g:
        g.time_workspaces = visible_workspaces(current_user)
    return g.time_workspaces


def workspace_choices() -> list[tuple[str, str]]:
    return [(str(ws.id), ws.name) for ws in my_workspaces()]


def page_activities() -> list:
    """The agency's activities, archived ones included, in their order: one query per request (the page's
    choices, the header timer and the week grid's rows all read them)."""
    if "time_activities" not in g:
        g.time_activities = settings.activities(current_user.agency_id, include_archived=True)
    return g.time_activities


def activity_labels() -> dict[int, str]:
    """Each activity's name in the reader's language, translated once per request (not per grid cell)."""
    if "time_activity_labels" not in g:
        g.time_activity_labels = {a.id: settings.activity_label(a) for a in page_activities()}
    return g.time_activity_labels


def activity_choices(*, include: int | None = None) -> list[tuple[str, str]]:
    labels = activity_labels()
    choices = [(str(a.id), labels[a.id]) for a in page_activities() if not a.archived]
    if include is not None and str(include) not in {c[0] for c in choices}:
        from agency import db
        from agency.timetracking.models import Activity

        extra = db.session.get(Activity, include)
        if extra is not None and extra.agency_id == current_user.agency_id:
            choices.append((str(extra.id), settings.activity_label(extra)))
    return choices


def pick_workspace(value) -> object:
    """A workspace the current user sees, by id from a form, or 404."""
    text = str(value or "")
    if not text.isdigit() or len(text) > 18:
        abort(404)
    found = next((ws for ws in my_workspaces() if ws.id == int(text)), None)
    if found is None:
        abort(404)
    return found


def pick_activity(value, *, allow_archived: bool = False):
    from agency import db
    from agency.timetracking.models import Activity

    text = str(value or "")
    if not text.isdigit() or len(text) > 18:
        abort(404)
    activity = db.session.get(Activity, int(text))
    if activity is None or activity.agency_id != current_user.agency_id or (activity.archived and not allow_archived):
        abort(404)
    return activity


def refused(message: str, back: str, code: int = 400):
    """A form that cannot be shown again (a header widget, a button): the reason, a way back and a 4xx."""
    from flask import render_template

    return render_template("timetracking/refused.html", message=message, back=back), code


def approver() -> bool:
    return can(current_user, "time.approve")


from agency.timetracking.views import capacity, reports, setup, week, workspace  # noqa: E402,F401
