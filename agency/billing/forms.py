"""Forms of billing (Flask-WTF, CSRF on all). Amounts are typed as people write them (``95``, ``1.234,50``)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from agency.billing.money import parse_money
from agency.forms import Form
from agency.timetracking.forms import no_control_characters, parse_month

MODEL_LABELS = {"hourly": _l("By the hour"), "retainer": _l("Monthly retainer (hours included, overage extra)"),
                "fixed": _l("Fixed monthly fee")}
VAT_LABELS = {"1900": _l("19 %"), "700": _l("7 %"), "0": _l("0 %")}
GROUPING_LABELS = {"activity": _l("by activity"), "staff": _l("by staff member")}
_VAT_ID = re.compile(r"^[A-Z]{2}[A-Z0-9+*.]{2,12}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def amount(form, field) -> None:
    try:
        field.cents = parse_money(field.data)
    except ValueError:
        raise ValidationError(_l("Enter an amount like 95 or 1.234,50.")) from None
    if field.cents is not None and field.cents > 100_000_000:
        raise ValidationError(_l("At most 1,000,000."))


def vat_id(form, field) -> None:
    value = (field.data or "").replace(" ", "").upper()
    field.data = value
    if value and not _VAT_ID.match(value):
        raise ValidationError(_l("Enter a VAT ID like DE123456789."))


def iban(form, field) -> None:
    value = (field.data or "").replace(" ", "").upper()
    field.data = value
    if value and (not _IBAN.match(value) or int("".join(str(int(c, 36)) for c in value[4:] + value[:4])) % 97 != 1):
        raise ValidationError(_l("This IBAN is not valid."))


def bic(form, field) -> None:
    value = (field.data or "").replace(" ", "").upper()
    field.data = value
    if value and not _BIC.match(value):
        raise ValidationError(_l("Enter a BIC of 8 or 11 characters."))


def country(form, field) -> None:
    field.data = (field.data or "").upper()
    if not _COUNTRY.match(field.data):
        raise ValidationError(_l("Enter a two-letter country code like DE."))


def month_field(form, field) -> None:
    field.month = parse_month(field.data)
    if field.month is None:
        raise ValidationError(_l("Choose a month like 2026-10."))


def _text(label, maximum: int, required: bool = False, **kwargs):
    validators = [DataRequired()] if required else [Optional()]
    return StringField(label, validators=[*validators, Length(max=maximum), no_control_characters], **kwargs)


class AgencyDetailsForm(Form):
    legal_name = _text(_l("Legal name"), 200, True)
    street = _text(_l("Street and number"), 200, True)
    postcode = _text(_l("Postcode"), 20, True)
    city = _text(_l("City"), 100, True)
    country = StringField(_l("Country"), default="DE", validators=[DataRequired(), Length(max=2), country])
    tax_number = _text(_l("Tax number"), 40)
    vat_id = StringField(_l("VAT ID"), validators=[Optional(), Length(max=20), vat_id])
    email = StringField(_l("Billing e-mail"), validators=[Optional(), Length(max=320), Email()])
    bank_name = _text(_l("Bank"), 100)
    iban = StringField(_l("IBAN"), validators=[Optional(), Length(max=40), iban])
    bic = StringField(_l("BIC"), validators=[Optional(), Length(max=11), bic])
    footer = TextAreaField(_l("Invoice footer"), validators=[Optional(), Length(max=1000), no_control_characters],
                           description=_l("Managing directors, register court and number, and the like."))
    number_prefix = StringField(_l("Invoice number prefix"), default="RE-",
                                validators=[Optional(), Length(max=12), no_control_characters])
    payment_days = IntegerField(_l("Days to pay"), default=14, validators=[InputRequired(), NumberRange(0, 120)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.tax_number.data and not self.vat_id.data:
            self.tax_number.errors = [_l("Enter the tax number or the VAT ID (an invoice must show one).")]
            return False
        return valid


class WorkspaceBillingForm(Form):
    model = SelectField(_l("Billing model"), choices=list(MODEL_LABELS.items()), default="hourly")
    fee = StringField(_l("Monthly fee"), validators=[Optional(), amount],
                      description=_l("Retainer or fixed fee, net."))
    overage = StringField(_l("Overage rate per hour"), validators=[Optional(), amount],
                          description=_l("Empty: the client's hourly rate."))
    vat_rate = SelectField(_l("VAT"), choices=list(VAT_LABELS.items()), default="1900")
    reverse_charge = BooleanField(_l("Reverse charge (EU business client with a VAT ID)"))
    grouping = SelectField(_l("Invoice lines"), choices=list(GROUPING_LABELS.items()), default="activity")
    client_name = _text(_l("Client's legal name"), 200, True)
    client_street = _text(_l("Street and number"), 200)
    client_postcode = _text(_l("Postcode"), 20)
    client_city = _text(_l("City"), 100)
    client_country = StringField(_l("Country"), default="DE", validators=[DataRequired(), Length(max=2), country])
    client_vat_id = StringField(_l("Client's VAT ID"), validators=[Optional(), Length(max=20), vat_id])
    billing_email = StringField(_l("Billing e-mail"), validators=[Optional(), Length(max=320), Email()])


class RateForm(Form):
    rate = StringField(_l("Hourly rate"), validators=[DataRequired(), amount])
    valid_from = StringField(_l("Valid from (month)"), validators=[DataRequired(), month_field])
    workspace = SelectField(_l("Client"), choices=[], default="")
    activity = SelectField(_l("Activity"), choices=[], default="")
    user = SelectField(_l("Person (within the client)"), choices=[], default="")


class MonthForm(Form):
    month = StringField(_l("Month"), validators=[DataRequired(), month_field])


class DraftForm(MonthForm):
    workspace = SelectField(_l("Client"), choices=[], validators=[DataRequired()])


class LineForm(Form):
    kind = SelectField(_l("Kind"), choices=[("manual", _l("Line")), ("discount", _l("Discount"))], default="manual")
    description = _text(_l("Description"), 300, True)
    quantity = IntegerField(_l("Quantity"), default=1, validators=[InputRequired(), NumberRange(1, 10000)])
    unit_price = StringField(_l("Unit price (net)"), validators=[DataRequired(), amount])


class EditLineForm(Form):
    description = _text(_l("Description"), 300, True)
    unit_price = StringField(_l("Unit price (net)"), validators=[Optional(), amount])


class ConfirmForm(Form):
    """An action button (finalise, send, cancel, discard): only the CSRF token."""
