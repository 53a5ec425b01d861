"""The checkout screen as a state machine: keys and results in, what to show out. No Qt."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tillcard.domain.keypad import Keypad
from tillcard.domain.money import DEFAULT_MAX_MINOR
from tillcard.domain.quote import Quote, make_quote, sale_refusal
from tillcard.domain.rules import Refusal, RefusalCode
from tillcard.services.views import CardView, ChargeResult

RECEIVED_KEYS = frozenset({*"0123456789", "00", ".", "backspace", "clear"})


class Phase(enum.StrEnum):
    WAITING = "waiting"  # no card
    CARD = "card"  # card present, keying; nothing the quote knows stands in the way
    REFUSED = "refused"  # a refusal is shown: known from the quote, or the ledger's answer
    COLLECT = "collect"  # split tender: the cashier collects the cash part
    BUSY = "busy"  # a charge is with the ledger
    PAID = "paid"


class Flash(enum.StrEnum):
    """What the front-end should flash (and beep for) after the last input."""

    AMOUNT = "amount"  # a refused key: the amount, with its maximum
    BAND = "band"  # a refused Enter or Cash key: the reason shown


class NoticeKind(enum.StrEnum):
    AMOUNT_CLEARED = "amount_cleared"  # an amount keyed for another card was dropped
    REPRINTING = "reprinting"
    NOTHING_TO_REPRINT = "nothing_to_reprint"
    RECEIVED_SHORT = "received_short"  # the cash keyed as received is less than due
    NOTHING_TO_VOID = "nothing_to_void"  # no sale of this shift left to void
    VOID_NOT_APPROVED = "void_not_approved"  # a later void, and no manager approved it


@dataclass(frozen=True)
class Notice:
    """A neutral one-line message about the cashier's last action; gone at the next one."""

    kind: NoticeKind
    amount: int = 0


@dataclass(frozen=True)
class ChargeIntent:
    """What the front-end should ask the checkout service to do."""

    card_id: int
    list_amount: int
    expression: str
    split_tender: bool
    needs_pin: bool
    cash_received: int = 0  # split tender: the cash the cashier took (≥ the cash part)


@dataclass(frozen=True)
class Collect:
    """The cash step of a split sale: what the card pays, what to collect, the change."""

    cash_part: int
    card_part: int
    balance_after: int
    received: int | None  # None: nothing keyed, the exact cash part is taken

    @property
    def change(self) -> int | None:
        """Change to hand over; ``None`` while nothing or too little is keyed."""
        if self.received is None or self.received < self.cash_part:
            return None
        return self.received - self.cash_part


@dataclass(frozen=True)
class VoidBack:
    """What a void gave back: to the card's purses, and in cash across the counter."""

    to_card: int
    cash: int


