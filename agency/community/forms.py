"""Forms of the community pages (Flask-WTF, CSRF on all).

``CommunityForm`` adds what every form here needs on top of ``agency.forms.Form``: control
characters (bidi overrides and the like) and values that are only whitespace are answered with a
field error, never stored and never a 500.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from agency.community.inputs import has_forbidden
from agency.forms import Form

EMOJI_LABELS = {"none": _l("No emoji"), "sparingly": _l("Sparingly"), "free": _l("Freely")}
LANGUAGE_CHOICES = [("de", "Deutsch"), ("en", "English")]


class CommunityForm(Form):
    """A form that also refuses control characters (bidi overrides and the like) and whitespace-only required
    values with a message (files in text fields and NUL bytes are handled by ``agency.forms.Form``)."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, field in self._fields.items():
            if name == "csrf_token" or field.errors:
                continue
            data = field.data
            if isinstance(data, str):
                if has_forbidden(data):
                    field.errors = [*field.errors, _l("Please remove control characters from this field.")]
                    valid = False
                elif field.flags.required and not data.strip() and not field.errors:
                    field.errors = [*field.errors, _l("Please fill in this field.")]
                    valid = False
        return valid


class ToneForm(CommunityForm):
    address_form = SelectField(_l("Address form"), choices=[("sie", _l("formal (Sie / formal English)")),
                                                            ("du", _l("informal (du / casual English)"))],
                               validators=[InputRequired()])
    persona_name = StringField(_l("Persona's name"), validators=[Optional(), Length(max=80)],
                               description=_l("The named person who signs replies, e.g. Lena."))
    persona_role = StringField(_l("Persona's role"), validators=[Optional(), Length(max=120)])
    signature_template = StringField(_l("Signature"), validators=[Optional(), Length(max=200)],
                                     description=_l("For example ^{persona} or “Viele Grüße, {persona}”."))
    preferred_words = TextAreaField(_l("Words to prefer"), validators=[Optional(), Length(max=10_000)],
                                    description=_l("One per line."))
    banned = TextAreaField(_l("Words and phrases to avoid"), validators=[Optional(), Length(max=30_000)],
                           description=_l("One per line, with the alternative after an arrow: Problem -> Anliegen. "
                                          "A * at the end matches word endings."))
    brands = TextAreaField(_l("Brand and product names"), validators=[Optional(), Length(max=5000)],
                           description=_l("One per line; the checker never reads them as du or Sie "
                                          "(e.g. “Du darfst”)."))
    emoji_policy = SelectField(_l("Emoji"), choices=list(EMOJI_LABELS.items()), validators=[InputRequired()])
    typical_length = IntegerField(_l("Typical reply length (characters)"),
                                  validators=[Optional(), NumberRange(min=10, max=10_000)])
    guide_markdown = TextAreaField(_l("Guide (Markdown)"), validators=[Optional(), Length(max=20_000)])


class SavedReplyForm(CommunityForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    scope = SelectField(_l("Available in"), choices=[("workspace", _l("this workspace")),
                                                     ("agency", _l("all workspaces of the agency"))],
                        validators=[InputRequired()])
    kind = SelectField(_l("Kind"), choices=[("reply", _l("Saved reply")), ("holding", _l("Holding statement"))],
                       validators=[InputRequired()])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[InputRequired()])
    tags = StringField(_l("Tags (comma-separated)"), validators=[Optional(), Length(max=1000)])
    text_formal = TextAreaField(_l("Text with Sie (formal)"), validators=[Optional(), Length(max=5000)])
    text_informal = TextAreaField(_l("Text with du (informal)"), validators=[Optional(), Length(max=5000)])


class ExpertForm(CommunityForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=320)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    topics = StringField(_l("Topics (comma-separated)"), validators=[Optional(), Length(max=1000)])
    availability = StringField(_l("Availability"), validators=[Optional(), Length(max=300)],
                               description=_l("For example: Mon–Thu 9–15, not in August."))
    is_active = BooleanField(_l("Active"), default=True)


class EscalationSettingsForm(CommunityForm):
    pauses_sla = BooleanField(_l("Pause the SLA clock while waiting for an expert"))
    reminder_hours = IntegerField(_l("Remind the expert after (business hours)"),
                                  validators=[InputRequired(), NumberRange(min=1, max=200)])
    link_days = IntegerField(_l("Answer links expire after (days)"),
                             validators=[InputRequired(), NumberRange(min=1, max=60)])


class EscalateForm(CommunityForm):
    expert = SelectField(_l("Expert"), validators=[InputRequired()])
    question = TextAreaField(_l("Your question"), validators=[DataRequired(), Length(max=5000)])


class CrisisPlanForm(CommunityForm):
    severity_levels = TextAreaField(_l("Severity levels"), validators=[Optional(), Length(max=10_000)],
                                    description=_l("One per line: name | when it applies."))
    checklist = TextAreaField(_l("Checklist"), validators=[Optional(), Length(max=20_000)],
                              description=_l("One step per line, in order."))
    contacts = TextAreaField(_l("Who to call"), validators=[Optional(), Length(max=10_000)],
                             description=_l("One per line: name | role | phone | e-mail."))
    approval_chain = TextAreaField(_l("Approval chain"), validators=[Optional(), Length(max=5000)],
                                   description=_l("Who approves statements, one per line, in order."))


class DetectionForm(CommunityForm):
    enabled = BooleanField(_l("Watch this workspace for shitstorms"))
    keywords = TextAreaField(_l("Crisis keywords"), validators=[Optional(), Length(max=10_000)],
                             description=_l("One per line; a word start is enough (boykott finds Boykottaufruf)."))
    snoozed_until = StringField(_l("Expected event until"), validators=[Optional(), Length(max=30)],
                                description=_l("No alarms until then (a product launch, a TV spot)."))
    snooze_reason = StringField(_l("What is expected"), validators=[Optional(), Length(max=200)])


class OpenIncidentForm(CommunityForm):
    title = StringField(_l("What is happening"), validators=[DataRequired(), Length(max=200)])
    severity = StringField(_l("Severity"), validators=[Optional(), Length(max=80)])


class IncidentNoteForm(CommunityForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=5000)])


class IncidentStepForm(CommunityForm):
    step = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=999)])
    done = HiddenField(validators=[InputRequired(), Length(max=1)])


class CloseIncidentForm(CommunityForm):
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=10_000)],
                            description=_l("What happened, what we did, what we learnt. It goes into the monthly "
                                           "report."))


class ExpertAnswerForm(CommunityForm):
    answer = TextAreaField(_l("Your answer"), validators=[DataRequired(), Length(max=10_000)])


class CheckForm(CommunityForm):
    text = TextAreaField(validators=[Optional(), Length(max=20_000)])
