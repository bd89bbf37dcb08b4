"""The rounding rule (EN 16931): rounded lines, VAT per rate on the base, totals as sums; parsing amounts."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agency.billing import money

cents = st.integers(min_value=-10**9, max_value=10**9)
rates = st.sampled_from([1900, 700, 0])


def test_time_amount_rounds_half_up_to_the_cent():
    assert money.time_amount(20, 9500) == 3167  # 31.6666… €
    assert money.time_amount(1, 3) == 0  # 0.05 ct
    assert money.time_amount(1, 30) == 1  # 0.5 ct rounds up
    assert money.time_amount(90, 12000) == 18000


@given(st.integers(min_value=0, max_value=100000), st.integers(min_value=0, max_value=10**7))
def test_time_amount_is_the_exact_product_rounded(minutes, rate):
    exact = Decimal(minutes) * Decimal(rate) / 60
    assert abs(money.time_amount(minutes, rate) - exact) <= Decimal("0.5")
    assert money.time_amount(minutes, rate) == int((2 * minutes * rate + 60) // 120)


@given(st.lists(st.tuples(cents, rates), max_size=40))
def test_totals_are_sums_and_vat_is_per_rate(lines):
    result = money.totals(lines)
    assert result.net_cents == sum(c for c, _r in lines)
    for rate, (base, vat) in result.vat_by_rate.items():
        assert base == sum(c for c, r in lines if r == rate)
        assert vat == money.round_half_up(Decimal(base) * rate / 10000)
    assert result.vat_cents == sum(v for _b, v in result.vat_by_rate.values())
    assert result.gross_cents == result.net_cents + result.vat_cents


@given(st.lists(st.tuples(cents, rates), max_size=20))
def test_negated_lines_give_negated_totals(lines):
    result, negated = money.totals(lines), money.totals([(-c, r) for c, r in lines])
    assert negated.gross_cents == -result.gross_cents
    assert negated.vat_cents == -result.vat_cents


@given(st.integers(min_value=0, max_value=10**12))
def test_parse_money_reads_what_format_writes(value):
    text = f"{value // 100}.{value % 100:02d}"
    assert money.parse_money(text) == value
    assert money.parse_money(text.replace(".", ",")) == value


@pytest.mark.parametrize("text,cents", [("1.234,56", 123456), ("1,234.56", 123456), ("95", 9500),
                                        ("12,5", 1250), ("", None), ("  ", None), ("0,01 €", 1)])
def test_parse_money_examples(text, cents):
    assert money.parse_money(text) == cents


@pytest.mark.parametrize("text", ["-5", "1,234", "abc", "1.2.3", "12,345", "9" * 20, "1e5"])
def test_parse_money_refuses(text):
    with pytest.raises(ValueError):
        money.parse_money(text)
