"""Forms of moderation (Flask-WTF, CSRF on all)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from agency.forms import Form
from agency.moderation.models import Action
from agency.moderation.services import ACTION_LABELS

#: bigint ids only (a larger number is no id of ours)
ID = Regexp(r"^[0-9]{1,18}$", message=_l("Unknown item."))


class ModerateForm(Form):
    action = SelectField(_l("Action"), choices=[(a.value, ACTION_LABELS[a]) for a in Action],
                         validators=[InputRequired(_l("Choose an action."))])
    text = TextAreaField(_l("Private reply"), validators=[Optional(), Length(max=2000)])
    reply = StringField(validators=[Optional(), ID])


BULK_ACTIONS = (Action.HIDE, Action.DELETE)


class BulkModerateForm(Form):
    moderation = SelectField(_l("Moderation"), choices=[(a.value, ACTION_LABELS[a]) for a in BULK_ACTIONS],
                             validators=[InputRequired(_l("Choose an action."))])
    ids = SelectMultipleField(validate_choice=False, validators=[InputRequired(_l("Select at least one item."))])
