"""Forms of the channels page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from agency.forms import Form

PLATFORM_LABELS = {
    "facebook_page": _l("Facebook Page"),
    "instagram_business": _l("Instagram business account"),
    "google_business_profile": _l("Google Business Profile (reviews)"),
    "youtube_channel": _l("YouTube channel"),
}


class ChannelForm(Form):
    platform = SelectField(_l("Platform"), choices=list(PLATFORM_LABELS.items()))
    account_id = StringField(_l("Account ID"), validators=[DataRequired(), Length(max=128)],
                             description=_l("Page ID, Instagram user ID, accounts/…/locations/… or channel ID"))
    token = StringField(_l("Access token"), validators=[DataRequired(), Length(max=4096)],
                        render_kw={"autocomplete": "off", "spellcheck": "false"})
    name = StringField(_l("Display name"), validators=[Optional(), Length(max=200)])
    backfill_days = IntegerField(_l("Fetch history of the last … days"), default=60,
                                 validators=[DataRequired(), NumberRange(min=1, max=365)])
    sync_interval = IntegerField(_l("Check for new items every … seconds"), default=120,
                                 validators=[DataRequired(), NumberRange(min=30, max=86400)])


class PickAccountForm(Form):
    account = SelectField(_l("Account"), validators=[DataRequired()])
