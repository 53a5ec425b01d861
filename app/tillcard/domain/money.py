"""Money as integer minor units: parsing at the input edge, formatting at the output edge."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency, format_decimal, get_currency_precision

# A single upper bound keeps a slipped finger from charging a fortune.
DEFAULT_MAX_MINOR = 1_000_000  # 10,000.00 in a two-decimal currency


class AmountError(ValueError):
    """User input that is not a valid amount; ``reason`` is shown to the cashier."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Currency:
    """A currency and the locale its amounts are shown in."""

    code: str = "CNY"
    locale: str = "zh_CN"

    @property
    def decimals(self) -> int:
        precision: int = get_currency_precision(self.code)
        return precision

    @property
    def unit(self) -> int:
        return int(10**self.decimals)


def parse_amount(text: str, currency: Currency | None = None,
                 max_minor: int = DEFAULT_MAX_MINOR) -> int:
    """Parse a cashier-typed amount ("12", "12.5", "12.50") into minor units.

    Parsing is done on the string, never through float, so "0.1" is exactly 10.
    """
    cur = currency or Currency()
    s = text.strip()
    if not s:
        raise AmountError("enter an amount")
    if s.startswith("-"):
        raise AmountError("amount cannot be negative")
    whole, dot, frac = s.partition(".")
    if dot and "." in frac:
        raise AmountError(f"'{text}' has more than one decimal point")
    if not whole:
        whole = "0"
    if not (whole.isascii() and whole.isdigit()) or (frac and not (frac.isascii()
                                                                   and frac.isdigit())):
        raise AmountError(f"'{text}' is not a number")
    if len(frac) > cur.decimals:
        raise AmountError(f"at most {cur.decimals} decimal places")
    if len(whole) > 12:
        raise AmountError("amount is too large")
    minor = int(whole) * cur.unit + (int(frac.ljust(cur.decimals, "0")) if cur.decimals else 0)
    if minor > max_minor:
        raise AmountError(f"amount is over the maximum {format_plain(max_minor, cur)}")
    return minor


def require_amount(value: object, what: str, maximum: int, *, positive: bool = False) -> int:
    """An amount handed to the ledger: an ``int`` (never a float or a bool), within bounds.

    The same check runs before a sale is decided offline, before it is sent to the centre
    and (as SQL) at the centre, so a value refused in one place is refused in all of them.
    """
    if type(value) is not int:
        raise AmountError(f"{what} must be a whole number of minor units, not "
                          f"{type(value).__name__} {value!r}")
    low = 1 if positive else 0
    if not low <= value <= maximum:
        raise AmountError(f"{what} must be {low}..{maximum} minor units, got {value}")
    return value


def to_decimal(minor: int, currency: Currency | None = None) -> Decimal:
    """Exact decimal value of an amount, for formatting only."""
    cur = currency or Currency()
    return Decimal(minor).scaleb(-cur.decimals)


def format_plain(minor: int, currency: Currency | None = None) -> str:
    """Amount with fixed decimals and no symbol or grouping: '1234.50' (receipts, keypad)."""
    cur = currency or Currency()
    sign = "-" if minor < 0 else ""
    a = abs(minor)
    if cur.decimals == 0:
        return f"{sign}{a}"
    return f"{sign}{a // cur.unit}.{a % cur.unit:0{cur.decimals}d}"


def format_money(minor: int, currency: Currency | None = None) -> str:
    """Amount with the currency sign, grouped by the locale's rules: '¥1,234.50'."""
    cur = currency or Currency()
    return str(format_currency(to_decimal(minor, cur), cur.code, locale=cur.locale))


def format_number(minor: int, currency: Currency | None = None) -> str:
    """Amount grouped by the locale but without a currency sign: '1,234.50'."""
    cur = currency or Currency()
    pattern = "#,##0" + ("." + "0" * cur.decimals if cur.decimals else "")
    return str(format_decimal(to_decimal(minor, cur), format=pattern, locale=cur.locale))


def apply_rate_half_up(amount: int, basis_points: int) -> int:
    """``amount × basis_points / 10 000`` rounded half up, in integers only."""
    if amount < 0 or basis_points < 0:
        raise ValueError("amount and rate must be non-negative")
    return (amount * basis_points + 5_000) // 10_000
