"""The counter sells inside an open shift; a void is the shift's own and, after a moment,
needs a manager: who approved and why lands in the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import NOW, Books
from tests.services.test_shifts import Clock
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.domain.cash import CashCount
from tillcard.domain.journal import EntryKind
from tillcard.domain.rules import RefusalCode
from tillcard.services.auth import Approval, Role, SecretHasher, Session
from tillcard.services.checkout import VOID_GRACE, CheckoutService
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.shifts import ShiftPolicy, ShiftService
from tillcard.services.views import TillInfo
from tillcard.store.audit import AuditLog
from tillcard.store.shifts import ShiftStore

CASHIER = Session(1, "books-cashier", "Li Na", Role.CASHIER)
MANAGER = Session(2, "books-manager", "Wang Fang", Role.MANAGER)
TILL = TillInfo(1, "Till 1", "Site")


class Counter:
    def __init__(self, books: Books, hasher: SecretHasher) -> None:
        self.clock = Clock(NOW)
        self.queue = PrintQueue(SimulatedPrinter(), ReceiptSettings())
        store = ShiftStore(books.engine)
        self.shifts = ShiftService(store, books.ledger, books.refs, TILL, self.queue,
                                   self.clock, ShiftPolicy())
        self.audit = AuditLog(books.engine)

        def current() -> uuid.UUID | None:
            shift = store.current(TILL.till_id)
            return shift.id if shift else None

        self.checkout = CheckoutService(books.ledger, books.refs, self.queue, TILL,
                                        hasher, ReceiptBuilder(TILL), clock=self.clock,
                                        shift=current, audit=self.audit.record)


@pytest.fixture
def counter(books: Books, hasher: SecretHasher) -> Iterator[Counter]:
    c = Counter(books, hasher)
    yield c
    c.queue.close()


def funded(books: Books, cash: int = 50_000) -> int:
    return books.card("5001", cash=cash)


def test_no_sale_before_a_shift_is_open_and_none_after_it_closed(counter: Counter,
                                                                  books: Books) -> None:
    card = funded(books)
    r = counter.checkout.charge(CASHIER, card, 1_000)
    assert r.refusal is not None and r.refusal.code is RefusalCode.NO_SHIFT
    assert books.ledger.card_state(card, NOW.date())[1].cash == 50_000  # nothing moved
    counter.shifts.open(CASHIER, CashCount())
    assert counter.checkout.charge(CASHIER, card, 1_000).ok
    counter.shifts.close(CASHIER, CashCount())
    r = counter.checkout.charge(CASHIER, card, 1_000)
    assert r.refusal is not None and r.refusal.code is RefusalCode.NO_SHIFT
    assert books.ledger.card_state(card, NOW.date())[1].cash == 49_000


def test_a_sale_of_a_closed_shift_cannot_be_voided_in_the_next(counter: Counter,
                                                               books: Books) -> None:
    card = funded(books)
    counter.shifts.open(CASHIER, CashCount())
    assert counter.checkout.charge(CASHIER, card, 1_000).ok
    counter.shifts.close(CASHIER, CashCount())
    counter.shifts.open(CASHIER, CashCount())
    r = counter.checkout.void_last(CASHIER)
    assert r.refusal is not None and r.refusal.code is RefusalCode.NOTHING_TO_VOID
    assert books.ledger.card_state(card, NOW.date())[1].cash == 49_000  # the Z stands


def test_the_cashier_voids_alone_right_after_the_sale(counter: Counter, books: Books) -> None:
    card = funded(books)
    counter.shifts.open(CASHIER, CashCount())
    assert counter.checkout.charge(CASHIER, card, 1_000).ok
    counter.clock.tick(int(VOID_GRACE.total_seconds()))
    assert not counter.checkout.void_needs_approval(CASHIER)
    r = counter.checkout.void_last(CASHIER)
    assert r.ok and r.entry is not None and r.entry.kind is EntryKind.VOID
    assert books.ledger.card_state(card, NOW.date())[1].cash == 50_000
    assert counter.audit.events() == []  # nobody approved anything


def test_later_a_manager_approves_and_the_audit_keeps_who_and_why(counter: Counter,
                                                                  books: Books) -> None:
    card = funded(books)
    counter.shifts.open(CASHIER, CashCount())
    sale = counter.checkout.charge(CASHIER, card, 1_000)
    assert sale.entry is not None
    counter.clock.tick(int(VOID_GRACE.total_seconds()) + 1)
    assert counter.checkout.void_needs_approval(CASHIER)
    r = counter.checkout.void_last(CASHIER)
    assert r.refusal is not None and r.refusal.code is RefusalCode.VOID_NEEDS_APPROVAL
    assert books.ledger.card_state(card, NOW.date())[1].cash == 49_000  # not voided
    approval = Approval(2, "Wang Fang", counter.clock())
    r = counter.checkout.void_last(CASHIER, approval, "  wrong dish keyed ")
    assert r.ok
    assert books.ledger.card_state(card, NOW.date())[1].cash == 50_000
    [event] = counter.audit.events(str(sale.entry.id))
    assert (event.action, event.user_id, event.till_id, event.reason) == (
        "void_approved", 2, 1, "wrong dish keyed")
    assert "Li Na" in event.detail and "Wang Fang" in event.detail
    with books.engine.begin() as conn, pytest.raises(DBAPIError):  # append-only
        conn.execute(text("UPDATE audit SET reason = 'nothing'"))


def test_a_manager_voids_an_earlier_sale_without_asking_anyone(counter: Counter,
                                                               books: Books) -> None:
    card = funded(books)
    counter.shifts.open(MANAGER, CashCount())
    assert counter.checkout.charge(MANAGER, card, 1_000).ok
    counter.clock.tick(3_600)
    assert not counter.checkout.void_needs_approval(MANAGER)
    assert counter.checkout.void_last(MANAGER).ok


def test_a_void_needs_nobody_where_the_site_says_so(books: Books,
                                                   hasher: SecretHasher) -> None:
    c = Counter(books, hasher)
    try:
        c.checkout = CheckoutService(books.ledger, books.refs, c.queue, TILL, hasher,
                                     ReceiptBuilder(TILL), clock=c.clock, void_grace=None)
        card = funded(books)
        assert c.checkout.charge(CASHIER, card, 1_000).ok
        c.clock.tick(int(timedelta(hours=2).total_seconds()))
        assert c.checkout.void_last(CASHIER).ok
    finally:
        c.queue.close()
