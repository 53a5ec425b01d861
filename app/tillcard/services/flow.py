"""The checkout screen as a state machine: keys and results in, what to show out. No Qt."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tillcard.domain.keypad import Keypad
from tillcard.domain.money import DEFAULT_MAX_MINOR
from tillcard.domain.quote import Quote, make_quote, sale_refusal
from tillcard.domain.rules import Refusal, RefusalCode
from tillcard.services.views import CardView, ChargeResult


class Phase(enum.StrEnum):
    WAITING = "waiting"  # no card
    CARD = "card"  # card present, keying
    BUSY = "busy"  # a charge is with the ledger
    REFUSED = "refused"
    PAID = "paid"


@dataclass(frozen=True)
class ChargeIntent:
    """What the front-end should ask the checkout service to do."""

    card_id: int
    list_amount: int
    expression: str
    split_tender: bool
    needs_pin: bool


class CheckoutFlow:
    """Holds the keypad, the card on the reader and the last outcome; decides the next step.

    The quote shown here is advisory (from the last read of the card); the ledger decides
    again against the locked row when charging.
    """

    def __init__(self, max_minor: int = DEFAULT_MAX_MINOR) -> None:
        self.keypad = Keypad(max_minor=max_minor)
        self.phase = Phase.WAITING
        self.view: CardView | None = None
        self.refusal: Refusal | None = None
        self.paid: ChargeResult | None = None
        self.split_offered = False
        self.error: str | None = None

    # -- inputs -----------------------------------------------------------------------

    def card_presented(self, view: CardView) -> None:
        self.view = view
        self.refusal = None
        self.split_offered = False
        self.phase = Phase.CARD
        state = sale_refusal(view.card, make_quote(1, 0, view.wallet, view.today), view.spent,
                             view.today, split_tender=True, pin_verified=True)
        if state and state.code not in (RefusalCode.OVER_DAILY_AMOUNT,
                                        RefusalCode.OVER_TXN_LIMIT):
            self._refuse(state)

    def card_unknown(self, refusal: Refusal) -> None:
        self.view = None
        self._refuse(refusal)

    def card_removed(self) -> None:
        self.view = None
        self.split_offered = False
        if self.phase is not Phase.BUSY:
            self.phase = Phase.WAITING
            self.refusal = None

    def press(self, key: str) -> bool:
        if self.phase is Phase.BUSY:
            return False
        ok = self.keypad.press(key)
        if ok:
            self._back_to_keying()
        return ok

    def clear(self) -> None:
        if self.phase is Phase.BUSY:
            return
        self.keypad.clear()
        self._back_to_keying()

    def charge_intent(self) -> ChargeIntent | None:
        """The charge Enter should start, or ``None`` (the reason is left in ``refusal``)."""
        if self.phase is Phase.BUSY or self.view is None:
            if self.view is None and self.phase is not Phase.BUSY:
                self.refusal = self.refusal or Refusal(RefusalCode.UNKNOWN_CARD)
            return None
        quote = self.quote
        if quote is None or quote.list_amount == 0:
            self._refuse(Refusal(RefusalCode.NOTHING_TO_CHARGE))
            return None
        split = self.split_offered and quote.shortfall > 0
        refusal = sale_refusal(self.view.card, quote, self.view.spent, self.view.today,
                               split_tender=split, pin_verified=True)
        if refusal:
            self._refuse(refusal)
            return None
        ct = self.view.card.card_type
        needs_pin = ct.pin_above is not None and quote.card_part > ct.pin_above
        self.phase = Phase.BUSY
        return ChargeIntent(self.view.card.id, quote.list_amount, self.keypad.expression,
                            split, needs_pin)

    def charged(self, result: ChargeResult) -> None:
        """The ledger's answer to the intent started last."""
        if result.view is not None and (self.view is None
                                        or self.view.card.id == result.view.card.id):
            self.view = result.view
        self.error = None
        if result.ok:
            self.paid = result
            self.refusal = None
            self.split_offered = False
            self.keypad.clear()
            self.phase = Phase.PAID
        else:
            assert result.refusal is not None
            self._refuse(result.refusal)

    def pin_cancelled(self) -> None:
        limit = self.view.card.card_type.pin_above if self.view else None
        self._refuse(Refusal(RefusalCode.PIN_REQUIRED, {"limit": limit or 0}))

    def failed(self, reason: str) -> None:
        """The charge could not be carried out at all (database down, bug): nothing paid."""
        self.phase = Phase.REFUSED if self.view else Phase.WAITING
        self.refusal = None
        self.error = reason

    # -- derived ----------------------------------------------------------------------

    @property
    def quote(self) -> Quote | None:
        if self.view is None:
            return None
        v = self.view
        return make_quote(self.keypad.total, v.card.card_type.discount_bp, v.wallet, v.today)

    # -- internals --------------------------------------------------------------------

    def _refuse(self, refusal: Refusal) -> None:
        self.error = None
        self.refusal = refusal
        self.phase = Phase.REFUSED
        self.split_offered = refusal.code is RefusalCode.INSUFFICIENT

    def _back_to_keying(self) -> None:
        if self.phase in (Phase.REFUSED, Phase.PAID):
            blocking = self.refusal and self.refusal.code not in (
                RefusalCode.INSUFFICIENT, RefusalCode.NOTHING_TO_CHARGE,
                RefusalCode.OVER_TXN_LIMIT, RefusalCode.OVER_DAILY_AMOUNT,
                RefusalCode.WRONG_PIN)
            if not blocking:
                self.refusal = None
                self.split_offered = False
                self.phase = Phase.CARD if self.view else Phase.WAITING
