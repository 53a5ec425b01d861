"""Fixed-price mode: a tap charges the set price with no Enter, with every refusal kept."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.conftest import NOW, Books
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.domain.cards import Card, CardStatus, CardType, Holder
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.meals import MealWindow
from tillcard.domain.quote import make_quote
from tillcard.domain.rules import DaySpend, RefusalCode
from tillcard.domain.wallet import Wallet
from tillcard.services.auth import Role, SecretHasher, Session
from tillcard.services.checkout import CheckoutService
from tillcard.services.flow import (
    ChargeIntent,
    CheckoutFlow,
    Flash,
    NoticeKind,
    Phase,
)
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.views import CardView, ChargeResult, TillInfo

TODAY = date(2026, 11, 23)
NOON, THREE_PM, NINE_AM = 12 * 60, 15 * 60, 9 * 60
LUNCH = MealWindow("Lunch", 11 * 60, 14 * 60, fixed_price=1_000)
STANDARD = CardType("standard", "Standard")
CANTEEN = CardType("canteen", "Canteen", meal_windows=(LUNCH,))
TILL_PRICE = 1_200


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


def view(card_id: int = 1, cash: int = 5_000, ct: CardType = STANDARD,
         status: CardStatus = CardStatus.ACTIVE, spent: DaySpend | None = None,
         minute: int | None = NOON) -> CardView:
    card = Card(card_id, f"88000000{card_id:02d}", f"UID{card_id}",
                Holder(card_id, f"Holder {card_id}"), ct, status)
    return CardView(card, Wallet(cash), spent or DaySpend(), TODAY, minute)


def answer(v: CardView, intent: ChargeIntent) -> ChargeResult:
    """What the ledger answers to an intent it accepts."""
    q = make_quote(intent.list_amount, v.card.card_type.discount_bp, v.wallet, v.today)
    entry = Entry(uuid.uuid4(), 1, 1, EntryKind.SALE, v.card.id, -q.allocation.cash,
                  list_amount=q.list_amount, discount=q.discount,
                  tendered_cash=q.shortfall if intent.split_tender else 0)
    after = CardView(v.card, v.wallet.after(q.allocation),
                     DaySpend(v.spent.amount + q.card_part, v.spent.count + 1), v.today,
                     v.minute)
    return ChargeResult(entry, None, after, q)


def fixed(ticks: Ticks | None = None) -> CheckoutFlow:
    return CheckoutFlow(100_000, fixed_price=TILL_PRICE, monotonic=ticks or Ticks())


def tap_and_pay(flow: CheckoutFlow, v: CardView) -> ChargeResult:
    intent = flow.card_presented(v)
    assert intent is not None
    result = answer(v, intent)
    flow.charged(result)
    return result


# -- a tap is the sale ---------------------------------------------------------------------


def test_a_tap_charges_the_set_price_with_no_enter():
    flow = fixed()
    assert (flow.fixed_mode, flow.fixed_price, flow.fixed_window) == (True, TILL_PRICE, None)
    intent = flow.card_presented(view())
    assert intent == ChargeIntent(1, TILL_PRICE, "12.00", False, False, 0)
    assert flow.phase is Phase.BUSY
    flow.charged(answer(view(), intent))
    assert flow.phase is Phase.PAID and flow.paid is not None and flow.paid.quote is not None
    assert flow.paid.quote.charge == TILL_PRICE
    assert flow.charge_intent() is None  # an Enter after it sells nothing


def test_the_set_price_is_a_list_price_the_card_types_discount_applies_to():
    flow = fixed()
    staff = CardType("staff", "Staff", discount_bp=1_000)
    result = tap_and_pay(flow, view(ct=staff))
    assert result.quote is not None and result.quote.charge == 1_080


def test_a_keyed_amount_never_reaches_a_set_price_card():
    flow = fixed()
    for ch in "55":
        assert flow.press(ch)  # no card: keyed for a cash sale, say
    intent = flow.card_presented(view())
    assert intent is not None and intent.list_amount == TILL_PRICE


def test_keys_cannot_change_a_set_price():
    flow = fixed()
    flow.card_presented(view(cash=0, status=CardStatus.FROZEN))
    assert not flow.press("5")
    assert flow.take_flash() is Flash.AMOUNT
    assert flow.notice is not None and flow.notice.kind is NoticeKind.SET_PRICE
    assert flow.notice.amount == TILL_PRICE
    assert flow.keypad.total == TILL_PRICE


# -- the same refusals as Enter ------------------------------------------------------------

STUDENT = CardType("student", "Student", per_txn_limit=1_000)
DAILY = CardType("daily", "Daily", daily_amount_limit=2_000)
ONCE = CardType("once", "Once a day", daily_count_limit=1)
MEALS_ONLY = CardType("meals", "Meals only", meal_windows=(replace(LUNCH, fixed_price=None),),
                      refuse_outside_windows=True)


@pytest.mark.parametrize(("v", "code"), [
    (view(status=CardStatus.FROZEN), RefusalCode.FROZEN),
    (view(status=CardStatus.LOST), RefusalCode.LOST),
    (view(ct=STUDENT), RefusalCode.OVER_TXN_LIMIT),
    (view(ct=DAILY, spent=DaySpend(1_500, 1)), RefusalCode.OVER_DAILY_AMOUNT),
    (view(ct=ONCE, spent=DaySpend(500, 1)), RefusalCode.OVER_DAILY_COUNT),
    (view(ct=MEALS_ONLY, minute=THREE_PM), RefusalCode.OUTSIDE_MEAL_WINDOW),
], ids=["frozen", "lost", "per-sale", "daily-amount", "daily-count", "outside-meals"])
def test_a_refused_tap_charges_nothing_and_says_why_loudly(v: CardView, code: RefusalCode):
    flow = fixed()
    assert flow.card_presented(v) is None
    assert flow.phase is Phase.REFUSED
    refusal = flow.shown_refusal
    assert refusal is not None and refusal.code is code
    assert flow.take_flash() is Flash.BAND
    assert not flow.can_charge and not flow.can_take_cash
    assert flow.charge_intent() is None  # nor does Enter get past it


def test_inside_its_meal_window_a_meals_only_card_pays_at_once():
    flow = fixed()
    assert flow.card_presented(view(ct=MEALS_ONLY, minute=NOON)) is not None


def test_a_pin_need_asks_the_pin_and_a_cancelled_pin_can_be_tried_again():
    flow = fixed()
    pin_card = CardType("pin", "PIN", pin_above=1_000)
    intent = flow.card_presented(view(ct=pin_card))
    assert intent is not None and intent.needs_pin and intent.list_amount == TILL_PRICE
    flow.pin_cancelled()
    refusal = flow.shown_refusal
    assert refusal is not None and refusal.code is RefusalCode.PIN_REQUIRED
    again = flow.charge_intent()  # Enter asks the PIN again
    assert again is not None and again.needs_pin


def test_a_short_card_is_offered_the_cash_split_and_collects_with_change():
    flow = fixed()
    assert flow.card_presented(view(cash=500)) is None
    refusal = flow.shown_refusal
    assert refusal is not None and refusal.code is RefusalCode.INSUFFICIENT
    assert flow.can_take_cash
    assert flow.cash()
    c = flow.collect
    assert c is not None and (c.cash_part, c.card_part, c.without_card) == (700, 500, False)
    for ch in "10":
        assert flow.press(ch)
    assert flow.collect is not None and flow.collect.change == 300
    intent = flow.enter()
    assert isinstance(intent, ChargeIntent)
    assert (intent.list_amount, intent.split_tender, intent.cash_received) == (
        TILL_PRICE, True, 1_000)


# -- a second tap of the same card ---------------------------------------------------------


def test_the_same_card_again_within_seconds_is_not_charged_twice():
    """Decided: a bounce is not charged; the price shows, and Enter sells a second meal."""
    ticks = Ticks()
    flow = fixed(ticks)
    v = view()
    tap_and_pay(flow, v)
    flow.card_removed()
    ticks.t += 3
    assert flow.card_presented(v) is None  # the bounce
    assert flow.phase is Phase.CARD and flow.take_flash() is None
    assert flow.notice is not None and flow.notice.kind is NoticeKind.REPEAT_TAP
    assert flow.notice.amount == TILL_PRICE
    second = flow.enter()  # the customer does want a second meal
    assert isinstance(second, ChargeIntent) and second.list_amount == TILL_PRICE
    flow.charged(answer(v, second))
    ticks.t += 2
    assert flow.card_presented(v) is None  # and a bounce after that one is caught too
    ticks.t += 60
    assert flow.card_presented(v) is not None  # a minute later it is the next meal


def test_a_tap_while_the_charge_is_in_flight_starts_nothing():
    flow = fixed()
    v = view()
    intent = flow.card_presented(v)
    assert intent is not None
    assert flow.card_presented(v) is None
    assert flow.phase is Phase.BUSY


def test_the_next_customer_right_after_is_charged_at_once():
    ticks = Ticks()
    flow = fixed(ticks)
    tap_and_pay(flow, view(1))
    ticks.t += 1
    assert flow.card_presented(view(2)) is not None


def test_esc_after_a_bounce_leaves_nothing_to_charge():
    ticks = Ticks()
    flow = fixed(ticks)
    v = view()
    tap_and_pay(flow, v)
    assert flow.card_presented(v) is None
    flow.clear()
    assert flow.enter() is None and flow.keypad.total == 0


# -- which price ---------------------------------------------------------------------------


def test_a_meal_windows_price_takes_precedence_in_its_window_only():
    flow = fixed()
    intent = flow.card_presented(view(ct=CANTEEN, minute=NOON))
    assert intent is not None and intent.list_amount == 1_000
    assert flow.fixed_window == LUNCH
    flow.failed("not this time")
    flow.card_removed()
    later = flow.card_presented(view(2, ct=CANTEEN, minute=THREE_PM))
    assert later is not None and later.list_amount == TILL_PRICE
    assert flow.fixed_window is None


def test_a_till_without_a_price_takes_window_prices_only_where_told():
    meals = CheckoutFlow(100_000, meal_prices=True)
    assert meals.fixed_mode and meals.fixed_price is None  # no card: nothing set
    intent = meals.card_presented(view(ct=CANTEEN, minute=NOON))
    assert intent is not None and intent.list_amount == 1_000
    meals.failed("not this time")
    meals.card_removed()
    assert meals.card_presented(view(2, ct=CANTEEN, minute=NINE_AM)) is None
    assert meals.phase is Phase.CARD and meals.fixed_price is None
    assert meals.press("8")  # outside the window the cashier keys
    keyed = CheckoutFlow(100_000)
    assert not keyed.fixed_mode
    assert keyed.card_presented(view(ct=CANTEEN, minute=NOON)) is None
    assert keyed.fixed_price is None


def test_a_set_price_leaves_with_its_card_on_a_till_that_keys_otherwise():
    meals = CheckoutFlow(100_000, meal_prices=True)
    assert meals.card_presented(view(ct=CANTEEN, cash=0, status=CardStatus.FROZEN)) is None
    assert meals.keypad.total == 1_000
    meals.card_removed()
    assert meals.keypad.total == 0
    assert meals.card_presented(view(2, minute=NOON)) is None  # a standard card: keyed
    assert meals.keypad.total == 0 and meals.notice is None


def test_a_set_price_over_the_keypads_maximum_is_refused_at_construction():
    with pytest.raises(ValueError, match="set price"):
        CheckoutFlow(1_000, fixed_price=1_200)


# -- with the real ledger, receipt and site clock ------------------------------------------

CASHIER = Session(1, "books-cashier", "Li Na", Role.CASHIER)
TILL = TillInfo(1, "Till 1", "Site")


class Counter:
    def __init__(self, books: Books, hasher: SecretHasher) -> None:
        self.at = NOW
        self.printer = SimulatedPrinter()
        self.queue = PrintQueue(self.printer, ReceiptSettings())
        self.checkout = CheckoutService(books.ledger, books.refs, self.queue, TILL, hasher,
                                        ReceiptBuilder(TILL), clock=lambda: self.at,
                                        minute=books.ledger.rules.clock.minute)

    def tap(self, flow: CheckoutFlow, number: str) -> ChargeResult | None:
        found = self.checkout.lookup(f"UID{number}")
        assert isinstance(found, CardView)
        intent = flow.card_presented(found)
        if intent is None:
            return None
        result = self.checkout.charge(CASHIER, intent.card_id, intent.list_amount,
                                      expression=intent.expression,
                                      split_tender=intent.split_tender)
        flow.charged(result)
        return result


@pytest.fixture
def counter(books: Books, hasher: SecretHasher) -> Iterator[Counter]:
    c = Counter(books, hasher)
    yield c
    c.queue.close()


def test_a_tap_prints_the_receipt_a_keyed_sale_prints(books: Books, counter: Counter):
    books.card("7001", cash=5_000)
    books.card("7003", cash=5_000)
    flow = CheckoutFlow(100_000, fixed_price=TILL_PRICE)
    result = counter.tap(flow, "7001")
    assert result is not None and result.ok and flow.phase is Phase.PAID
    assert result.entry is not None
    assert books.ledger.card_state(result.entry.card_id, TODAY)[1].cash == 3_800
    keyed = CheckoutFlow(100_000)
    found = counter.checkout.lookup("UID7003")
    assert isinstance(found, CardView)
    keyed.card_presented(found)
    for ch in "12.00":
        assert keyed.press(ch)
    intent = keyed.charge_intent()
    assert intent is not None
    assert counter.checkout.charge(CASHIER, intent.card_id, intent.list_amount,
                                   expression=intent.expression).ok
    assert counter.printer.wait_for_jobs(2, timeout=5)
    tapped, typed = counter.printer.texts

    def same_part(text: str) -> list[str]:
        return [line for line in text.splitlines()
                if not line.startswith(("Card", "Holder", "Ref"))]

    assert "Total charged                              12.00" in tapped
    assert "Balance after                              38.00" in tapped
    assert same_part(tapped) == same_part(typed)


def test_the_lunch_price_and_the_meal_time_rule_by_the_site_clock(books: Books,
                                                                  counter: Counter):
    clock = books.ledger.rules.clock
    noon = NOW.astimezone(clock.zone).replace(hour=12, minute=0)
    lunch_only = CardType("lunch", "Lunch only", meal_windows=(LUNCH,),
                          refuse_outside_windows=True)
    books.types["lunch"] = books.refs.add_card_type(lunch_only)
    books.card("7002", "lunch", cash=5_000)
    flow = CheckoutFlow(100_000, fixed_price=TILL_PRICE)
    counter.at = noon
    result = counter.tap(flow, "7002")
    assert result is not None and result.ok
    assert result.quote is not None and result.quote.charge == 1_000
    flow.card_removed()
    counter.at = noon + timedelta(hours=3)  # 15:00 at the site: no meals
    assert counter.tap(flow, "7002") is None
    refusal = flow.shown_refusal
    assert refusal is not None and refusal.code is RefusalCode.OUTSIDE_MEAL_WINDOW
    view_then = flow.view
    assert view_then is not None
    ledger_says = counter.checkout.charge(CASHIER, view_then.card.id, TILL_PRICE)
    assert ledger_says.refusal is not None  # the ledger agrees with what the screen said
    assert ledger_says.refusal.code is RefusalCode.OUTSIDE_MEAL_WINDOW
