"""Forms of the profile's token page and the webhook settings pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from agency.accounts.forms import MultiCheckboxField
from agency.api.models import WebhookEvent
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


#: What each webhook event means, for the subscribe and edit forms.
EVENT_LABELS = {
    WebhookEvent.INTERACTION_CREATED: _l("interaction.created — a new comment, message or review arrived"),
    WebhookEvent.INTERACTION_UPDATED: _l("interaction.updated — status, assignee or labels changed"),
    WebhookEvent.REPLY_SENT: _l("reply.sent — our reply reached the platform"),
    WebhookEvent.SLA_WARNING: _l("sla.warning — a response time is at risk"),
    WebhookEvent.SLA_BREACHED: _l("sla.breached — a response time was missed"),
    WebhookEvent.INCIDENT_OPENED: _l("incident.opened — a crisis incident was opened"),
    WebhookEvent.REPORT_PUBLISHED: _l("report.published — a monthly report was published"),
    WebhookEvent.INVOICE_PAID: _l("invoice.paid — an invoice was paid"),
}
AGENCY_WIDE = "agency"


class _WebhookEvents(Form):
    events = MultiCheckboxField(_l("Events"), choices=[(e.value, e.value) for e in WebhookEvent],
                                validators=[InputRequired(message=_l("Choose at least one event."))])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=200)],
                              description=_l("What the receiver is, e.g. “CRM” or “chat alert”."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = [(e.value, EVENT_LABELS[e]) for e in WebhookEvent]


class WebhookForm(_WebhookEvents):
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=2000)],
                      description=_l("A public http(s) address; events arrive there as signed JSON POSTs."))
    scope = SelectField(_l("Events of"), validators=[InputRequired()])

    def __init__(self, *args, workspaces=(), agency_wide: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope.choices = ([(AGENCY_WIDE, _l("Every workspace of the agency"))] if agency_wide else []) + [
            (str(ws.id), ws.name) for ws in workspaces]


class WebhookEditForm(_WebhookEvents):
    is_active = BooleanField(_l("Active (deliveries are sent)"))
