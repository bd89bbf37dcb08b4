"""Forms of the people pages (Flask-WTF, CSRF on all)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from agency.forms import Form
from agency.people.services import LABEL_MAX_LENGTH, NOTE_MAX_LENGTH


class LabelForm(Form):
    op = SelectField(choices=[("add", _l("Add")), ("remove", _l("Remove"))],
                     validators=[InputRequired(_l("Add or remove a label."))])
    label = StringField(_l("Label"), validators=[DataRequired(_l("Enter a label.")),
                                                 Length(max=LABEL_MAX_LENGTH)],
                        description=_l("VIP, press, troll, customer … or your own"))


class NoteForm(Form):
    display_name = StringField(_l("Name"), validators=[DataRequired(_l("Give the person a name.")),
                                                       Length(max=300)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX_LENGTH)])


class MergeForm(Form):
    other = StringField(validators=[DataRequired(_l("Choose the person to merge.")),
                                    Regexp(r"^[0-9]{1,18}$", message=_l("Unknown person."))])
