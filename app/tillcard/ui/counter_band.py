"""What the counter's band says: one state and one line of words for each moment of a sale.

The state names the band's colour (see theme); the words say the same thing, so the band
is never told by colour alone.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from tillcard.domain.money import Currency, format_number
from tillcard.domain.rules import RefusalCode
from tillcard.services.flow import CheckoutFlow, Phase
from tillcard.services.views import LastSale
from tillcard.ui.texts import (
    cash_sale_paid_text,
    paid_text,
    recharged_text,
    refusal_text,
    set_price_text,
    tr,
    void_armed_text,
    voided_text,
)

KEYS = {
    **{getattr(Qt.Key, f"Key_{d}"): str(d) for d in range(10)},
    Qt.Key.Key_Period: ".", Qt.Key.Key_Comma: ".", Qt.Key.Key_Plus: "+",
    Qt.Key.Key_Asterisk: "×", Qt.Key.Key_X: "×", Qt.Key.Key_Backspace: "backspace",
}
CASH_KEYS = (Qt.Key.Key_F4, Qt.Key.Key_Minus)  # Minus: the numpad's, or the main one


def key_hints() -> str:
    return tr("F4 or − cash · F8 reprint · F9 void last")


def band_for(f: CheckoutFlow, cur: Currency, *, last: LastSale | None, void_armed: bool,
             shift_open: bool | None, card_problem: bool) -> tuple[str, str]:
    """The band's state and words: the first of these that applies wins.

    An error, a void waiting for its second F9, a charge under way, no shift, the cash
    step, paid, voided, refused, an unreadable card, waiting for a card, keying.
    """
    if f.error:
        return "error", tr("Not charged: {reason}").format(reason=f.error)
    if void_armed and last:
        return "busy", void_armed_text(last, cur)
    if f.phase is Phase.BUSY:
        return "busy", tr("Charging…")
    if shift_open is False and f.phase is not Phase.PAID:
        return "waiting", tr("No shift open — F11 to count the float and open one")
    collect = f.collect
    if collect is not None:
        return "collect", tr("COLLECT {amount} in cash — key the cash received, Enter "
                             "to confirm, Esc to go back").format(
            amount=format_number(collect.cash_part, cur))
    if f.phase is Phase.PAID and f.cash_paid:
        return "paid", cash_sale_paid_text(f.cash_paid.cash_part, f.cash_paid.received, cur)
    if f.phase is Phase.PAID and f.paid and f.paid.quote:
        return "paid", paid_text(f.paid, f.paid_received, cur)
    if f.voided is not None:
        return "voided", voided_text(f.voided, cur)
    if f.topped_up is not None:
        return "paid", recharged_text(f.topped_up, cur)
    return _refused_or_waiting(f, cur, card_problem)


def _refused_or_waiting(f: CheckoutFlow, cur: Currency, card_problem: bool
                        ) -> tuple[str, str]:
    refusal = f.shown_refusal
    if refusal is not None:
        reason = f.view.card.status_reason if f.view is not None else ""
        text = refusal_text(refusal, cur, f.unknown_number, reason)
        if refusal.code is RefusalCode.INSUFFICIENT and f.can_take_cash and f.quote:
            text += "  " + tr("— Cash (F4): take {amount} in cash").format(
                amount=format_number(f.quote.shortfall, cur))
        return "refused", text
    if f.view is None and card_problem:
        return "refused", tr("Card not readable — tap it again, or F3 to type its number")
    if f.view is None and f.fixed_price is not None:
        window = f.fixed_window
        return "waiting", set_price_text(f.fixed_price, window.name if window else "", cur)
    if f.view is None:
        return "waiting", tr("Waiting for a card")
    return "card", tr("Key the amount, Enter to charge")
