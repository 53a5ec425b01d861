"""The checkout screen as a state machine: keys and results in, what to show out. No Qt."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable

from tillcard.domain.keypad import Keypad
from tillcard.domain.meals import MealWindow, set_price
from tillcard.domain.money import DEFAULT_MAX_MINOR, format_plain
from tillcard.domain.quote import Quote, make_quote, sale_refusal
from tillcard.domain.rules import Refusal, RefusalCode
from tillcard.services.views import (
    CardView,
    CashSaleIntent,
    ChargeIntent,
    ChargeResult,
    Collect,
    Flash,
    Notice,
    NoticeKind,
    TopUp,
    VoidBack,
)

__all__ = ["CashSaleIntent", "ChargeIntent", "CheckoutFlow", "Collect", "Flash", "Notice",
           "NoticeKind", "Phase", "TopUp", "VoidBack"]

RECEIVED_KEYS = frozenset({*"0123456789", "00", ".", "backspace", "clear"})
REPEAT_TAP_S = 10.0  # fixed price: the same card again this soon is a bounce, not a meal


class Phase(enum.StrEnum):
    WAITING = "waiting"  # no card
    CARD = "card"  # card present, keying; nothing the quote knows stands in the way
    REFUSED = "refused"  # a refusal is shown: known from the quote, or the ledger's answer
    COLLECT = "collect"  # the cash step: a split's cash part, or a sale without a card
    BUSY = "busy"  # a charge is with the ledger
    PAID = "paid"


class CheckoutFlow:
    """Holds the keypad, the card on the reader and the last outcome; decides the next step.

    The quote shown here is advisory (from the last read of the card); the ledger decides
    again against the locked row when charging. Every refusal the quote can know (card
    state, meal times, insufficient balance, per-sale and daily limits) is shown before
    Enter, and Enter then only flashes it; a PIN need is not a refusal (the PIN is asked
    at Enter).

    An amount belongs to the card it was keyed for (an amount keyed with no card belongs
    to the next card presented). When a different card is presented while such an amount
    is keyed, the amount is cleared and a notice says so: marking it instead would leave
    one stray Enter between the cashier and a charge nobody keyed for this customer, and
    re-keying an amount costs less than a wrong charge and its void.

    Fixed price (a canteen terminal): where a set price holds for the card tapped (its
    meal window's, else the till's), the tap itself starts the charge (``card_presented``
    returns the intent) and keys cannot change the price. The same card tapped again
    within ``repeat_tap_s`` of its sale is not charged: the price is shown with a notice
    and Enter sells a second meal — a card that bounced on the reader costs nothing, a
    second meal costs one key.

    A sale without a card: an amount keyed with no card on the reader (or, at a fixed
    price till, nothing keyed: the set price), then the Cash key opens the cash step for
    the whole amount, and Enter (``enter``) records it.
    """

    def __init__(self, max_minor: int = DEFAULT_MAX_MINOR, *, fixed_price: int | None = None,
                 meal_prices: bool = False, repeat_tap_s: float = REPEAT_TAP_S,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        """``fixed_price``: the till's set price (minor units), None: amounts are keyed.

        ``meal_prices``: take the card types' meal-window prices even without a till
        price (a till with one always takes them: they take precedence in their window).
        """
        if fixed_price is not None and not 0 < fixed_price <= max_minor:
            raise ValueError(f"a set price is 1..{max_minor} minor units, got {fixed_price}")
        self.max_minor = max_minor
        self.till_price = fixed_price
        self._window_prices = meal_prices or fixed_price is not None
        self._repeat_tap_s = repeat_tap_s
        self._monotonic = monotonic
        self.keypad = Keypad(max_minor=max_minor)
        self.received = Keypad(max_minor=max_minor)  # the cash step's amount received
        self.phase = Phase.WAITING
        self.view: CardView | None = None
        self.refusal: Refusal | None = None  # the last answer from outside the quote
        self.unknown_number: str | None = None  # what was read when the card is unknown
        self.paid: ChargeResult | None = None
        self.paid_received: int | None = None  # cash taken for the last paid split sale
        self.cash_paid: Collect | None = None  # the last sale without a card, while shown
        self.voided: VoidBack | None = None
        self.topped_up: TopUp | None = None  # the recharge just made, while shown
        self.error: str | None = None
        self.notice: Notice | None = None
        self._flash: Flash | None = None
        self._amount_card: int | None = None  # the card the keyed amount is for
        self._set_amount = False  # the keypad holds a set price, not what was keyed
        self._cash_sale = False  # the cash step is a sale without a card
        self._intent_received: int | None = None
        self._intent_tap: int | None = None  # the card of a set-price charge in flight
        self._last_tap: tuple[int, float] | None = None  # card, when: last set-price sale
        self._quiet_enter = False  # after a sale or void, until something new happens
        self._card_left = False  # the card left during the cash step; forget it after

    # -- inputs -----------------------------------------------------------------------

    def card_presented(self, view: CardView) -> ChargeIntent | None:
        """A card was read; at a set price, the charge the tap starts by itself."""
        if self.phase is Phase.BUSY:
            self.view = view  # the charge in flight decides what comes next
            return None
        self._card_left = False
        if (self.phase is Phase.COLLECT and not self._cash_sale and self.view is not None
                and self.view.card.id == view.card.id):
            self.view = view  # the same card again: the cash step goes on if it still can
            if self._split_sells():
                return None
        self._fresh()
        self._cash_sale = False
        self.view = view
        self.refusal = None
        self.unknown_number = None
        self.received.clear()
        self.phase = Phase.CARD
        price = self.fixed_price
        if price is not None:
            return self._tap(view, price)
        if self._set_amount:  # a set price for another card is nobody's amount here
            self._clear_amount()
        self._drop_carried_amount()
        self._settle()
        return None

    def card_unknown(self, refusal: Refusal, number: str = "") -> None:
        if self.phase is Phase.BUSY:
            return
        self._card_left = False
        self._fresh()
        self._cash_sale = False
        self.view = None
        self.refusal = refusal
        self.unknown_number = number or None
        self.received.clear()
        if self._set_amount:
            self._clear_amount()
        self.phase = Phase.REFUSED

    def card_removed(self) -> None:
        """The card left: the panel clears; the amount, a Paid or hand-back band stay.

        In the cash step the customer often takes the card back to find the cash: the
        step goes on with the card read, and the card is forgotten when it ends. A set
        price belonged to the card and leaves with it.
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
        if self._set_amount:
            self._clear_amount()
        self._settle()

    def press(self, key: str) -> bool:
        """A keypad key; False (and a flash of the amount) when it is refused."""
        if self.phase is Phase.COLLECT:
            ok = key in RECEIVED_KEYS and self.received.press(key)
            self.notice = None
        elif self.phase is Phase.BUSY:
            ok = False
        elif self.view is not None and self.fixed_price is not None:
            ok = False
            self.notice = Notice(NoticeKind.SET_PRICE, self.fixed_price)
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
            if self._cash_sale and self._set_amount:
                self._clear_amount()
            self._cash_sale = False
            self._forget_a_card_that_left()
        else:
            self._clear_amount()
            self.refusal = None
            self.unknown_number = None
            if self.phase is Phase.PAID:
                self.phase = Phase.CARD
        self._settle()

    def cash(self) -> bool:
        """The Cash key: a card's shortfall, or a sale without a card, goes to the cash step."""
        cash_sale = self.cash_sale_amount
        if not self.can_take_cash and cash_sale is None:
            if self.phase is not Phase.COLLECT:
                self._flash = Flash.BAND
            return False
        self._fresh()
        self.received.clear()
        if cash_sale is not None:
            if self.keypad.is_empty:  # a set-price till: the set price, nothing keyed
                self._load(cash_sale)
            self._cash_sale = True
            self.refusal = None
            self.unknown_number = None
        self.phase = Phase.COLLECT
        return True

    def enter(self) -> ChargeIntent | CashSaleIntent | None:
        """The Enter key: a card's charge (``charge_intent``), or the sale without a card."""
        if self.phase is Phase.COLLECT and self._cash_sale:
            return self._cash_sale_intent()
        return self.charge_intent()

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
            return None if self._cash_sale else self._collect_intent()
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
        tap, self._intent_tap = self._intent_tap, None
        if result.ok:
            self._paid(result, self._intent_received)
            if tap is not None:
                self._last_tap = (tap, self._monotonic())
        else:
            self.refusal = result.refusal
            self.phase = Phase.CARD
            self._drop_carried_amount()  # another card may have come meanwhile
            self._settle()

    def cash_sold(self, result: ChargeResult) -> None:
        """The answer to a ``CashSaleIntent``: paid (the change is shown), or refused."""
        c = Collect(self.keypad.total, 0, 0, self._intent_received, without_card=True)
        self._cash_sale = False
        self.error = None
        self.received.clear()
        self._forget_a_card_that_left()
        if result.ok:
            self._paid(result, self._intent_received)
            self.cash_paid = c
        else:
            self.refusal = result.refusal
            self.phase = Phase.CARD
            self._settle()

    def pin_cancelled(self) -> None:
        limit = self.view.card.card_type.pin_above if self.view else None
        self.refusal = Refusal(RefusalCode.PIN_REQUIRED, {"limit": limit or 0})
        self.received.clear()
        self._intent_tap = None
        self._forget_a_card_that_left()
        self.phase = Phase.REFUSED

    def failed(self, reason: str) -> None:
        """An operation could not be carried out at all (database down, bug): nothing paid."""
        self.received.clear()
        self.refusal = None
        self._cash_sale = False
        self._intent_tap = None
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
        """A sale was voided: say what goes back to the card and across the counter."""
        if (result.view is not None and self.view is not None
                and self.view.card.id == result.view.card.id):
            self.view = result.view
        if result.refusal is not None:
            self.notice = Notice({
                RefusalCode.NOTHING_TO_VOID: NoticeKind.NOTHING_TO_VOID,
                RefusalCode.ALREADY_VOIDED: NoticeKind.ALREADY_VOIDED,
            }.get(result.refusal.code, NoticeKind.VOID_NOT_APPROVED))
            return
        if not result.ok or result.entry is None:
            return
        self.notice = None
        self.voided = VoidBack(result.entry.total_delta, result.cash_back)
        self._quiet_enter = True
        if self.phase is Phase.PAID:
            self.phase = Phase.CARD
        self._settle()

    @property
    def can_recharge(self) -> bool:
        """F6 may open the recharge: a card is shown and nothing is under way."""
        return self.view is not None and self.phase in (Phase.CARD, Phase.REFUSED,
                                                        Phase.PAID)

    def recharged(self, result: ChargeResult, received: int | None = None) -> None:
        """A recharge's answer: the new balance and the change, or why it was refused."""
        if (result.view is not None and self.view is not None
                and self.view.card.id == result.view.card.id):
            self.view = result.view
        self._fresh()
        if not result.ok or result.entry is None:
            self.refusal = result.refusal
            self._flash = Flash.BAND
        else:
            e = result.entry
            taken = e.cash_delta if received is None else received
            balance = result.view.balance if result.view is not None else 0
            self.topped_up = TopUp(e.cash_delta, e.new_grant.amount if e.new_grant else 0,
                                   balance, max(0, taken - e.cash_delta))
            self.refusal = None
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
    def fixed_mode(self) -> bool:
        """This till sells at set prices (always, or in the card types' priced windows)."""
        return self._window_prices

    @property
    def fixed_price(self) -> int | None:
        """The set price a tap of the card shown charges; with no card, the till's.

        ``None``: the amount is keyed. A meal window's own price holds in that window.
        """
        chosen = self._set_price()
        return None if chosen is None else chosen[0]

    @property
    def fixed_window(self) -> MealWindow | None:
        """The meal window whose price is the set price now, if one is (for its name)."""
        chosen = self._set_price()
        return None if chosen is None else chosen[1]

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
                                pin_verified=True, minute=v.minute)
        quote = self.quote
        assert quote is not None
        alone = sale_refusal(v.card, quote, v.spent, v.today, pin_verified=True,
                             minute=v.minute)
        if alone is None or alone.code is not RefusalCode.INSUFFICIENT:
            return alone
        return sale_refusal(v.card, quote, v.spent, v.today, split_tender=True,
                            pin_verified=True, minute=v.minute) or alone

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
    def cash_sale_amount(self) -> int | None:
        """What the Cash key would sell without a card now (no card on the reader)."""
        if self.view is not None or self.phase in (Phase.BUSY, Phase.COLLECT):
            return None
        amount = self.keypad.total or self.till_price or 0
        return amount or None

    @property
    def selling_without_card(self) -> bool:
        """The cash step is a sale without a card (Enter records it: ``enter``)."""
        return self.phase is Phase.COLLECT and self._cash_sale

    @property
    def collect(self) -> Collect | None:
        if self.phase is not Phase.COLLECT:
            return None
        received = None if self.received.is_empty else self.received.total
        if self._cash_sale:
            return Collect(self.keypad.total, 0, 0, received, without_card=True)
        quote = self.quote
        if quote is None:
            return None
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
        self.cash_paid = None
        self.topped_up = None
        self._quiet_enter = False

    def _settle(self) -> None:
        if self.phase in (Phase.BUSY, Phase.PAID, Phase.COLLECT):
            return
        if self.shown_refusal is not None:
            self.phase = Phase.REFUSED
        else:
            self.phase = Phase.CARD if self.view is not None else Phase.WAITING

    def _paid(self, result: ChargeResult, received: int | None) -> None:
        self.paid = result
        self.paid_received = received
        self.refusal = None
        self._clear_amount()
        self.voided = None
        self._quiet_enter = True
        self.phase = Phase.PAID

    def _set_price(self) -> tuple[int, MealWindow | None] | None:
        v = self.view
        chosen = set_price(v.card.card_type.meal_windows if v else (),
                           v.minute if v else None, self.till_price,
                           window_prices=self._window_prices)
        if chosen is not None and chosen[0] > self.max_minor:
            return None if self.till_price is None else (self.till_price, None)
        return chosen

    def _tap(self, view: CardView, price: int) -> ChargeIntent | None:
        """A card at a set price: charge it now, unless a refusal or a repeat stands first."""
        self._load(price)
        self._amount_card = view.card.id
        if self._last_tap is not None and self._last_tap[0] == view.card.id and (
                self._monotonic() - self._last_tap[1] < self._repeat_tap_s):
            self.notice = Notice(NoticeKind.REPEAT_TAP, price)
            self._settle()
            return None
        if self.quote_refusal is not None:
            self._flash = Flash.BAND  # a refused tap is as loud as a refused Enter
            self._settle()
            return None
        return self._start(split=False, received=None)

    def _load(self, price: int) -> None:
        """Put a set price in the keypad, where the screen and the charge read the amount."""
        self.keypad.clear()
        for ch in format_plain(price, self.keypad.currency):
            self.keypad.press(ch)
        assert self.keypad.total == price, "a set price over the keypad's maximum"
        self._set_amount = True

    def _clear_amount(self) -> None:
        self.keypad.clear()
        self._amount_card = None
        self._set_amount = False

    def _forget_a_card_that_left(self) -> None:
        if self._card_left:
            self._card_left = False
            self.view = None

    def _amount_changed(self) -> None:
        self._fresh()
        self._set_amount = False
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
            self._clear_amount()

    def _collect_intent(self) -> ChargeIntent | None:
        c = self.collect
        if c is None or not self._split_sells():
            self._flash = Flash.BAND
            return None
        received = self._received_for(c)
        if received is None:
            return None
        return self._start(split=True, received=received)

    def _cash_sale_intent(self) -> CashSaleIntent | None:
        self.notice = None
        c = self.collect
        if c is None or c.cash_part <= 0:
            self._flash = Flash.BAND
            return None
        received = self._received_for(c)
        if received is None:
            return None
        self._intent_received = received
        self.phase = Phase.BUSY
        return CashSaleIntent(c.cash_part, received)

    def _received_for(self, c: Collect) -> int | None:
        """The cash taken (nothing keyed: exactly the cash part); None when too little."""
        if c.received is not None and c.received < c.cash_part:
            self.notice = Notice(NoticeKind.RECEIVED_SHORT, c.cash_part)
            self._flash = Flash.BAND
            return None
        return c.cash_part if c.received is None else c.received

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
        self._intent_tap = view.card.id if self._set_amount else None
        self.phase = Phase.BUSY
        return ChargeIntent(view.card.id, quote.list_amount, self.keypad.expression, split,
                            above is not None and quote.card_part > above, received or 0)
