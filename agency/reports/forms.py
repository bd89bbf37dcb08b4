"""Forms of the reports pages."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from agency.forms import Form
from agency.reports.services import COMMENTARY_LIMIT, MAX_SHARE_DAYS

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None) -> date | None:
    """``YYYY-MM`` as the first day of that month, or None."""
    match = _MONTH.match(value or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


class MonthField(StringField):
    def pre_validate(self, form) -> None:
        if self.data and parse_month(self.data) is None:
            raise ValidationError(_l("Enter a month as YYYY-MM."))

    @property
    def month(self) -> date | None:
        return parse_month(self.data)


class GenerateForm(Form):
    month = MonthField(_l("Month"), validators=[DataRequired(), Length(max=7)])


class CommentaryForm(Form):
    commentary = TextAreaField(_l("Your comment (Markdown)"), validators=[Optional(), Length(max=COMMENTARY_LIMIT)])
    next_steps = TextAreaField(_l("Next steps (Markdown)"), validators=[Optional(), Length(max=COMMENTARY_LIMIT)])


class PublishForm(Form):
    confirm = BooleanField(_l("I have reviewed the figures and the comments; publish and notify the client."),
                           validators=[DataRequired(_l("Confirm that you have reviewed the report."))])


class ShareForm(Form):
    days = IntegerField(_l("Valid for (days)"), default=14,
                        validators=[InputRequired(), NumberRange(min=1, max=MAX_SHARE_DAYS)])
    label = StringField(_l("For whom (optional)"), validators=[Optional(), Length(max=120)])


class ActionForm(Form):
    """A button that only needs the CSRF token (regenerate, revoke)."""
