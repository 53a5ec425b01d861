"""Mirror the checkout on the customer's pole display; only changed lines are sent."""

from __future__ import annotations

from tillcard.devices.display.base import (
    CustomerDisplay,
    amount_lines,
    charge_lines,
    idle_lines,
    thank_you_lines,
)
from tillcard.domain.money import Currency
from tillcard.services.flow import CheckoutFlow, Phase


class DisplayPresenter:
    """Idle → running amount → charge and balance after → thank you, from the flow state."""

    def __init__(self, display: CustomerDisplay, currency: Currency) -> None:
        self._display = display
        self._cur = currency
        self._last: tuple[str, str] | None = None

    def lines_for(self, flow: CheckoutFlow) -> tuple[str, str]:
        quote = flow.quote
        if flow.phase is Phase.PAID and flow.paid and flow.paid.quote:
            return thank_you_lines(flow.paid.quote.balance_after, self._cur)
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
