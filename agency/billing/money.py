"""The rounding rule of every amount on an invoice (EN 16931):

- a line's net amount is its quantity times its price, rounded half up to the cent;
- the VAT of a rate is that rate's net base times the rate, rounded half up to the cent;
- every total is a plain sum of rounded amounts (net = Σ lines, gross = net + Σ VAT).

Everything is integer cents; only the products are computed in ``Decimal`` and rounded once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_currency


def round_half_up(value: Decimal) -> int:
    """``value`` (cents, possibly fractional) rounded to whole cents, halves away from zero."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def time_amount(minutes: int, cents_per_hour: int) -> int:
    """The net cents of ``minutes`` at an hourly rate, rounded to the cent."""
    return round_half_up(Decimal(minutes) * Decimal(cents_per_hour) / Decimal(60))


def hours(minutes: int) -> Decimal:
    """Decimal hours of ``minutes`` with four places (the quantity printed and in the XML)."""
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def vat_amount(base_cents: int, rate_basis_points: int) -> int:
    """VAT of one rate's base (EN 16931 BR-CO-17: base × rate, rounded to the cent)."""
    return round_half_up(Decimal(base_cents) * Decimal(rate_basis_points) / Decimal(10000))


@dataclass(frozen=True)
class Totals:
    net_cents: int
    vat_by_rate: dict[int, tuple[int, int]]  # rate (basis points) -> (base cents, VAT cents)
    vat_cents: int
    gross_cents: int


def totals(lines: Iterable[tuple[int, int]]) -> Totals:
    """Totals of ``(net_cents, vat rate in basis points)`` lines: VAT per rate on its base, totals as sums."""
    bases: dict[int, int] = defaultdict(int)
    net = 0
    for cents, rate in lines:
        bases[rate] += cents
        net += cents
    by_rate = {rate: (base, vat_amount(base, rate)) for rate, base in sorted(bases.items(), reverse=True)}
    vat = sum(v for _b, v in by_rate.values())
    return Totals(net_cents=net, vat_by_rate=by_rate, vat_cents=vat, gross_cents=net + vat)


def decimal_amount(cents: int) -> Decimal:
    """Cents as a Decimal of the currency unit (``1234`` → ``12.34``), exact."""
    return (Decimal(cents) / Decimal(100)).quantize(Decimal("0.01"))


def format_money(cents: int | None, currency: str = "EUR", locale: str | None = None) -> str:
    """Cents for people, in the current (or given) locale: ``1.234,56 €`` / ``€1,234.56``."""
    if cents is None:
        return ""
    if locale:
        from babel.numbers import format_currency as babel_format

        return babel_format(decimal_amount(cents), currency, locale=locale)
    return format_currency(decimal_amount(cents), currency)


def parse_money(text: str | None) -> int | None:
    """Cents from what people type: ``1.234,56``, ``1234.56``, ``1234,5``, ``95``; None for empty.

    Raises ValueError for anything else (negative amounts too; discounts are their own kind of line).
    """
    value = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    if not value:
        return None
    if len(value) > 16:
        raise ValueError("too long")
    if "," in value and "." in value:
        # the later separator is the decimal one
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    else:
        value = value.replace(",", ".")
    if value.count(".") > 1 or not value.replace(".", "").isdigit():
        raise ValueError("not an amount")
    whole, _dot, fraction = value.partition(".")
    if len(fraction) > 2:
        raise ValueError("more than two decimals")
    return int(whole or "0") * 100 + int((fraction + "00")[:2])
