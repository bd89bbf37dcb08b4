"""Forms of the profile's token page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from agency.accounts.forms import MultiCheckboxField
from agency.api.tokens import AREAS, MAX_NAME, SCOPES
from agency.forms import Form

EXPIRY_CHOICES = [("30", _l("30 days")), ("7", _l("7 days")), ("90", _l("90 days")), ("365", _l("1 year")),
                  ("never", _l("Never"))]


def scope_label(scope: str) -> str:
    area, access = scope.split(":")
    return f"{AREAS[area]} — {_l('read') if access == 'read' else _l('read and write')}"


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=MAX_NAME)],
                       description=_l("What the token is for, e.g. “BI export”."))
    scopes = MultiCheckboxField(_l("Access"), choices=[(s, s) for s in SCOPES],
                                validators=[InputRequired(message=_l("Choose at least one area."))])
    expires = SelectField(_l("Expires after"), choices=EXPIRY_CHOICES, validators=[InputRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [(s, scope_label(s)) for s in SCOPES]
