"""Forms of time tracking (Flask-WTF, CSRF on all). Choices are filled by the views."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from agency.forms import Form
from agency.timetracking.durations import DurationError, parse_duration
from agency.timetracking.models import MAX_NOTE, Rollover

ROLLOVER_LABELS = {
    Rollover.NONE: _l("No rollover: every month starts at its budget"),
    Rollover.UNUSED: _l("Carry unused hours into the next month"),
    Rollover.BOTH: _l("Carry over- and under-runs into the next month"),
}
ROUNDING_LABELS = {0: _l("No rounding"), 1: _l("Up to the full minute"), 5: _l("Up to 5 minutes"),
                   6: _l("Up to 6 minutes (a tenth of an hour)"), 10: _l("Up to 10 minutes"),
                   15: _l("Up to 15 minutes")}
ABSENCE_LABELS = {"vacation": _l("Vacation"), "sick": _l("Sick"), "other": _l("Other")}
STATE_LABELS = {"open": _l("open"), "approved": _l("approved"), "invoiced": _l("invoiced")}
SOURCE_LABELS = {"timer": _l("timer"), "manual": _l("manual"), "inbox": _l("inbox")}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def no_control_characters(form, field) -> None:
    """Text with NUL or other control characters is refused (tabs and line breaks are fine)."""
    value = field.data
    if isinstance(value, str) and any((ord(ch) < 32 and ch not in "\n\r\t") or ord(ch) == 127 for ch in value):
        raise ValidationError(_l("This text contains characters that are not allowed."))


def not_blank(form, field) -> None:
    if isinstance(field.data, str) and field.data and not field.data.strip():
        raise ValidationError(_l("This field is empty."))


def duration_valid(form, field) -> None:
    try:
        parse_duration(field.data)
    except DurationError as err:
        raise ValidationError(str(err)) from None


def parse_month(text: str | None) -> date | None:
    """``2026-11`` → the first of November 2026; None when malformed."""
    match = _MONTH.match((text or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def parse_day(text: str | None) -> date | None:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def parse_clock(text: str | None) -> time | None:
    match = _CLOCK.match((text or "").strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def month_valid(form, field) -> None:
    if field.data and parse_month(field.data) is None:
        raise ValidationError(_l("Write the month like 2026-11."))


def day_valid(form, field) -> None:
    if field.data and parse_day(field.data) is None:
        raise ValidationError(_l("Write the date like 2026-11-27."))


def clock_valid(form, field) -> None:
    if field.data and parse_clock(field.data) is None:
        raise ValidationError(_l("Write the time like 09:30."))


def _id_choice(form, field) -> None:
    if field.data and (not str(field.data).isdigit() or len(str(field.data)) > 18):
        raise ValidationError(_l("Not a valid choice."))


_TEXT = [no_control_characters]


class TimeForm(Form):
    """The time tracking forms' base (file parts and whitespace are handled by ``agency.forms.Form``)."""


class TimerStartForm(TimeForm):
    workspace = SelectField(_l("Workspace"), validators=[InputRequired(), _id_choice], validate_choice=True)
    activity = SelectField(_l("Activity"), validators=[InputRequired(), _id_choice], validate_choice=True)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE), *_TEXT])
    next = HiddenField(validators=[Optional(), Length(max=500), *_TEXT])


class TimerStopForm(TimeForm):
    confirm = BooleanField(_l("Yes, stop it"))
    next = HiddenField(validators=[Optional(), Length(max=500), *_TEXT])


class EntryForm(TimeForm):
    workspace = SelectField(_l("Workspace"), validators=[InputRequired(), _id_choice], validate_choice=True)
    activity = SelectField(_l("Activity"), validators=[InputRequired(), _id_choice], validate_choice=True)
    work_date = StringField(_l("Day"), validators=[DataRequired(), Length(max=10), day_valid, *_TEXT])
    duration = StringField(_l("Duration"), validators=[Optional(), Length(max=20), duration_valid, *_TEXT],
                           description=_l("1:30, 1,5 or 90m — or give a start and an end instead"))
    start = StringField(_l("Start"), validators=[Optional(), Length(max=5), clock_valid, *_TEXT])
    end = StringField(_l("End"), validators=[Optional(), Length(max=5), clock_valid, *_TEXT])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=MAX_NOTE), *_TEXT])
    billable = BooleanField(_l("Billable"))

    def validate_duration(self, field) -> None:
        if not (field.data or "").strip() and not (self.start.data and self.end.data):
            raise ValidationError(_l("Give a duration, or a start and an end."))


