"""Forms of the DSGVO page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from agency.forms import Form
from agency.privacy.services import MAX_MONTHS, MIN_MONTHS


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Name, handle or platform id"), validators=[Optional(), Length(min=2, max=200)])


class PersonActionForm(Form):
    person = HiddenField(validators=[DataRequired(), Length(max=2000)])
    received_on = DateField(_l("Request received on"), validators=[InputRequired()])


class EraseForm(PersonActionForm):
    confirm = BooleanField(_l("I understand: the person's texts and names are replaced for good."),
                           validators=[DataRequired(message=_l("Confirm the erasure."))])


class RetentionForm(Form):
    enabled = BooleanField(_l("Apply retention every night"))
    months = IntegerField(_l("Older than (months)"), validators=[InputRequired(), NumberRange(MIN_MONTHS, MAX_MONTHS)])
    action = SelectField(_l("Then"), choices=[("anonymise", _l("anonymise (texts and names replaced, counts kept)")),
                                              ("delete", _l("delete (counts of those months leave the reports)"))],
                         validators=[InputRequired()])
