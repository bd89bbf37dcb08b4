"""Forms of the SLA settings: business calendars and policies (one cell per metric × kind × priority)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from agency.forms import Form
from agency.sla.models import KINDS, MAX_TARGET_MINUTES, MAX_WARN_MINUTES, METRICS, PRIORITIES
from agency.sla.policy import Cell, Target

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday"))
KIND_LABELS = {"comment": _l("Comment"), "reply": _l("Reply"), "direct_message": _l("Direct message"),
               "review": _l("Review"), "mention": _l("Mention")}
PRIORITY_LABELS = {"urgent": _l("urgent"), "high": _l("high"), "normal": _l("normal"), "low": _l("low")}
METRIC_LABELS = {"first_response": _l("First response"), "next_response": _l("Next response"),
                 "resolution": _l("Resolution")}

_INTERVAL = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def parse_hours(text: str) -> list[tuple[str, str]]:
    """ "09:00-12:00, 13:00-17:00" → [("09:00", "12:00"), ("13:00", "17:00")]; "" → closed."""
    intervals = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        match = _INTERVAL.match(part)
        if match is None:
            raise ValueError(_l("Write opening hours like 09:00-17:00, several separated by commas."))
        start, end = (value.zfill(5) for value in match.groups())
        intervals.append((start, end))
    return intervals


def format_hours(intervals: list) -> str:
    return ", ".join(f"{start}-{end}" for start, end in intervals)


def _hours_valid(form, field) -> None:
    from agency.sla.calendar import BusinessCalendar

    try:
        BusinessCalendar("UTC", {0: parse_hours(field.data or "")})
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _timezone_valid(form, field) -> None:
    try:
        ZoneInfo((field.data or "").strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(_l("Unknown time zone.")) from None


def parse_dates(text: str) -> list[str]:
    days = []
    for line in re.split(r"[\s,;]+", text or ""):
        if not line:
            continue
        try:
            days.append(date.fromisoformat(line).isoformat())
        except ValueError:
            raise ValueError(_l("Write closed days as dates like 2026-12-24, one per line.")) from None
    return days


def _dates_valid(form, field) -> None:
    try:
        parse_dates(field.data or "")
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class CalendarForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    timezone = StringField(_l("Time zone"), default="Europe/Berlin",
                           validators=[DataRequired(), Length(max=64), _timezone_valid])
    day_0 = StringField(WEEKDAYS[0], default="09:00-17:00", validators=[Length(max=200), _hours_valid])
    day_1 = StringField(WEEKDAYS[1], default="09:00-17:00", validators=[Length(max=200), _hours_valid])
    day_2 = StringField(WEEKDAYS[2], default="09:00-17:00", validators=[Length(max=200), _hours_valid])
    day_3 = StringField(WEEKDAYS[3], default="09:00-17:00", validators=[Length(max=200), _hours_valid])
    day_4 = StringField(WEEKDAYS[4], default="09:00-17:00", validators=[Length(max=200), _hours_valid])
    day_5 = StringField(WEEKDAYS[5], validators=[Length(max=200), _hours_valid])
    day_6 = StringField(WEEKDAYS[6], validators=[Length(max=200), _hours_valid])
    country = StringField(_l("Public holidays of country"), default="DE", validators=[Optional(), Length(max=2)],
                          description=_l("ISO code such as DE, AT or CH; empty for none"))
    subdivision = StringField(_l("State / Land"), validators=[Optional(), Length(max=8)],
                              description=_l("For example BY, NW or SN (Germany), 9 (Vienna)"))
    holidays = TextAreaField(_l("Further closed days"), validators=[Optional(), Length(max=5000), _dates_valid],
                             description=_l("One date per line, for example 2026-12-24"))

    def day_fields(self):
        return [self[f"day_{day}"] for day in range(7)]

    def definition(self) -> dict[str, Any]:
        country = (self.country.data or "").strip().upper() or None
        return {
            "tz": self.timezone.data.strip(),
            "weekly": {str(day): parse_hours(self[f"day_{day}"].data or "") for day in range(7)},
            "holidays": parse_dates(self.holidays.data or ""),
            "country": country,
            "subdivision": ((self.subdivision.data or "").strip() or None) if country else None,
        }

    def fill(self, definition: dict[str, Any]) -> None:
        self.timezone.data = definition.get("tz", "Europe/Berlin")
        weekly = definition.get("weekly") or {}
        for day in range(7):
            self[f"day_{day}"].data = format_hours(weekly.get(str(day), []))
        self.country.data = definition.get("country") or ""
        self.subdivision.data = definition.get("subdivision") or ""
        self.holidays.data = "\n".join(definition.get("holidays") or [])


def cell_name(prefix: str, cell: Cell) -> str:
    return f"{prefix}_{'__'.join(cell)}"


class _PolicyBase(Form):
    calendar = SelectField(_l("Business hours"), validate_choice=True)
    warn_minutes = IntegerField(_l("Warn … minutes before the due time"),
                                validators=[Optional(), NumberRange(min=0, max=MAX_WARN_MINUTES)])
    warn_percent = IntegerField(_l("… or at this share of the target (%), whichever is earlier"),
                                validators=[Optional(), NumberRange(min=0, max=100)])

    def minutes_field(self, metric: str, kind: str, priority: str):
        return self[cell_name("m", (metric, kind, priority))]

    def clock_field(self, metric: str, kind: str, priority: str):
        return self[cell_name("c", (metric, kind, priority))]

    def targets(self) -> dict[Cell, Target | None]:
        out: dict[Cell, Target | None] = {}
        for metric in METRICS:
            for kind in KINDS:
                for priority in PRIORITIES:
                    minutes = self.minutes_field(metric, kind, priority).data
                    always = bool(self.clock_field(metric, kind, priority).data)
                    out[(metric, kind, priority)] = None if minutes is None else Target(minutes, not always)
        return out

    def fill_targets(self, cells: dict[Cell, Target]) -> None:
        for cell, target in cells.items():
            self[cell_name("m", cell)].data = target.minutes
            self[cell_name("c", cell)].data = not target.business_hours

    def cell_errors(self) -> bool:
        return any(self[cell_name("m", (m, k, p))].errors for m in METRICS for k in KINDS for p in PRIORITIES)


def _build_policy_form():
    attrs: dict[str, Any] = {}
    for metric in METRICS:
        for kind in KINDS:
            for priority in PRIORITIES:
                cell = (metric, kind, priority)
                label = f"{METRIC_LABELS[metric]} · {KIND_LABELS[kind]} · {PRIORITY_LABELS[priority]}"
                attrs[cell_name("m", cell)] = IntegerField(
                    label, validators=[Optional(), NumberRange(min=0, max=MAX_TARGET_MINUTES)],
                    render_kw={"inputmode": "numeric", "min": "0"})
                attrs[cell_name("c", cell)] = BooleanField(_l("24/7"))
    return type("PolicyForm", (_PolicyBase,), attrs)


PolicyForm = _build_policy_form()


class PreviewForm(Form):
    """The preview's GET parameters (no CSRF: it only reads)."""

    class Meta:
        csrf = False

    at = StringField(_l("Arriving at"), validators=[Optional(), Length(max=32)])
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()), default="comment")
    priority = SelectField(_l("Priority"), choices=list(PRIORITY_LABELS.items()), default="normal")
    workspace = SelectField(_l("Workspace"), validate_choice=False)