class ApproveForm(TimeForm):
    first = StringField(_l("From"), validators=[DataRequired(), Length(max=10), day_valid, *_TEXT])
    last = StringField(_l("To"), validators=[DataRequired(), Length(max=10), day_valid, *_TEXT])
    user = SelectField(_l("Person"), validators=[Optional(), _id_choice], validate_choice=True)


class MonthForm(TimeForm):
    month = StringField(_l("Month"), validators=[DataRequired(), Length(max=7), month_valid, *_TEXT])


class ReopenForm(MonthForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500), not_blank, *_TEXT])


class RetainerForm(TimeForm):
    budget = StringField(_l("Monthly budget (hours)"), validators=[Optional(), Length(max=20), *_TEXT],
                         description=_l("Empty: no retainer. 40, 40:00 or 40h"))
    rollover = SelectField(_l("Rollover"), choices=list(ROLLOVER_LABELS.items()), validators=[InputRequired()])
    starts = StringField(_l("First month of the retainer"), validators=[Optional(), Length(max=7), month_valid,
                                                                         *_TEXT])
    thresholds = StringField(_l("Alert at (percent)"), validators=[DataRequired(), Length(max=40), *_TEXT],
                             default="80, 100")
    rounding = SelectField(_l("Rounding of billed time"), choices=[(str(k), v) for k, v in ROUNDING_LABELS.items()],
                           validators=[InputRequired()])

    def validate_budget(self, field) -> None:
        if field.data and field.data.strip():
            parse_budget(field.data)

    def validate_thresholds(self, field) -> None:
        parse_thresholds(field.data)


def parse_budget(text: str | None) -> int | None:
    """Hours of a monthly budget: ``40``, ``40,5``, ``40:30``, ``40h`` → minutes (no 24-hour limit)."""
    value = (text or "").strip().lower().removesuffix("h").strip()
    if not value:
        return None
    match = re.match(r"^(\d{1,5})(?::([0-5]\d)|[.,](\d{1,2}))?$", value)
    if not match:
        raise ValidationError(_l("Write the hours like 40, 40,5 or 40:30."))
    minutes = int(match.group(1)) * 60
    if match.group(2):
        minutes += int(match.group(2))
    elif match.group(3):
        minutes += round(int(match.group(3)) * 60 / (10 ** len(match.group(3))))
    if minutes > 1_000_000:
        raise ValidationError(_l("The budget is between 0 and 16,666 hours."))
    return minutes


def parse_thresholds(text: str | None) -> list[int]:
    parts = [p for p in re.split(r"[\s,;%]+", text or "") if p]
    if not parts or len(parts) > 5 or not all(p.isdigit() and len(p) <= 3 and 1 <= int(p) <= 200 for p in parts):
        raise ValidationError(_l("Give one to five thresholds between 1 and 200 percent, like 80, 100."))
    return sorted({int(p) for p in parts})


class ActivityForm(TimeForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80), not_blank, *_TEXT])
    billable = BooleanField(_l("Billable by default"))
    archived = BooleanField(_l("Archived"))


class AgencyTimeForm(TimeForm):
    idle_cutoff_minutes = IntegerField(_l("Idle cut-off for inbox time (minutes)"),
                                       validators=[InputRequired(), NumberRange(1, 60)])
    long_timer_hours = IntegerField(_l("Ask before stopping a timer running longer than (hours)"),
                                    validators=[InputRequired(), NumberRange(1, 24)])


class StaffForm(TimeForm):
    capacity = StringField(_l("Weekly capacity (hours)"), validators=[DataRequired(), Length(max=10), *_TEXT])
    subdivision = SelectField(_l("Public holidays of"), validators=[Optional()])

    def validate_capacity(self, field) -> None:
        minutes = parse_budget(field.data)
        if minutes is None or minutes > 6000:
            raise ValidationError(_l("The weekly capacity is between 0 and 100 hours."))


class AbsenceForm(TimeForm):
    user = SelectField(_l("Person"), validators=[InputRequired(), _id_choice], validate_choice=True)
    starts_on = StringField(_l("First day"), validators=[DataRequired(), Length(max=10), day_valid, *_TEXT])
    ends_on = StringField(_l("Last day"), validators=[DataRequired(), Length(max=10), day_valid, *_TEXT])
    kind = SelectField(_l("Kind"), choices=list(ABSENCE_LABELS.items()), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200), *_TEXT])


def local_datetime(day: date, clock: time, zone) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)
