"""Random shifts at two standalone tills: each Z is what its journal says, Zs have no gaps.

Sales, split tenders, voids and cash sales go through the counter's own service (the
checkout), recharges through the ledger (no till service recharges yet), shifts through
the shift service. Each Z is then checked twice, against two independent accounts: sums
over the journal rows between the shift's marks, in SQL, and what the test itself saw
handed over the counter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from tests.conftest import NOW, Books, make_books
from tests.services.test_shifts import Clock
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.domain.cash import CashCount
from tillcard.domain.shift import ShiftSummary
from tillcard.services.auth import Role, SecretHasher, Session
from tillcard.services.checkout import CheckoutService
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.shifts import ShiftPolicy, ShiftService
from tillcard.services.views import TillInfo
from tillcard.store.engine import make_engine
from tillcard.store.migrate import upgrade
from tillcard.store.shifts import ShiftStore

CASHIER = Session(1, "books-cashier", "Li Na", Role.CASHIER)
MANAGER = Session(2, "books-manager", "Wang Fang", Role.MANAGER)  # voids without a PIN
TILLS = (1, 2)


@dataclass
class Drawer:
    """What the test saw cross one till's counter in the open shift."""

    float_total: int = 0
    sales: int = 0
    card_part: int = 0
    sale_cash: int = 0
    voids: int = 0
    voided_card: int = 0
    handed_back: int = 0
    cash_sales: int = 0
    cash_sales_amount: int = 0
    recharges: int = 0
    recharge_cash: int = 0

    @property
    def expected(self) -> int:
        return (self.float_total + self.sale_cash + self.cash_sales_amount
                + self.recharge_cash - self.handed_back)


@dataclass
class Till:
    till_id: int
    checkout: CheckoutService
    shifts: ShiftService
    queue: PrintQueue
    drawer: Drawer = field(default_factory=Drawer)
    zs: list[tuple[ShiftSummary, Drawer]] = field(default_factory=list)


def till(books: Books, till_id: int, clock: Clock, hasher: SecretHasher) -> Till:
    info = TillInfo(till_id, f"Till {till_id}", "Site")
    queue = PrintQueue(SimulatedPrinter(), ReceiptSettings())
    store = ShiftStore(books.engine)

    def current() -> uuid.UUID | None:
        shift = store.current(till_id)
        return shift.id if shift else None

    checkout = CheckoutService(books.ledger, books.refs, queue, info, hasher,
                               ReceiptBuilder(info), clock=clock, shift=current)
    shifts = ShiftService(store, books.ledger, books.refs, info, queue, clock,
                          ShiftPolicy(approval_over=10**9))
    return Till(till_id, checkout, shifts, queue)


def open_shift(t: Till, float_count: CashCount) -> None:
    t.shifts.open(CASHIER, float_count)
    t.drawer = Drawer(float_total=float_count.total)


def close_shift(t: Till, coins: int) -> CashCount:
    counted = t.shifts.count({100: coins})
    z = t.shifts.close(CASHIER, counted, "counted at random")
    t.zs.append((z, t.drawer))
    return counted


def journal_sums(engine: Engine, till_id: int, after: int, upto: int) -> dict[str, int]:
    """The shift's figures straight from the journal rows, in SQL: no domain code."""
    q = text("""
        SELECT
          COALESCE(SUM(kind = 'sale'), 0) AS sales,
          COALESCE(SUM(CASE WHEN kind = 'sale'
                       THEN -(cash_delta + bonus_delta + allowance_delta) END), 0)
            AS card_part,
          COALESCE(SUM(CASE WHEN kind = 'sale' THEN tendered_cash END), 0) AS sale_cash,
          COALESCE(SUM(kind = 'void'), 0) AS voids,
          COALESCE(SUM(CASE WHEN kind = 'void'
                       THEN cash_delta + bonus_delta + allowance_delta END), 0)
            AS voided_card,
          COALESCE(SUM(CASE WHEN kind = 'void' THEN tendered_cash END), 0) AS handed_back,
          COALESCE(SUM(kind = 'cash_sale'), 0) AS cash_sales,
          COALESCE(SUM(CASE WHEN kind = 'cash_sale' THEN tendered_cash END), 0)
            AS cash_sales_amount,
          COALESCE(SUM(kind = 'recharge'), 0) AS recharges,
          COALESCE(SUM(CASE WHEN kind = 'recharge' THEN list_amount END), 0)
            AS recharge_cash
        FROM journal WHERE till_id = :till AND seq > :after AND seq <= :upto""")
    with engine.connect() as conn:
        row = conn.execute(q, {"till": till_id, "after": after, "upto": upto}).one()
    return dict(row._mapping)


