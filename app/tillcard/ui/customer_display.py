"""Mirror the checkout on the customer's pole display; only changed lines are sent."""

from __future__ import annotations

from tillcard.devices.display.base import (
    CustomerDisplay,
    amount_lines,
    centred,
    charge_lines,
    idle_lines,
    pair,
    thank_you_lines,
)
from tillcard.domain.money import Currency, format_plain
from tillcard.domain.rules import Refusal, RefusalCode
from tillcard.services.flow import CheckoutFlow, Collect, Phase
from tillcard.ui.texts import tr

_LIMITS = (RefusalCode.OVER_TXN_LIMIT, RefusalCode.OVER_DAILY_AMOUNT,
           RefusalCode.OVER_DAILY_COUNT, RefusalCode.OFFLINE_LIMIT)
_CARD_STATES = (RefusalCode.UNKNOWN_CARD, RefusalCode.OFFLINE_UNKNOWN_CARD, RefusalCode.FROZEN,
                RefusalCode.LOST, RefusalCode.BLOCKED, RefusalCode.CLOSED, RefusalCode.EXPIRED,
                RefusalCode.PIN_LOCKED)


class DisplayPresenter:
    """Idle → running amount → charge and balance after → thank you, from the flow state.

    A refused sale shows the refusal, never a quote; the cash step shows the cash due and
    the change.
    """

    def __init__(self, display: CustomerDisplay, currency: Currency) -> None:
        self._display = display
        self._cur = currency
        self._last: tuple[str, str] | None = None

    def lines_for(self, flow: CheckoutFlow) -> tuple[str, str]:
        quote = flow.quote
        if flow.phase is Phase.PAID and flow.paid and flow.paid.quote:
            return thank_you_lines(flow.paid.quote.balance_after, self._cur)
        collect = flow.collect
        if collect is not None:
            return self._collect_lines(collect)
        refusal = flow.shown_refusal
        if refusal is not None:
            return self._refusal_lines(refusal)
        if flow.keypad.is_empty:
            return idle_lines()
        if quote is not None:
            return charge_lines(quote.charge, quote.balance_after, self._cur)
        return amount_lines(flow.keypad.total, self._cur)

    def update(self, flow: CheckoutFlow) -> None:
        lines = self.lines_for(flow)
        if lines != self._last:
            self._last = lines
            self._display.show(*lines)

    def _collect_lines(self, c: Collect) -> tuple[str, str]:
        upper = pair(tr("Cash due"), format_plain(c.cash_part, self._cur))
        if c.change is None and c.without_card:
            return upper, ""
        if c.change is None:
            return upper, pair(tr("On card"), format_plain(c.card_part, self._cur))
        return upper, pair(tr("Change"), format_plain(c.change, self._cur))

    def _refusal_lines(self, refusal: Refusal) -> tuple[str, str]:
        if refusal.code is RefusalCode.INSUFFICIENT:
            return (centred(tr("Balance too low")),
                    pair(tr("Short"), format_plain(refusal.numbers.get("shortfall", 0),
                                                   self._cur)))
        if refusal.code in _CARD_STATES:
            return centred(tr("Card not accepted")), centred(tr("Please see cashier"))
        if refusal.code in _LIMITS:
            return centred(tr("Over card limit")), centred(tr("Please see cashier"))
        return centred(tr("Not charged")), centred(tr("Please see cashier"))