class CheckoutFlow:
    """Holds the keypad, the card on the reader and the last outcome; decides the next step.

    The quote shown here is advisory (from the last read of the card); the ledger decides
    again against the locked row when charging. Every refusal the quote can know (card
    state, insufficient balance, per-sale and daily limits) is shown before Enter, and
    Enter then only flashes it; a PIN need is not a refusal (the PIN is asked at Enter).

    An amount belongs to the card it was keyed for (an amount keyed with no card belongs
    to the next card presented). When a different card is presented while such an amount
    is keyed, the amount is cleared and a notice says so: marking it instead would leave
    one stray Enter between the cashier and a charge nobody keyed for this customer, and
    re-keying an amount costs less than a wrong charge and its void.
    """

    def __init__(self, max_minor: int = DEFAULT_MAX_MINOR) -> None:
        self.max_minor = max_minor
        self.keypad = Keypad(max_minor=max_minor)
        self.received = Keypad(max_minor=max_minor)  # the cash step's amount received
        self.phase = Phase.WAITING
        self.view: CardView | None = None
        self.refusal: Refusal | None = None  # the last answer from outside the quote
        self.unknown_number: str | None = None  # what was read when the card is unknown
        self.paid: ChargeResult | None = None
        self.paid_received: int | None = None  # cash taken for the last paid split sale
        self.voided: VoidBack | None = None
        self.error: str | None = None
        self.notice: Notice | None = None
        self._flash: Flash | None = None
        self._amount_card: int | None = None  # the card the keyed amount is for
        self._intent_received: int | None = None
        self._quiet_enter = False  # after a sale or void, until something new happens
        self._card_left = False  # the card left during the cash step; forget it after

    # -- inputs -----------------------------------------------------------------------

    def card_presented(self, view: CardView) -> None:
        if self.phase is Phase.BUSY:
            self.view = view  # the charge in flight decides what comes next
            return
        self._card_left = False
        if (self.phase is Phase.COLLECT and self.view is not None
                and self.view.card.id == view.card.id):
            self.view = view  # the same card again: the cash step goes on if it still can
            if self._split_sells():
                return
        self._fresh()
        self.view = view
        self.refusal = None
        self.unknown_number = None
        self.received.clear()
        self.phase = Phase.CARD
        self._drop_carried_amount()
        self._settle()

    def card_unknown(self, refusal: Refusal, number: str = "") -> None:
        if self.phase is Phase.BUSY:
            return
        self._card_left = False
        self._fresh()
        self.view = None
        self.refusal = refusal
        self.unknown_number = number or None
        self.received.clear()
        self.phase = Phase.REFUSED

    def card_removed(self) -> None:
        """The card left: the panel clears; the amount, a Paid or hand-back band stay.

        In the cash step the customer often takes the card back to find the cash: the
        step goes on with the card read, and the card is forgotten when it ends.
        """
        if self.phase is Phase.COLLECT:
            self._card_left = True
            return
        self.view = None
        if self.phase is Phase.BUSY:
            return
        self.refusal = None
        self.unknown_number = None
        self.received.clear()
        self._settle()

    def press(self, key: str) -> bool:
        """A keypad key; False (and a flash of the amount) when it is refused."""
        if self.phase is Phase.COLLECT:
            ok = key in RECEIVED_KEYS and self.received.press(key)
            self.notice = None
        elif self.phase is Phase.BUSY:
            ok = False
        else:
            ok = self.keypad.press(key)
            if ok:
                self._amount_changed()
        if not ok:
            self._flash = Flash.AMOUNT
        return ok

    def clear(self) -> None:
        """Esc: leave the cash step; else clear the amount and what was shown about it."""
        if self.phase is Phase.BUSY:
            return
        self._fresh()
        self.received.clear()
        if self.phase is Phase.COLLECT:
            self.phase = Phase.CARD
            self._forget_a_card_that_left()
        else:
            self.keypad.clear()
            self._amount_card = None
            self.refusal = None
            self.unknown_number = None
            if self.phase is Phase.PAID:
                self.phase = Phase.CARD
        self._settle()

    def cash(self) -> bool:
        """The Cash key: an insufficient quote becomes a split; the cash step opens."""
        if not self.can_take_cash:
            if self.phase is not Phase.COLLECT:
                self._flash = Flash.BAND
            return False
        self._fresh()
        self.received.clear()
        self.phase = Phase.COLLECT
        return True

    def charge_intent(self) -> ChargeIntent | None:
        """The charge Enter should start, or ``None`` (and a flash of the reason shown).

        Enter does nothing at all while the Paid band shows, and after a sale or a void
        until something new is keyed or presented: a double Enter is never a second sale
        nor a red prompt.
        """
        if self.phase in (Phase.BUSY, Phase.PAID):
            return None
        self.notice = None
        if self.phase is Phase.COLLECT:
            return self._collect_intent()
        if self.keypad.total == 0:
            if not self._quiet_enter:
                self._flash = Flash.BAND
            return None
        if self.view is None or self.quote_refusal is not None:
            self._flash = Flash.BAND
            return None
        return self._start(split=False, received=None)

    def charged(self, result: ChargeResult) -> None:
        """The ledger's answer to the intent started last."""
        if (result.view is not None and self.view is not None
                and self.view.card.id == result.view.card.id):
            self.view = result.view
        self.error = None
        self.received.clear()
        self._forget_a_card_that_left()
        if result.ok:
            self.paid = result
            self.paid_received = self._intent_received
            self.refusal = None
            self.keypad.clear()
            self._amount_card = None
            self.voided = None
            self._quiet_enter = True
            self.phase = Phase.PAID
        else:
            self.refusal = result.refusal
            self.phase = Phase.CARD
            self._drop_carried_amount()  # another card may have come meanwhile
            self._settle()

    def pin_cancelled(self) -> None:
        limit = self.view.card.card_type.pin_above if self.view else None
        self.refusal = Refusal(RefusalCode.PIN_REQUIRED, {"limit": limit or 0})
        self.received.clear()
        self._forget_a_card_that_left()
        self.phase = Phase.REFUSED

    def failed(self, reason: str) -> None:
        """An operation could not be carried out at all (database down, bug): nothing paid."""
        self.received.clear()
        self.refusal = None
        self._forget_a_card_that_left()
        if self.phase is not Phase.PAID:
            self.phase = Phase.CARD
            self._settle()
        self.error = reason

    def paid_band_over(self) -> None:
        if self.phase is Phase.PAID:
            self.phase = Phase.CARD
            self._settle()

    def voided_sale(self, result: ChargeResult) -> None:
        """The last sale was voided: say what goes back to the card and across the counter."""
        if (result.view is not None and self.view is not None
                and self.view.card.id == result.view.card.id):
            self.view = result.view
        if result.refusal is not None:
            self.notice = Notice(NoticeKind.NOTHING_TO_VOID
                                 if result.refusal.code is RefusalCode.NOTHING_TO_VOID
                                 else NoticeKind.VOID_NOT_APPROVED)
            return
        if not result.ok or result.entry is None:
            return
        self.notice = None
        self.voided = VoidBack(result.entry.total_delta, result.cash_back)
        self._quiet_enter = True
        if self.phase is Phase.PAID:
            self.phase = Phase.CARD
        self._settle()

    def reprint_done(self, queued: bool) -> None:
        self.notice = Notice(NoticeKind.REPRINTING if queued else NoticeKind.NOTHING_TO_REPRINT)

    def take_flash(self) -> Flash | None:
        """What to flash for the last input, once."""
        flash, self._flash = self._flash, None
        return flash

    # -- derived ----------------------------------------------------------------------

    @property
    def quote(self) -> Quote | None:
        if self.view is None:
            return None
        v = self.view
        return make_quote(self.keypad.total, v.card.card_type.discount_bp, v.wallet, v.today)

    @property
    def quote_refusal(self) -> Refusal | None:
        """The refusal Enter would meet, as far as the last read of the card tells.

        Insufficient balance is returned only when a split (the Cash key) could sell it;
        when even the card's part cannot go (a limit), that refusal is returned instead.
        With nothing keyed, only what refuses any amount (card state, a day used up).
        """
        v = self.view
        if v is None:
            return None
        if self.keypad.total == 0:
            probe = make_quote(1, 0, v.wallet, v.today)
            return sale_refusal(v.card, probe, v.spent, v.today, split_tender=True,
                                pin_verified=True)
        quote = self.quote
        assert quote is not None
        alone = sale_refusal(v.card, quote, v.spent, v.today, pin_verified=True)
        if alone is None or alone.code is not RefusalCode.INSUFFICIENT:
            return alone
        return sale_refusal(v.card, quote, v.spent, v.today, split_tender=True,
                            pin_verified=True) or alone

    @property
    def shown_refusal(self) -> Refusal | None:
        if self.phase in (Phase.BUSY, Phase.PAID, Phase.COLLECT):
            return None
        return self.refusal or self.quote_refusal

    @property
    def can_charge(self) -> bool:
        """Enter can start a charge now (the CHARGE button is enabled)."""
        if self.phase is Phase.COLLECT:
            return True
        return (self.phase in (Phase.CARD, Phase.REFUSED) and self.view is not None
                and self.keypad.total > 0 and self.quote_refusal is None)

    @property
    def can_take_cash(self) -> bool:
        """The Cash key can open the cash step: the card is short, and a split can sell."""
        return self.phase in (Phase.CARD, Phase.REFUSED) and self._split_sells()

    @property
    def collect(self) -> Collect | None:
        quote = self.quote
        if self.phase is not Phase.COLLECT or quote is None:
            return None
        received = None if self.received.is_empty else self.received.total
        return Collect(quote.shortfall, quote.card_part, quote.balance_after, received)

    @property
    def pin_limit(self) -> int | None:
        """The card type's PIN threshold when this sale's card part is above it."""
        quote = self.quote
        if self.view is None or quote is None:
            return None
        above = self.view.card.card_type.pin_above
        return above if above is not None and quote.card_part > above else None

    # -- internals --------------------------------------------------------------------

    def _fresh(self) -> None:
        """Something new happened: transient messages and outcomes of the past go."""
        self.notice = None
        self.voided = None
        self.error = None
        self._quiet_enter = False

    def _settle(self) -> None:
        if self.phase in (Phase.BUSY, Phase.PAID, Phase.COLLECT):
            return
        if self.shown_refusal is not None:
            self.phase = Phase.REFUSED
        else:
            self.phase = Phase.CARD if self.view is not None else Phase.WAITING

    def _forget_a_card_that_left(self) -> None:
        if self._card_left:
            self._card_left = False
            self.view = None

    def _amount_changed(self) -> None:
        self._fresh()
        if self.keypad.is_empty:
            self._amount_card = None
        elif self._amount_card is None and self.view is not None:
            self._amount_card = self.view.card.id
        if self.view is not None:
            self.refusal = None  # an answer about another amount
        if self.phase is Phase.PAID:
            self.phase = Phase.CARD
        self._settle()

    def _drop_carried_amount(self) -> None:
        """Clear an amount keyed for another card (see the class docstring)."""
        if self.view is None or self.keypad.is_empty:
            return
        if self._amount_card is None:
            self._amount_card = self.view.card.id  # keyed before any card: it is this one's
        elif self._amount_card != self.view.card.id:
            self.notice = Notice(NoticeKind.AMOUNT_CLEARED, self.keypad.total)
            self.keypad.clear()
            self._amount_card = None

    def _collect_intent(self) -> ChargeIntent | None:
        c = self.collect
        if c is None or not self._split_sells():
            self._flash = Flash.BAND
            return None
        if c.received is not None and c.received < c.cash_part:
            self.notice = Notice(NoticeKind.RECEIVED_SHORT, c.cash_part)
            self._flash = Flash.BAND
            return None
        return self._start(split=True, received=c.cash_part if c.received is None
                           else c.received)

    def _split_sells(self) -> bool:
        """The card alone is short, and card plus cash would go through."""
        if self.keypad.total == 0:
            return False
        refusal = self.quote_refusal
        return refusal is not None and refusal.code is RefusalCode.INSUFFICIENT

    def _start(self, *, split: bool, received: int | None) -> ChargeIntent:
        view, quote = self.view, self.quote
        assert view is not None
        assert quote is not None
        above = view.card.card_type.pin_above
        self._intent_received = received
        self.phase = Phase.BUSY
        return ChargeIntent(view.card.id, quote.list_amount, self.keypad.expression, split,
                            above is not None and quote.card_part > above, received or 0)
