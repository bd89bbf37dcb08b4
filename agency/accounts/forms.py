"""Forms for login, profile, users, workspaces and agency settings (Flask-WTF, CSRF on all)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from agency.accounts.models import Role
from agency.forms import Form

LANGUAGE_CHOICES = [("de", "Deutsch"), ("en", "English")]
ADDRESS_FORM_CHOICES = [("sie", _l("formal (Sie)")), ("du", _l("informal (du)"))]
ROLE_LABELS = {
    Role.OWNER: _l("Owner"),
    Role.ADMIN: _l("Admin"),
    Role.ACCOUNT_MANAGER: _l("Account manager"),
    Role.COMMUNITY_MANAGER: _l("Community manager"),
    Role.CLIENT: _l("Client"),
}
# Germany's Länder and Austria's states: public holidays differ between them.
SUBDIVISION_CHOICES = [
    ("", _l("— none —")), ("BW", "Baden-Württemberg"), ("BY", "Bayern"), ("BE", "Berlin"),
    ("BB", "Brandenburg"), ("HB", "Bremen"), ("HH", "Hamburg"), ("HE", "Hessen"),
    ("MV", "Mecklenburg-Vorpommern"), ("NI", "Niedersachsen"), ("NW", "Nordrhein-Westfalen"),
    ("RP", "Rheinland-Pfalz"), ("SL", "Saarland"), ("SN", "Sachsen"), ("ST", "Sachsen-Anhalt"),
    ("SH", "Schleswig-Holstein"), ("TH", "Thüringen"),
]
COUNTRY_CHOICES = [("DE", _l("Germany")), ("AT", _l("Austria")), ("CH", _l("Switzerland")),
                   ("GB", _l("United Kingdom")), ("US", _l("United States"))]
TIMEZONE_CHOICES = [
    "Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/London", "Europe/Paris", "Europe/Amsterdam",
    "Europe/Madrid", "Europe/Rome", "Europe/Warsaw", "America/New_York", "America/Chicago",
    "America/Los_Angeles", "Asia/Dubai", "Asia/Singapore", "Australia/Sydney", "UTC",
]

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=320)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class SecondFactorForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(min=6, max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True})


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])


class SetPasswordForm(Form):
    new_password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class LanguageForm(Form):
    locale = SelectField(_l("Language"), choices=[("", _l("Browser default")), *LANGUAGE_CHOICES],
                         validators=[Optional()])


class TotpSetupForm(Form):
    code = StringField(_l("Code from your app"), validators=[DataRequired(), Length(min=6, max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TotpDisableForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class EmptyForm(Form):
    """A form with only the CSRF token, for buttons that change state."""


class UserForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False),
                                                 Length(max=320)])
    role = SelectField(_l("Role"), validators=[InputRequired()])
    locale = SelectField(_l("Language"), choices=[("", _l("Browser default")), *LANGUAGE_CHOICES],
                         validators=[Optional()])
    workspaces = MultiCheckboxField(_l("Workspaces"), coerce=int, validate_choice=True)
    password = PasswordField(_l("Initial password"), validators=[Optional(), Length(max=256)],
                             description=_l("Leave empty to send an invitation link instead."))


class UserEditForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), validators=[InputRequired()])
    locale = SelectField(_l("Language"), choices=[("", _l("Browser default")), *LANGUAGE_CHOICES],
                         validators=[Optional()])
    workspaces = MultiCheckboxField(_l("Workspaces"), coerce=int, validate_choice=True)


class WorkspaceForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Short name (in addresses)"), validators=[
        Optional(), Length(max=64), Regexp(SLUG_PATTERN, message=_l("Use lower-case letters, digits and hyphens."))])
    timezone = SelectField(_l("Time zone"), choices=[(tz, tz) for tz in TIMEZONE_CHOICES])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    address_form = SelectField(_l("Address form"), choices=ADDRESS_FORM_CHOICES)
    country = SelectField(_l("Country (public holidays)"), choices=COUNTRY_CHOICES)
    subdivision = SelectField(_l("State / Land"), choices=SUBDIVISION_CHOICES, validators=[Optional()])


class AgencyForm(Form):
    name = StringField(_l("Agency name"), validators=[DataRequired(), Length(max=120)])
    default_locale = SelectField(_l("Default language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(_l("Time zone"), choices=[(tz, tz) for tz in TIMEZONE_CHOICES])
    currency = SelectField(_l("Currency"), choices=[("EUR", "EUR"), ("CHF", "CHF"), ("GBP", "GBP"),
                                                    ("USD", "USD")])
    primary_color = StringField(_l("Brand colour"), validators=[
        DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour like #2f5d8a."))],
        render_kw={"type": "color"})
    require_2fa = BooleanField(_l("Require two-factor authentication for all staff"))
    logo = FileField(_l("Logo (PNG or JPEG, at most 512 KB)"), validators=[
        FileAllowed(["png", "jpg", "jpeg"], _l("PNG or JPEG only.")),
        FileSize(max_size=512 * 1024, message=_l("The logo may be at most 512 KB."))])
