"""Shifts at a till: float in, X at any time, drawer counted out, Z frozen and numbered."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.conftest import NOW, Books, make_books
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.domain.cash import CashCount
from tillcard.domain.journal import EntryKind
from tillcard.domain.money import AmountError
from tillcard.domain.shift import ShiftSummary
from tillcard.services.auth import Approval, PermissionDenied, Role, Session
from tillcard.services.shifts import (
    ApprovalNeeded,
    CommentNeeded,
    NoOpenShift,
    ShiftPolicy,
    ShiftService,
)
from tillcard.services.views import TillInfo
from tillcard.store.engine import make_engine
from tillcard.store.ledger import SaleRequest
from tillcard.store.migrate import upgrade
from tillcard.store.shifts import ShiftAlreadyOpen, ShiftStore

CASHIER = Session(1, "books-cashier", "Li Na", Role.CASHIER)
MANAGER = Session(2, "books-manager", "Wang Fang", Role.MANAGER)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def tick(self, seconds: int = 60) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at


def service(books: Books, clock: Clock, printer: SimulatedPrinter | None = None,
            approval_over: int = 1_000) -> ShiftService:
    from tillcard.devices.printer.queue import PrintQueue
    from tillcard.devices.printer.settings import ReceiptSettings

    sink = PrintQueue(printer or SimulatedPrinter(), ReceiptSettings())
    return ShiftService(ShiftStore(books.engine), books.ledger, books.refs,
                        TillInfo(1, "Till 1", "Site"), sink, clock,
                        ShiftPolicy(approval_over=approval_over))


def sell(books: Books, card: int, amount: int, at: datetime, *, split: bool = False):
    return books.ledger.sale(SaleRequest(uuid.uuid4(), 1, card, amount, at, 1,
                                         split_tender=split))


def test_a_shift_from_float_to_z(books: Books):
    clock = Clock(NOW)
    svc = service(books, clock)
    rich = books.card("5101", cash=50_000)
    poor = books.card("5102", cash=300)
    with pytest.raises(NoOpenShift):
        svc.x_report(CASHIER)
    float_count = svc.count({10_000: 1, 1_000: 5, 100: 20})  # 100 + 50 + 20 = 170.00
    svc.open(CASHIER, float_count)
    with pytest.raises(ShiftAlreadyOpen):
        svc.open(CASHIER, float_count)
    a = sell(books, rich, 1_500, clock.tick())
    b = sell(books, poor, 1_000, clock.tick(), split=True)  # 3.00 card + 7.00 cash
    assert a.entry is not None and b.entry is not None and b.entry.tendered_cash == 700
    books.ledger.void(uuid.uuid4(), 1, b.entry.id, clock.tick(), 1)  # hand back 7.00
    books.ledger.recharge(uuid.uuid4(), 1, rich, 2_000, clock.tick(), 1)  # 20.00 in cash
    x = svc.x_report(CASHIER)
    t = x.totals
    assert (t.sales, t.card_part, t.sale_cash, t.voids, t.handed_back) == (2, 1_800, 700, 1,
                                                                           700)
    assert t.recharge_cash == 2_000
    assert x.expected == 17_000 + 700 - 700 + 2_000
    # the drawer is 0.50 short: within the allowance, no manager needed
    counted = svc.count({10_000: 1, 5_000: 1, 2_000: 1, 1_000: 1, 500: 1, 100: 4, 50: 1})
    z = svc.close(CASHIER, counted, comment="a coin rolled away")
    assert z.z_no == 1 and z.difference == -50 and z.comment == "a coin rolled away"
    assert svc.current() is None
    # the next shift starts from what was counted
    assert svc.suggested_float() == counted
    svc.open(CASHIER, svc.suggested_float())
    assert svc.close(CASHIER, counted).z_no == 2
    assert svc.z_numbers() == [1, 2]


def test_a_large_difference_needs_a_manager(books: Books):
    clock = Clock(NOW)
    svc = service(books, clock, approval_over=1_000)
    svc.open(CASHIER, svc.count({1_000: 10}))
    short = svc.count({1_000: 8})  # 20.00 missing
    with pytest.raises(CommentNeeded):
        svc.close(CASHIER, short, "   ")  # a drawer off is explained first
    with pytest.raises(ApprovalNeeded) as need:
        svc.close(CASHIER, short, "counted twice")
    assert need.value.difference == -2_000
    assert svc.current() is not None  # still open: nothing was frozen
    z = svc.close(CASHIER, short, "counted twice",
                  Approval(MANAGER.user_id, MANAGER.name, clock()))
    assert z.approved_by == MANAGER.user_id and z.names[MANAGER.user_id] == "Wang Fang"


def test_the_z_is_frozen_and_reprinted_from_its_snapshot(books: Books):
    clock = Clock(NOW)
    printer = SimulatedPrinter()
    svc = service(books, clock, printer)
    card = books.card("5103", cash=10_000)
    svc.open(CASHIER, svc.count({1_000: 5}))
    sell(books, card, 800, clock.tick())
    z = svc.close(CASHIER, svc.count({1_000: 5, 500: 1, 100: 3}), "float was short")
    sell(books, card, 999, clock.tick())  # after the close: not in this Z
    again = svc.reprint_z(CASHIER, z.z_no or 0)
    assert again == z and again.totals.sales == 1
    with pytest.raises(IntegrityError, match="frozen"), books.engine.begin() as conn:
        conn.execute(text("UPDATE shifts SET counted_total = 0 WHERE z_no = 1"))
    with pytest.raises(IntegrityError, match="never deleted"), books.engine.begin() as conn:
        conn.execute(text("DELETE FROM shifts"))


def test_the_database_allows_one_open_shift_per_till(books: Books):
    store = ShiftStore(books.engine)
    store.open(1, 1, CashCount(), NOW, 0)
    with pytest.raises(ShiftAlreadyOpen):
        store.open(1, 1, CashCount(), NOW, 0)
    store.open(2, 1, CashCount(), NOW, 0)  # another till may


def test_counts_refuse_what_no_drawer_holds(books: Books):
    svc = service(books, Clock(NOW))
    for bad in ({300: 1}, {1_000: -1}, {1_000: 10**6}):
        with pytest.raises(AmountError):
            svc.count(bad)


@pytest.mark.parametrize(("role", "allowed"), [
    (Role.CASHIER, {"open", "x", "close"}), (Role.MANAGER, {"open", "x", "close"}),
    (Role.ADMIN, {"open", "x", "close"})])
def test_who_may_work_a_shift(books: Books, role: Role, allowed: set[str]):
    svc = service(books, Clock(NOW))
    who = Session(1, "u", "U", role)
    done = set()
    for name, call in (("open", lambda: svc.open(who, CashCount())),
                       ("x", lambda: svc.x_report(who)),
                       ("close", lambda: svc.close(who, CashCount()))):
        try:
            call()
            done.add(name)
        except PermissionDenied:
            pass
    assert done == allowed


op = st.one_of(
    st.tuples(st.just("sale"), st.integers(0, 2), st.integers(1, 4_000)),
    st.tuples(st.just("split"), st.integers(0, 2), st.integers(1, 4_000)),
    st.tuples(st.just("void"), st.integers(0, 9), st.just(0)),
    st.tuples(st.just("recharge"), st.integers(0, 2), st.integers(1, 5_000)),
    st.tuples(st.just("cash"), st.just(0), st.integers(1, 5_000)),
    st.tuples(st.just("close"), st.integers(0, 3_000), st.just(0)),
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=40))
def test_each_z_is_the_sum_of_the_journal_and_z_numbers_have_no_gaps(tmp_path_factory, ops):
    engine = make_engine(str(tmp_path_factory.mktemp("z") / "z.db"))
    upgrade(engine)
    books = make_books(engine)
    clock = Clock(NOW)
    svc = service(books, clock, approval_over=10**9)
    cards = [books.card(f"52{i}", cash=3_000) for i in range(3)]
    sales: list = []
    zs: list[ShiftSummary] = []
    svc.open(CASHIER, svc.count({1_000: 3}))
    for kind, k, amount in ops:
        at = clock.tick()
        if kind in ("sale", "split"):
            out = sell(books, cards[k], amount, at, split=kind == "split")
            if out.entry is not None:
                sales.append(out.entry)
        elif kind == "void" and sales:
            books.ledger.void(uuid.uuid4(), 1, sales.pop(k % len(sales)).id, at, 1)
        elif kind == "recharge":
            books.ledger.recharge(uuid.uuid4(), 1, cards[k], amount, at, 1)
        elif kind == "cash":  # no card: tokens at an amusement park
            books.ledger.cash_sale(uuid.uuid4(), 1, amount, at, 1)
        elif kind == "close":
            counted = svc.count({100: k})
            zs.append(svc.close(CASHIER, counted, "counted at random"))
            svc.open(CASHIER, counted)
    zs.append(svc.close(CASHIER, CashCount(), "emptied"))
    assert [z.z_no for z in zs] == list(range(1, len(zs) + 1))
    everything = books.ledger.till_entries(1, 0)
    with engine.connect() as conn:
        marks = {r.z_no: (r.open_mark, r.close_mark) for r in conn.execute(text(
            "SELECT z_no, open_mark, close_mark FROM shifts"))}
    for z in zs:
        after, upto = marks[z.z_no]
        mine = [e for e in everything if after < e.seq <= upto]
        sold = [e for e in mine if e.kind is EntryKind.SALE]
        voided = [e for e in mine if e.kind is EntryKind.VOID]
        t = z.totals
        assert t.sales == len(sold) and t.voids == len(voided)
        assert t.card_part == sum(-e.total_delta for e in sold)
        assert t.sale_cash == sum(e.tendered_cash for e in sold)
        assert t.handed_back == sum(e.tendered_cash for e in voided)
        assert t.recharge_cash == sum(e.list_amount for e in mine
                                      if e.kind is EntryKind.RECHARGE)
        assert t.cash_sales_amount == sum(e.tendered_cash for e in mine
                                          if e.kind is EntryKind.CASH_SALE)
        assert z.expected == z.float_count.total + t.cash_in - t.cash_out
    # every entry of the till fell into exactly one shift
    assert sum(z.totals.sales + z.totals.voids + z.totals.recharges + z.totals.cash_sales
               for z in zs) == len([e for e in everything if e.kind in (
                   EntryKind.SALE, EntryKind.VOID, EntryKind.RECHARGE, EntryKind.CASH_SALE)])
    engine.dispose()
