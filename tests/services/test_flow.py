"""The checkout flow without Qt: Enter, the Cash key's cash step, carried amounts, refusals."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest

from tillcard.domain.cards import Card, CardStatus, CardType, Holder
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.quote import make_quote
from tillcard.domain.rules import DaySpend, Refusal, RefusalCode
from tillcard.domain.wallet import Wallet
from tillcard.services.flow import (
    ChargeIntent,
    CheckoutFlow,
    Flash,
    Notice,
    NoticeKind,
    Phase,
    VoidBack,
)
from tillcard.services.views import CardView, ChargeResult

TODAY = date(2026, 11, 23)
STANDARD = CardType("standard", "Standard")
STAFF = CardType("staff", "Staff", discount_bp=1_000, daily_amount_limit=8_000,
                 pin_above=5_000)
STUDENT = CardType("student", "Student", discount_bp=500, per_txn_limit=2_000,
                   daily_amount_limit=3_000)


def view(card_id: int = 1, cash: int = 5_000, ct: CardType = STANDARD,
         status: CardStatus = CardStatus.ACTIVE, spent: DaySpend | None = None) -> CardView:
    card = Card(card_id, f"88000000{card_id:02d}", f"UID{card_id}",
                Holder(card_id, f"Holder {card_id}"), ct, status)
    return CardView(card, Wallet(cash), spent or DaySpend(), TODAY)


def keys(flow: CheckoutFlow, text: str) -> None:
    for ch in text:
        assert flow.press(ch), ch


def ledger_sale(v: CardView, intent: ChargeIntent) -> ChargeResult:
    """What the ledger answers to an intent it accepts."""
    q = make_quote(intent.list_amount, v.card.card_type.discount_bp, v.wallet, v.today)
    entry = Entry(uuid.uuid4(), 1, 1, EntryKind.SALE, v.card.id, -q.allocation.cash,
                  list_amount=q.list_amount, discount=q.discount,
                  tendered_cash=q.shortfall if intent.split_tender else 0)
    after = CardView(v.card, v.wallet.after(q.allocation),
                     DaySpend(v.spent.amount + q.card_part, v.spent.count + 1), v.today)
    return ChargeResult(entry, None, after, q)


def sell(flow: CheckoutFlow) -> ChargeResult:
    intent = flow.charge_intent()
    assert intent is not None
    assert flow.view is not None
    result = ledger_sale(flow.view, intent)
    flow.charged(result)
    return result


# -- Enter ------------------------------------------------------------------------------


def test_enter_right_after_a_sale_does_nothing_until_something_new_is_keyed():
    flow = CheckoutFlow()
    flow.card_presented(view())
    keys(flow, "12.5")
    sell(flow)
    assert flow.phase is Phase.PAID
    assert flow.charge_intent() is None  # the second Enter of a double press
    assert (flow.phase, flow.take_flash(), flow.shown_refusal) == (Phase.PAID, None, None)
    flow.paid_band_over()
    assert flow.charge_intent() is None  # still nothing keyed since the sale
    assert (flow.phase, flow.take_flash(), flow.shown_refusal) == (Phase.CARD, None, None)
    keys(flow, "3")
    intent = flow.charge_intent()
    assert intent is not None
    assert intent.list_amount == 300


def test_enter_with_nothing_keyed_flashes_the_neutral_prompt():
    flow = CheckoutFlow()
    flow.card_presented(view())
    assert flow.charge_intent() is None
    assert flow.take_flash() is Flash.BAND
    assert flow.phase is Phase.CARD
    assert flow.shown_refusal is None  # a prompt, not a refusal


def test_enter_without_a_card_flashes_and_stays_waiting():
    flow = CheckoutFlow()
    keys(flow, "5")
    assert flow.charge_intent() is None
    assert flow.take_flash() is Flash.BAND
    assert flow.phase is Phase.WAITING
    assert flow.shown_refusal is None


def test_enter_while_charging_is_ignored():
    flow = CheckoutFlow()
    flow.card_presented(view())
    keys(flow, "5")
    assert flow.charge_intent() is not None
    assert flow.phase is Phase.BUSY
    assert flow.charge_intent() is None
    assert flow.take_flash() is None


# -- refusals the quote knows before Enter ---------------------------------------------


@pytest.mark.parametrize(("v", "amount", "code"), [
    (view(status=CardStatus.FROZEN), "5", RefusalCode.FROZEN),
    (view(cash=10_000, ct=STUDENT), "25", RefusalCode.OVER_TXN_LIMIT),
    (view(cash=20_000, ct=STAFF, spent=DaySpend(5_000, 2)), "40", RefusalCode.OVER_DAILY_AMOUNT),
    (view(cash=250, ct=STUDENT), "10", RefusalCode.INSUFFICIENT),
])
def test_a_refusal_the_quote_knows_is_shown_and_enter_only_flashes_it(v, amount, code):
    flow = CheckoutFlow()
    flow.card_presented(v)
    keys(flow, amount)
    refusal = flow.shown_refusal
    assert refusal is not None
    assert refusal.code is code
    assert flow.phase is Phase.REFUSED
    assert not flow.can_charge
    assert flow.charge_intent() is None
    assert flow.take_flash() is Flash.BAND
    assert flow.phase is Phase.REFUSED


def test_a_frozen_card_is_refused_before_any_amount():
    flow = CheckoutFlow()
    flow.card_presented(view(status=CardStatus.FROZEN))
    refusal = flow.shown_refusal
    assert refusal is not None
    assert refusal.code is RefusalCode.FROZEN
    assert flow.phase is Phase.REFUSED


def test_a_pin_need_is_no_refusal():
    flow = CheckoutFlow()
    flow.card_presented(view(cash=30_000, ct=STAFF))
    keys(flow, "60")  # 54.00 after the discount, above 50.00
    assert flow.shown_refusal is None
    assert flow.can_charge
    assert flow.pin_limit == 5_000
    intent = flow.charge_intent()
    assert intent is not None
    assert intent.needs_pin


def test_the_quote_refusal_follows_the_amount():
    flow = CheckoutFlow()
    flow.card_presented(view(cash=10_000, ct=STUDENT))
    keys(flow, "25")
    assert not flow.can_charge
    assert flow.press("backspace")  # 2.50
    assert flow.shown_refusal is None
    assert flow.phase is Phase.CARD
    assert flow.can_charge


def test_a_ledger_refusal_stays_until_the_amount_changes_but_allows_a_retry():
    flow = CheckoutFlow()
    v = view()
    flow.card_presented(v)
    keys(flow, "5")
    flow.charge_intent()
    flow.charged(ChargeResult(None, Refusal(RefusalCode.LINK_DOWN), v))
    refusal = flow.shown_refusal
    assert refusal is not None
    assert refusal.code is RefusalCode.LINK_DOWN
    assert flow.can_charge  # the centre may answer this time
    keys(flow, "0")
    assert flow.shown_refusal is None


# -- the Cash key and the cash step ------------------------------------------------------


def insufficient() -> CheckoutFlow:
    flow = CheckoutFlow()
    flow.card_presented(view(cash=250, ct=STUDENT))  # 5 % off
    keys(flow, "10")  # 9.50 due, 2.50 on the card, 7.00 short
    return flow


def test_enter_after_insufficient_never_sells_a_split():
    flow = insufficient()
    assert flow.charge_intent() is None
    assert flow.charge_intent() is None
    assert flow.phase is Phase.REFUSED
    assert flow.can_take_cash


def test_cash_key_collects_the_cash_part_and_shows_the_change():
    flow = insufficient()
    assert flow.cash()
    assert flow.phase is Phase.COLLECT
    c = flow.collect
    assert c is not None
    assert (c.cash_part, c.card_part, c.balance_after, c.received) == (700, 250, 0, None)
    keys(flow, "10")  # the customer hands over 10.00
    c = flow.collect
    assert c is not None
    assert (c.received, c.change) == (1_000, 300)
    assert flow.keypad.total == 1_000  # the sale's amount did not move
    intent = flow.charge_intent()
    assert intent is not None
    assert (intent.split_tender, intent.cash_received, intent.list_amount) == (True, 1_000, 1_000)
    assert flow.view is not None
    flow.charged(ledger_sale(flow.view, intent))
    assert flow.phase is Phase.PAID
    assert flow.paid_received == 1_000


def test_nothing_keyed_in_the_cash_step_is_the_exact_amount():
    flow = insufficient()
    flow.cash()
    intent = flow.charge_intent()
    assert intent is not None
    assert (intent.split_tender, intent.cash_received) == (True, 700)


def test_too_little_cash_received_is_not_charged():
    flow = insufficient()
    flow.cash()
    keys(flow, "5")
    assert flow.charge_intent() is None
    assert flow.notice == Notice(NoticeKind.RECEIVED_SHORT, 700)
    assert flow.take_flash() is Flash.BAND
    assert flow.phase is Phase.COLLECT
    assert flow.press("backspace")
    assert flow.notice is None


def test_esc_leaves_the_cash_step_without_charging():
    flow = insufficient()
    flow.cash()
    keys(flow, "20")
    flow.clear()
    assert flow.phase is Phase.REFUSED
    assert flow.keypad.total == 1_000  # the amount stays; a second Esc clears it
    assert flow.received.is_empty
    flow.clear()
    assert flow.keypad.is_empty


def test_the_cash_step_takes_digits_only():
    flow = insufficient()
    flow.cash()
    assert not flow.press("+")
    assert flow.take_flash() is Flash.AMOUNT


def test_no_cash_step_when_the_card_covers_the_sale_or_a_limit_stops_the_split():
    flow = CheckoutFlow()
    flow.card_presented(view(cash=5_000))
    keys(flow, "10")
    assert not flow.can_take_cash
    assert not flow.cash()
    assert flow.take_flash() is Flash.BAND
    assert flow.phase is Phase.CARD
    flow.clear()
    flow.card_presented(view(card_id=2, cash=2_500, ct=STUDENT))
    keys(flow, "30")  # short, and even its 25.00 card part is over the 20.00 per-sale limit
    refusal = flow.shown_refusal
    assert refusal is not None
    assert refusal.code is RefusalCode.OVER_TXN_LIMIT
    assert not flow.can_take_cash


def test_a_new_card_ends_the_cash_step():
    flow = insufficient()
    flow.cash()
    flow.card_presented(view(card_id=2))
    assert flow.phase is Phase.CARD
    assert flow.collect is None


def test_the_cash_step_outlives_the_card_leaving_then_forgets_the_card():
    flow = insufficient()
    flow.cash()
    flow.card_removed()  # the customer takes the card back to find the cash
    assert flow.phase is Phase.COLLECT
    keys(flow, "10")
    intent = flow.charge_intent()
    assert intent is not None
    assert intent.cash_received == 1_000
    assert flow.view is not None
    flow.charged(ledger_sale(flow.view, intent))
    assert flow.phase is Phase.PAID
    assert flow.view is None  # the next amount cannot go on a card that left


def test_esc_after_the_card_left_in_the_cash_step_forgets_the_card():
    flow = insufficient()
    flow.cash()
    flow.card_removed()
    flow.clear()
    assert flow.view is None
    assert flow.phase is Phase.WAITING


def test_the_same_card_again_keeps_the_cash_step():
    flow = insufficient()
    flow.cash()
    keys(flow, "20")
    flow.card_removed()
    flow.card_presented(view(cash=250, ct=STUDENT))
    assert flow.phase is Phase.COLLECT
    c = flow.collect
    assert c is not None
    assert c.change == 1_300


# -- an amount carried from another card ----------------------------------------------------


def test_an_amount_keyed_for_the_last_card_is_cleared_when_another_comes():
    flow = CheckoutFlow()
    flow.card_presented(view(card_id=1))
    keys(flow, "8")
    flow.card_removed()
    assert flow.keypad.total == 800  # the amount stays while no card is shown
    flow.card_presented(view(card_id=2))
    assert flow.keypad.is_empty
    assert flow.notice == Notice(NoticeKind.AMOUNT_CLEARED, 800)
    keys(flow, "8")
    assert flow.keypad.total == 800  # not 88.00
    assert flow.notice is None


def test_an_amount_keyed_before_any_card_belongs_to_the_next_card():
    flow = CheckoutFlow()
    keys(flow, "5")
    flow.card_presented(view(card_id=1))
    assert flow.keypad.total == 500
    assert flow.notice is None
    flow.card_removed()
    flow.card_presented(view(card_id=1))  # the same card again: still its amount
    assert flow.keypad.total == 500
    flow.card_presented(view(card_id=2))  # but not the next customer's
    assert flow.keypad.is_empty


def test_a_card_swapped_while_charging_does_not_inherit_a_refused_amount():
    flow = CheckoutFlow()
    first = view(card_id=1)
    flow.card_presented(first)
    keys(flow, "5")
    flow.charge_intent()
    flow.card_presented(view(card_id=2))
    assert flow.phase is Phase.BUSY
    flow.charged(ChargeResult(None, Refusal(RefusalCode.LINK_DOWN), first))
    assert flow.keypad.is_empty
    assert flow.view is not None
    assert flow.view.card.id == 2


# -- keys ------------------------------------------------------------------------------------


def test_a_refused_key_flashes_the_amount():
    flow = CheckoutFlow(max_minor=100_000)
    flow.card_presented(view())
    keys(flow, "120")
    assert not flow.press("0")  # 1,200.00 is over the maximum
    assert flow.keypad.total == 12_000
    assert flow.take_flash() is Flash.AMOUNT
    assert flow.take_flash() is None  # once
    assert flow.max_minor == 100_000


# -- unknown cards, voids, reprints ---------------------------------------------------------


def test_an_unknown_card_keeps_its_number_until_cleared():
    flow = CheckoutFlow()
    flow.card_unknown(Refusal(RefusalCode.UNKNOWN_CARD), "12345678")
    assert flow.phase is Phase.REFUSED
    assert flow.unknown_number == "12345678"
    keys(flow, "5")
    refusal = flow.shown_refusal
    assert refusal is not None
    assert refusal.code is RefusalCode.UNKNOWN_CARD
    flow.clear()
    assert flow.shown_refusal is None
    assert flow.unknown_number is None
    assert flow.phase is Phase.WAITING


def test_a_void_says_what_goes_back_and_enter_leaves_it_shown():
    flow = insufficient()
    flow.cash()
    sale = ledger_sale(flow.view, flow.charge_intent())  # type: ignore[arg-type]
    flow.charged(sale)
    assert sale.entry is not None
    void = Entry(uuid.uuid4(), 1, 2, EntryKind.VOID, 1, 250, tendered_cash=700,
                 refers_to=sale.entry.id)
    flow.voided_sale(ChargeResult(void, None, view(cash=250, ct=STUDENT), cash_back=700))
    assert flow.voided == VoidBack(to_card=250, cash=700)
    assert flow.phase is Phase.CARD  # the Paid band gives way to the hand-back band
    assert flow.charge_intent() is None
    assert flow.voided is not None
    assert flow.take_flash() is None
    keys(flow, "1")  # the next sale begins
    assert flow.voided is None


def test_card_removed_keeps_the_paid_band():
    flow = CheckoutFlow()
    flow.card_presented(view())
    keys(flow, "5")
    sell(flow)
    flow.card_removed()
    assert flow.phase is Phase.PAID
    flow.paid_band_over()
    assert flow.phase is Phase.WAITING


def test_reprint_feedback():
    flow = CheckoutFlow()
    flow.reprint_done(False)
    assert flow.notice == Notice(NoticeKind.NOTHING_TO_REPRINT)
    flow.reprint_done(True)
    assert flow.notice == Notice(NoticeKind.REPRINTING)


def test_a_cancelled_pin_is_shown_and_charge_can_be_tried_again():
    flow = CheckoutFlow()
    flow.card_presented(view(cash=30_000, ct=STAFF))
    keys(flow, "60")
    flow.charge_intent()
    flow.pin_cancelled()
    assert flow.shown_refusal == Refusal(RefusalCode.PIN_REQUIRED, {"limit": 5_000})
    assert flow.can_charge
    assert flow.charge_intent() is not None


def test_the_view_from_the_ledger_replaces_the_read_of_the_same_card_only():
    flow = CheckoutFlow()
    v = view()
    flow.card_presented(v)
    keys(flow, "5")
    flow.charge_intent()
    flow.charged(ChargeResult(None, Refusal(RefusalCode.LINK_DOWN),
                              replace(v, wallet=Wallet(100))))
    assert flow.view is not None
    assert flow.view.wallet.cash == 100
    refusal = flow.shown_refusal  # the ledger's answer is shown before the quote's
    assert refusal is not None
    assert refusal.code is RefusalCode.LINK_DOWN