AMOUNT = st.integers(1, 4_000)
op = st.one_of(
    st.tuples(st.just("sale"), st.sampled_from(TILLS), st.integers(0, 2), AMOUNT),
    st.tuples(st.just("split"), st.sampled_from(TILLS), st.integers(0, 2), AMOUNT),
    st.tuples(st.just("void_last"), st.sampled_from(TILLS), st.just(0), st.just(0)),
    st.tuples(st.just("void_any"), st.sampled_from(TILLS), st.integers(0, 20), st.just(0)),
    st.tuples(st.just("cash_sale"), st.sampled_from(TILLS), st.just(0), AMOUNT),
    st.tuples(st.just("recharge"), st.sampled_from(TILLS), st.integers(0, 2),
              st.integers(1, 5_000)),
    st.tuples(st.just("close"), st.sampled_from(TILLS), st.integers(0, 300), st.just(0)),
)


def run(tills: dict[int, Till], books: Books, cards: list[int], clock: Clock,
        ops: list[tuple[str, int, int, int]]) -> None:
    open_sales: list[tuple[uuid.UUID, int, int]] = []  # not voided: id, card part, cash
    for kind, till_id, k, amount in ops:
        t = tills[till_id]
        d = t.drawer
        at = clock.tick(7)
        if kind in ("sale", "split"):
            r = t.checkout.charge(CASHIER, cards[k], amount, split_tender=kind == "split")
            if r.ok:
                assert r.quote is not None and r.entry is not None
                d.sales += 1
                d.card_part += r.quote.card_part
                d.sale_cash += r.quote.shortfall
                open_sales.append((r.entry.id, r.quote.card_part, r.quote.shortfall))
        elif kind == "void_last":
            last = t.checkout.last_sale
            sale = next((s for s in open_sales if last and s[0] == last.entry_id), None)
            if last is not None and sale is None:
                continue  # voided already, from elsewhere (below)
            r = t.checkout.void_last(MANAGER)
            if r.ok:
                assert sale is not None and r.entry is not None
                open_sales.remove(sale)
                d.voids += 1
                d.voided_card += r.entry.total_delta
                d.handed_back += r.cash_back
                assert (r.entry.total_delta, r.cash_back) == sale[1:]
        elif kind == "void_any" and open_sales:  # an earlier sale, maybe another shift's
            sale_id, card_part, cash = open_sales.pop(k % len(open_sales))
            books.ledger.void(uuid.uuid4(), till_id, sale_id, at, MANAGER.user_id)
            d.voids += 1
            d.voided_card += card_part
            d.handed_back += cash
        elif kind == "cash_sale":
            assert t.checkout.cash_sale(CASHIER, amount).ok
            d.cash_sales += 1
            d.cash_sales_amount += amount
        elif kind == "recharge":
            books.ledger.recharge(uuid.uuid4(), till_id, cards[k], amount, at,
                                  CASHIER.user_id)
            d.recharges += 1
            d.recharge_cash += amount
        elif kind == "close":
            open_shift(t, close_shift(t, k))
    for t in tills.values():
        close_shift(t, 0)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=30))
def test_each_z_is_its_journal_and_z_numbers_run_1_to_n_per_till(
        tmp_path_factory: pytest.TempPathFactory, hasher: SecretHasher,
        ops: list[tuple[str, int, int, int]]) -> None:
    folder: Path = tmp_path_factory.mktemp("shifts")
    engine = make_engine(str(folder / "till.db"))
    upgrade(engine)
    books = make_books(engine)
    clock = Clock(NOW)
    cards = [books.card(f"53{i}", cash=2_500) for i in range(3)]
    tills = {i: till(books, i, clock, hasher) for i in TILLS}
    try:
        for t in tills.values():
            open_shift(t, t.shifts.count({1_000: 3}))
        run(tills, books, cards, clock, ops)
        with engine.connect() as conn:
            marks = {(r.till_id, r.z_no): (r.open_mark, r.close_mark) for r in conn.execute(
                text("SELECT till_id, z_no, open_mark, close_mark FROM shifts"))}
        for t in tills.values():
            numbers = [z.z_no for z, _ in t.zs]
            assert numbers == list(range(1, len(t.zs) + 1))
            assert t.shifts.z_numbers() == numbers
            for z, seen in t.zs:
                after, upto = marks[(t.till_id, z.z_no)]
                tot = z.totals
                figures = {name: getattr(tot, name) for name in (
                    "sales", "card_part", "sale_cash", "voids", "voided_card",
                    "handed_back", "cash_sales",
                    "cash_sales_amount", "recharges", "recharge_cash")}
                assert figures == journal_sums(engine, t.till_id, after, upto)
                assert figures == {name: getattr(seen, name) for name in figures}
                assert z.float_count.total == seen.float_total
                assert z.expected == seen.expected
                assert z.difference == (z.counted.total if z.counted else 0) - seen.expected
            # Z 1, 2, ... cover the till's whole journal end to end, each entry once
            spans = [marks[(t.till_id, n)] for n in range(1, len(t.zs) + 1)]
            with engine.connect() as conn:
                entries = conn.execute(text("SELECT COUNT(*) FROM journal WHERE till_id = :t"),
                                       {"t": t.till_id}).scalar_one()
            assert [a for a, _ in spans] == [0] + [b for _, b in spans[:-1]]
            assert spans[-1][1] == entries
    finally:
        for t in tills.values():
            t.queue.close()
        engine.dispose()
