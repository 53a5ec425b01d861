"""The customer display primitive, and the 2 x 20 lines a till shows on it."""

from __future__ import annotations

from typing import Protocol

from tillcard.domain.money import Currency, format_plain

COLUMNS = 20


class CustomerDisplay(Protocol):
    """A pole display facing the customer: two lines of ``COLUMNS`` characters.

    ``show`` must return at once even when the device is unplugged; implementations
    write from their own thread or with a short timeout.
    """

    def show(self, upper: str, lower: str) -> None: ...

    def close(self) -> None: ...


def fit(text: str, cols: int = COLUMNS) -> str:
    """Exactly ``cols`` printable ASCII characters: pole displays have no wide glyphs."""
    clean = "".join(ch if " " <= ch <= "~" else "?" for ch in text)
    return clean[:cols].ljust(cols)


def pair(label: str, value: str, cols: int = COLUMNS) -> str:
    """Label left, value right-aligned; the label gives way, never the amount."""
    value = value[-cols:]
    label = label[: max(cols - len(value) - 1, 0)]
    return fit(label + " " * (cols - len(label) - len(value)) + value, cols)


def centred(text: str, cols: int = COLUMNS) -> str:
    return fit(text[:cols].center(cols), cols)


def idle_lines(welcome: str = "Welcome", sub: str = "") -> tuple[str, str]:
    """Between customers."""
    return centred(welcome), centred(sub)


def amount_lines(amount: int, currency: Currency | None = None,
                 label: str = "Total", sub: str = "") -> tuple[str, str]:
    """While the cashier types: the running amount, right-aligned on the lower line."""
    return fit(label if not sub else f"{label} {sub}"), pair("", format_plain(amount, currency))


def charge_lines(charge: int, balance_after: int, currency: Currency | None = None,
                 charge_label: str = "Charge", balance_label: str = "Balance") -> tuple[str, str]:
    """Once the card is tapped: what was taken and what is left on the card."""
    return (pair(charge_label, format_plain(charge, currency)),
            pair(balance_label, format_plain(balance_after, currency)))


def thank_you_lines(balance_after: int | None = None, currency: Currency | None = None,
                    thanks: str = "Thank you!",
                    balance_label: str = "Balance") -> tuple[str, str]:
    """After the sale; the balance stays visible so the customer need not ask."""
    lower = "" if balance_after is None else pair(balance_label,
                                                  format_plain(balance_after, currency))
    return centred(thanks), fit(lower)
