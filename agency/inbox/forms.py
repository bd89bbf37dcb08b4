"""Forms of the inbox (Flask-WTF, CSRF on all)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from agency.forms import Form

PRIORITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}
STATUS_LABELS = {"new": _l("New"), "open": _l("Open"), "waiting": _l("Waiting"), "replied": _l("Replied"),
                 "closed": _l("Closed"), "ignored": _l("Ignored"), "spam": _l("Spam")}
KIND_LABELS = {"comment": _l("Comment"), "reply": _l("Reply"), "direct_message": _l("Message"),
               "review": _l("Review"), "mention": _l("Mention")}
SNOOZE_CHOICES = [("1h", _l("1 hour")), ("3h", _l("3 hours")), ("tomorrow", _l("Tomorrow morning")),
                  ("monday", _l("Next Monday")), ("wake", _l("Wake now"))]


class ReplyForm(Form):
    # Its own field name: a rejected reply must come back in the reply box, not in the note's.
    # The length is the platform's, checked by replies.queue_reply (the composer shows the same limit).
    reply_text = TextAreaField(_l("Reply"), validators=[DataRequired(_l("Write a reply first."))])
    opened_at = HiddenField()
    send_anyway = BooleanField(_l("Send anyway"))


class NoteForm(Form):
    note_text = TextAreaField(_l("Internal note"), validators=[DataRequired(_l("Write a note first.")),
                                                              Length(max=10_000)])


class StatusForm(Form):
    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()), validators=[InputRequired()])


class PriorityForm(Form):
    priority = SelectField(_l("Priority"), choices=list(PRIORITY_LABELS.items()), validators=[InputRequired()])


class AssignForm(Form):
    assignee = SelectField(_l("Assignee"), validators=[Optional()])


class TagsForm(Form):
    tags = StringField(_l("Tags (comma-separated)"), validators=[Optional(), Length(max=1000)])


class SnoozeForm(Form):
    until = SelectField(_l("Snooze"), choices=SNOOZE_CHOICES, validators=[InputRequired()])


class BulkForm(Form):
    action = SelectField(_l("Action"), choices=[
        ("assign", _l("Assign to…")), ("unassign", _l("Unassign")), ("tag", _l("Add tag…")),
        ("close", _l("Close")), ("reopen", _l("Reopen")), ("spam", _l("Mark as spam")), ("ignore", _l("Ignore")),
        ("priority", _l("Set priority…"))], validators=[InputRequired()])
    assignee = StringField(validators=[Optional(), Length(max=20)])
    tags = StringField(validators=[Optional(), Length(max=200)])
    priority = SelectField(choices=[("", "—"), *PRIORITY_LABELS.items()], validators=[Optional()])


class SavedViewForm(Form):
    name = StringField(_l("Name of the view"), validators=[DataRequired(), Length(max=80)])
    query = HiddenField(validators=[Length(max=2000)])


#: What a rule may do on the platform, and how (labels of the rule editor and the rules table).
MODERATE_LABELS = {"hide": _l("hide on the platform"), "delete": _l("delete on the platform")}
MODE_LABELS = {"suggest": _l("suggest it (one click for people)"), "act": _l("do it at once")}


class RuleForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    channel_id = SelectField(_l("Channel"), validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=[("", _l("any")), *KIND_LABELS.items()], validators=[Optional()])
    text_contains = StringField(_l("Text contains (comma-separated, any)"), validators=[Optional(), Length(max=300)])
    sentiment = SelectField(_l("Sentiment"), choices=[("", _l("any")), ("negative", _l("negative")),
                                                      ("neutral", _l("neutral")), ("positive", _l("positive"))],
                            validators=[Optional()])
    rating_max = SelectField(_l("Rating at most"), choices=[("", _l("any"))] + [(str(i), "★" * i) for i in range(1, 6)],
                             validators=[Optional()])
    is_spam = BooleanField(_l("is spam"))
    has_link = BooleanField(_l("contains a link"))
    banned_word = BooleanField(_l("contains a word of the tone guide to avoid"))
    author_label = StringField(_l("Author has label"), validators=[Optional(), Length(max=40)],
                               description=_l("a label of the person, e.g. VIP, press, troll"))
    tag = StringField(_l("Then add tag"), validators=[Optional(), Length(max=40)])
    assignee_id = SelectField(_l("Then assign to"), validators=[Optional()])
    priority = SelectField(_l("Then set priority"), choices=[("", "—"), *PRIORITY_LABELS.items()],
                           validators=[Optional()])
    moderate = SelectField(_l("Then on the platform"), choices=[("", "—"), *MODERATE_LABELS.items()],
                           validators=[Optional()])
    mode = SelectField(_l("How"), choices=list(MODE_LABELS.items()), default="suggest", validators=[Optional()])
