"""Forms of moderation (Flask-WTF, CSRF on all)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from agency.forms import Form
from agency.moderation.models import Action
from agency.moderation.services import ACTION_LABELS

#: above every platform's reply limit (YouTube: 10,000 characters)
EDIT_MAX = 20_000
#: bigint ids only (a larger number is no id of ours)
ID = Regexp(r"^[0-9]{1,18}$", message=_l("Unknown item."))


class ModerateForm(Form):
    action = SelectField(_l("Action"), choices=[(a.value, ACTION_LABELS[a]) for a in Action],
                         validators=[InputRequired(_l("Choose an action."))])
    #: a private reply's text, or an edited reply's new text (each checked against its platform's limit; this
    #: bound only keeps absurd input out)
    text = TextAreaField(_l("Private reply"), validators=[Optional(), Length(max=EDIT_MAX)])
    reply = StringField(validators=[Optional(), ID])


BULK_ACTIONS = (Action.HIDE, Action.DELETE)


class BulkModerateForm(Form):
    moderation = SelectField(_l("Moderation"), choices=[(a.value, ACTION_LABELS[a]) for a in BULK_ACTIONS],
                             validators=[InputRequired(_l("Choose an action."))])
    ids = SelectMultipleField(validate_choice=False, validators=[InputRequired(_l("Select at least one item."))])


class ApprovalSettingsForm(Form):
    mode = SelectField(_l("Replies need approval"), choices=[], validators=[InputRequired()])
    approver = SelectField(_l("Who approves"), choices=[], validators=[InputRequired()])
    rule_negative_public = BooleanField(_l("By rule: negative and public comments"))
    rule_tags = StringField(_l("By rule: conversations tagged"), validators=[Optional(), Length(max=600)],
                            description=_l("comma-separated, e.g. press, legal"))


class DecisionForm(Form):
    decision = SelectField(_l("Decision"), choices=[("approve", _l("Approve")), ("reject", _l("Reject"))],
                           validators=[InputRequired(_l("Approve or reject."))])
    text = TextAreaField(_l("Reply"), validators=[Optional(), Length(max=10_000)])
    comment = TextAreaField(_l("Comment for the author"), validators=[Optional(), Length(max=2000)])


class AssignmentSettingsForm(Form):
    mode = SelectField(_l("Assign new items"), choices=[], validators=[InputRequired()])
    team = SelectField(_l("Among"), choices=[], validators=[Optional()])
    cap = IntegerField(_l("At most open items per person"), validators=[
        InputRequired(_l("Enter a whole number.")),
        NumberRange(min=1, max=1000, message=_l("The cap must be a whole number from 1 to 1000."))])


class TeamForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the team a name.")), Length(
        max=80, message=_l("The name is too long (at most %(max)d characters)."))])


class TeamMemberForm(Form):
    user = StringField(_l("Staff member"), validators=[InputRequired(_l("Choose a staff member of this workspace.")),
                                                       Regexp(r"^[0-9]{1,18}$",
                                                              message=_l("Choose a staff member of this workspace."))])


class DesktopNotificationsForm(Form):
    enabled = BooleanField(_l("Show desktop notifications"))
