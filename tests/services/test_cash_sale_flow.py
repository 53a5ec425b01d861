"""Sales without a card at the counter: amount, COLLECT, cash received, change; in the shift."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text

from tests.conftest import NOW, Books
from tests.services.test_shifts import Clock
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.domain.cards import Card, CardStatus, CardType, Holder
from tillcard.domain.cash import CashCount
from tillcard.domain.journal import EntryKind
from tillcard.domain.rules import DaySpend, Refusal, RefusalCode
from tillcard.domain.wallet import Wallet
from tillcard.services.auth import Role, SecretHasher, Session
from tillcard.services.checkout import CheckoutService
from tillcard.services.flow import (
    CashSaleIntent,
    ChargeIntent,
    CheckoutFlow,
    Flash,
    NoticeKind,
    Phase,
)
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.shifts import ShiftPolicy, ShiftService
from tillcard.services.views import CardView, ChargeResult, TillInfo
from tillcard.store.ledger import CASH_CARD
from tillcard.store.shifts import ShiftStore

TODAY = date(2026, 11, 23)


def keys(flow: CheckoutFlow, typed: str) -> None:
    for ch in typed:
        assert flow.press(ch), ch


def a_card(cash: int = 5_000) -> CardView:
    card = Card(1, "8800000001", "UID1", Holder(1, "Holder 1"), CardType("std", "Standard"),
                CardStatus.ACTIVE)
    return CardView(card, Wallet(cash), DaySpend(), TODAY, 12 * 60)


def sold(intent: CashSaleIntent) -> ChargeResult:
    """What the checkout answers to a cash sale it records (the walk-in card's entry)."""
    from tillcard.domain.journal import Entry

    return ChargeResult(Entry(uuid.uuid4(), 1, 1, EntryKind.CASH_SALE, 9, 0,
                              list_amount=intent.amount, tendered_cash=intent.amount),
                        None, None)


# -- the flow ------------------------------------------------------------------------------


def test_amount_then_cash_key_collects_and_shows_the_change():
    flow = CheckoutFlow()
    keys(flow, "12.5")
    assert flow.cash_sale_amount == 1_250 and not flow.can_take_cash
    assert flow.cash()
    assert flow.phase is Phase.COLLECT and flow.selling_without_card
    c = flow.collect
    assert c is not None and (c.cash_part, c.without_card, c.received) == (1_250, True, None)
    keys(flow, "20")
    c = flow.collect
    assert c is not None and c.change == 750
    intent = flow.enter()
    assert intent == CashSaleIntent(1_250, 2_000)
    assert flow.phase is Phase.BUSY
    assert flow.enter() is None  # a second Enter while it is recorded
    flow.cash_sold(sold(intent))
    assert flow.phase is Phase.PAID and flow.keypad.total == 0
    assert flow.cash_paid is not None and flow.cash_paid.change == 750
    assert flow.paid_received == 2_000
    assert flow.enter() is None and flow.take_flash() is None  # a double Enter: nothing


def test_nothing_keyed_as_received_is_the_exact_amount():
    flow = CheckoutFlow()
    keys(flow, "8")
    flow.cash()
    assert flow.enter() == CashSaleIntent(800, 800)


def test_too_little_received_is_not_sold():
    flow = CheckoutFlow()
    keys(flow, "8")
    flow.cash()
    keys(flow, "5")
    assert flow.enter() is None
    assert flow.notice is not None and flow.notice.kind is NoticeKind.RECEIVED_SHORT
    assert flow.notice.amount == 800
    assert flow.take_flash() is Flash.BAND and flow.phase is Phase.COLLECT


def test_the_cash_key_with_nothing_keyed_and_no_card_flashes():
    flow = CheckoutFlow()
    assert not flow.cash()
    assert flow.take_flash() is Flash.BAND and flow.phase is Phase.WAITING


def test_esc_leaves_the_cash_step_with_the_amount_still_keyed():
    flow = CheckoutFlow()
    keys(flow, "8")
    flow.cash()
    keys(flow, "10")
    flow.clear()
    assert flow.phase is Phase.WAITING and flow.keypad.total == 800
    assert flow.collect is None and flow.enter() is None


def test_the_old_enter_path_never_turns_a_cash_sale_into_a_card_charge():
    flow = CheckoutFlow()
    keys(flow, "8")
    flow.cash()
    assert flow.charge_intent() is None
    assert flow.phase is Phase.COLLECT  # still collecting


def test_with_a_card_the_cash_key_is_the_split_not_a_cash_sale():
    flow = CheckoutFlow()
    flow.card_presented(a_card(cash=300))
    keys(flow, "8")
    assert flow.cash_sale_amount is None and flow.can_take_cash
    flow.cash()
    assert not flow.selling_without_card
    intent = flow.enter()
    assert isinstance(intent, ChargeIntent) and intent.split_tender


def test_a_card_presented_in_the_cash_step_takes_the_amount_instead():
    flow = CheckoutFlow()
    keys(flow, "8")
    flow.cash()
    flow.card_presented(a_card())
    assert flow.phase is Phase.CARD and not flow.selling_without_card
    intent = flow.enter()
    assert isinstance(intent, ChargeIntent) and intent.list_amount == 800


def test_an_unknown_card_can_be_paid_in_cash_instead():
    flow = CheckoutFlow()
    keys(flow, "8")
    flow.card_unknown(Refusal(RefusalCode.UNKNOWN_CARD), "1234")
    assert flow.cash()
    assert flow.shown_refusal is None and flow.unknown_number is None
    assert flow.enter() == CashSaleIntent(800, 800)


def test_a_set_price_till_sells_its_price_for_cash_with_nothing_keyed():
    flow = CheckoutFlow(fixed_price=1_200)
    assert flow.cash_sale_amount == 1_200
    assert flow.cash()
    assert flow.keypad.total == 1_200  # shown as the amount
    flow.clear()  # Esc: the set price was not keyed, so it goes
    assert flow.keypad.total == 0 and flow.phase is Phase.WAITING


def test_a_refused_cash_sale_shows_why_and_keeps_the_amount():
    flow = CheckoutFlow()
    keys(flow, "8")
    flow.cash()
    flow.enter()
    flow.cash_sold(ChargeResult(None, Refusal(RefusalCode.NO_SHIFT), None))
    refusal = flow.shown_refusal
    assert refusal is not None and refusal.code is RefusalCode.NO_SHIFT
    assert flow.phase is Phase.REFUSED and flow.keypad.total == 800
    assert flow.cash_paid is None


def test_a_failed_cash_sale_leaves_the_cash_step():
    flow = CheckoutFlow()
    keys(flow, "8")
    flow.cash()
    flow.enter()
    flow.failed("database is locked")
    assert flow.error == "database is locked" and not flow.selling_without_card
    assert flow.phase is Phase.WAITING and flow.keypad.total == 800


# -- with the till's books and its shift ---------------------------------------------------

CASHIER = Session(1, "books-cashier", "Li Na", Role.CASHIER)
TILL = TillInfo(1, "Till 1", "Site")


class Counter:
    def __init__(self, books: Books, hasher: SecretHasher) -> None:
        self.clock = Clock(NOW)
        self.printer = SimulatedPrinter()
        self.queue = PrintQueue(self.printer, ReceiptSettings())
        store = ShiftStore(books.engine)
        self.shifts = ShiftService(store, books.ledger, books.refs, TILL, self.queue,
                                   self.clock, ShiftPolicy())

        def current() -> uuid.UUID | None:
            shift = store.current(TILL.till_id)
            return shift.id if shift else None

        self.checkout = CheckoutService(books.ledger, books.refs, self.queue, TILL, hasher,
                                        ReceiptBuilder(TILL), clock=self.clock, shift=current)

    def sell_cash(self, flow: CheckoutFlow, amount: str, received: str = "") -> ChargeResult:
        keys(flow, amount)
        assert flow.cash()
        keys(flow, received)
        intent = flow.enter()
        assert isinstance(intent, CashSaleIntent)
        result = self.checkout.cash_sale(CASHIER, intent.amount)
        flow.cash_sold(result)
        return result


@pytest.fixture
def counter(books: Books, hasher: SecretHasher) -> Iterator[Counter]:
    c = Counter(books, hasher)
    yield c
    c.queue.close()


def journal(books: Books) -> list[tuple[str, str, int, int]]:
    with books.engine.connect() as conn:
        return [(r.kind, r.number, r.tendered_cash, r.cash_delta) for r in conn.execute(text(
            "SELECT j.kind, c.number, j.tendered_cash, j.cash_delta FROM journal j "
            "JOIN cards c ON c.id = j.card_id WHERE j.till_id = 1 ORDER BY j.seq"))]


def test_a_cash_sale_is_journalled_counted_in_x_and_z_and_opens_the_drawer(books: Books,
                                                                          counter: Counter):
    counter.shifts.open(CASHIER, counter.shifts.count({1_000: 5}))  # 50.00 float
    flow = CheckoutFlow()
    r = counter.sell_cash(flow, "12.5", "20")
    assert r.ok and flow.phase is Phase.PAID
    assert flow.cash_paid is not None and flow.cash_paid.change == 750
    assert journal(books) == [("cash_sale", CASH_CARD, 1_250, 0)]
    assert counter.printer.wait_for_jobs(1, timeout=5)
    assert counter.printer.drawer_kicks == 1
    x = counter.shifts.x_report(CASHIER)
    assert (x.totals.cash_sales, x.totals.cash_sales_amount) == (1, 1_250)
    assert x.expected == 5_000 + 1_250
    flow.paid_band_over()
    counter.sell_cash(flow, "3")
    z = counter.shifts.close(CASHIER, counter.shifts.count({1_000: 6, 100: 5, 50: 1}))
    assert (z.totals.cash_sales, z.totals.cash_sales_amount) == (2, 1_550)
    assert z.expected == 6_550 and z.difference == 0


def test_no_cash_sale_without_an_open_shift(books: Books, counter: Counter):
    flow = CheckoutFlow()
    r = counter.sell_cash(flow, "8")
    assert r.refusal is not None and r.refusal.code is RefusalCode.NO_SHIFT
    assert flow.shown_refusal is not None and flow.shown_refusal.code is RefusalCode.NO_SHIFT
    assert journal(books) == []
    counter.shifts.open(CASHIER, CashCount())
    flow.clear()
    assert counter.sell_cash(flow, "8").ok
    counter.shifts.close(CASHIER, counter.shifts.count({100: 8}))
    r = counter.checkout.cash_sale(CASHIER, 800)
    assert r.refusal is not None and r.refusal.code is RefusalCode.NO_SHIFT
    assert len(journal(books)) == 1


def test_the_void_key_cannot_reach_past_a_cash_sale(books: Books, counter: Counter):
    card = books.card("6001", cash=5_000)
    counter.shifts.open(CASHIER, CashCount())
    assert counter.checkout.charge(CASHIER, card, 1_000).ok
    assert counter.checkout.cash_sale(CASHIER, 500).ok
    assert counter.checkout.last_sale is None
    r = counter.checkout.void_last(CASHIER)
    assert r.refusal is not None and r.refusal.code is RefusalCode.NOTHING_TO_VOID
    assert books.ledger.card_state(card, TODAY)[1].cash == 4_000  # the card sale stands
