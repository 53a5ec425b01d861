import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillcard.domain.money import (
    AmountError,
    Currency,
    apply_rate_half_up,
    format_money,
    format_number,
    format_plain,
    parse_amount,
)


@pytest.mark.parametrize(("text", "minor"), [
    ("12", 1200), ("12.5", 1250), ("12.50", 1250), ("0.1", 10), (".5", 50), ("0", 0),
    ("  7.05 ", 705), ("9999.99", 999_999),
])
def test_parse_accepts_cashier_input(text, minor):
    assert parse_amount(text) == minor
    assert isinstance(parse_amount(text), int)


@pytest.mark.parametrize(("text", "reason"), [
    ("12.505", "at most 2 decimal places"), ("-3", "negative"), ("abc", "not a number"),
    ("1.2.3", "more than one decimal point"), ("", "enter an amount"),
    ("10000.01", "over the maximum"), ("99999999999999", "too large"), ("1e3", "not a number"),
    ("１２", "not a number"),
])
def test_parse_rejects_with_reason(text, reason):
    with pytest.raises(AmountError) as exc:
        parse_amount(text)
    assert reason in exc.value.reason


def test_zero_decimal_currency():
    jpy = Currency("JPY", "ja_JP")
    assert parse_amount("1200", jpy) == 1200
    with pytest.raises(AmountError):
        parse_amount("12.5", jpy)


def test_format_uses_locale_and_currency():
    assert format_plain(123450) == "1234.50"
    assert format_plain(-5) == "-0.05"
    assert format_money(123450) == "¥1,234.50"
    assert format_money(123450, Currency("EUR", "de_DE")) == "1.234,50\xa0€"
    assert format_number(123450) == "1,234.50"


@pytest.mark.parametrize(("amount", "bp", "expected"), [
    (2900, 1000, 290), (1250, 1000, 125), (5, 1000, 1),  # 0.5 → 1: half up
    (4, 1000, 0), (15, 1000, 2), (1, 5000, 1), (0, 1000, 0), (9999, 0, 0),
])
def test_rate_rounds_half_up(amount, bp, expected):
    assert apply_rate_half_up(amount, bp) == expected


@given(st.integers(0, 10**9))
def test_plain_round_trips(minor):
    assert parse_amount(format_plain(minor), max_minor=10**10) == minor
