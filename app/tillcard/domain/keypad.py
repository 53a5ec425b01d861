"""The cashier's keypad: keys build an expression like ``12.00 + 8.50 × 2`` and its total."""

from __future__ import annotations

from dataclasses import dataclass, field

from tillcard.domain.money import (
    DEFAULT_MAX_MINOR,
    AmountError,
    Currency,
    format_plain,
    parse_amount,
)

DIGITS = frozenset("0123456789")
MAX_QUANTITY = 999


@dataclass
class _Term:
    amount: str = ""
    qty: str | None = None  # None: no "×" typed yet


@dataclass
class Keypad:
    """Key-by-key amount entry; ``press`` returns False for a key it refuses.

    A refused key changes nothing, so a slipped finger can never push the total over the
    maximum or add a third decimal.
    """

    max_minor: int = DEFAULT_MAX_MINOR
    currency: Currency = field(default_factory=Currency)
    _terms: list[_Term] = field(default_factory=lambda: [_Term()])

    def press(self, key: str) -> bool:
        before = [_Term(t.amount, t.qty) for t in self._terms]
        changed = self._apply(key)
        if changed and not self._valid():
            self._terms = before
            return False
        return changed

    def clear(self) -> None:
        self._terms = [_Term()]

    @property
    def is_empty(self) -> bool:
        return len(self._terms) == 1 and not self._terms[0].amount

    @property
    def total(self) -> int:
        return sum(self._term_value(t) for t in self._terms)

    @property
    def expression(self) -> str:
        """Human form of what was keyed; finished amounts shown with full decimals."""
        parts: list[str] = []
        last = len(self._terms) - 1
        for i, t in enumerate(self._terms):
            if not t.amount:
                continue
            typing_amount = i == last and t.qty is None
            amount = t.amount if typing_amount else format_plain(self._amount(t), self.currency)
            parts.append(amount if t.qty is None else f"{amount} × {t.qty}".rstrip())
        return " + ".join(parts) + (" +" if len(self._terms) > 1 and not
                                    self._terms[-1].amount else "")

    # -- internals -----------------------------------------------------------------------

    def _apply(self, key: str) -> bool:
        cur = self._terms[-1]
        if key in DIGITS or key == "00":
            return self._type_digits(cur, key)
        if key == ".":
            if cur.qty is not None or "." in cur.amount or self.currency.decimals == 0:
                return False
            cur.amount = (cur.amount or "0") + "."
            return True
        if key in ("+",):
            if not cur.amount:
                return False
            self._terms.append(_Term())
            return True
        if key in ("×", "*", "x"):
            if not cur.amount or cur.qty is not None:
                return False
            cur.qty = ""
            return True
        if key == "backspace":
            return self._backspace()
        if key == "clear":
            changed = not self.is_empty
            self.clear()
            return changed
        return False

    def _type_digits(self, cur: _Term, key: str) -> bool:
        if cur.qty is not None:
            cur.qty = (cur.qty + key).lstrip("0")
            return True
        if "." in cur.amount:
            cur.amount += key
        else:
            cur.amount = (cur.amount + key).lstrip("0") or "0"
        return True

    def _backspace(self) -> bool:
        cur = self._terms[-1]
        if cur.qty is not None:
            cur.qty = cur.qty[:-1] if cur.qty else None
            return True
        if cur.amount:
            cur.amount = cur.amount[:-1]
            if cur.amount == "0":
                cur.amount = ""
            return True
        if len(self._terms) > 1:
            self._terms.pop()
            return True
        return False

    def _amount(self, t: _Term) -> int:
        return parse_amount(t.amount.rstrip(".") or "0", self.currency, max_minor=10**15)

    def _term_value(self, t: _Term) -> int:
        qty = int(t.qty) if t.qty else 1
        return self._amount(t) * qty if t.amount else 0

    def _valid(self) -> bool:
        try:
            for t in self._terms:
                if t.qty and int(t.qty) > MAX_QUANTITY:
                    return False
                self._amount(t)
        except AmountError:
            return False
        return self.total <= self.max_minor
