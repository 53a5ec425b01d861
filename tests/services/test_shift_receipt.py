"""X and Z reports from a real shift: mapped to the receipt, printed, decoded, reprinted."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pytest

from tests.conftest import NOW, Books
from tests.services.test_shifts import CASHIER, MANAGER, Clock, sell
from tillcard.devices.printer.decode import DecodedPrint
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.domain.cash import CashCount
from tillcard.services.auth import Approval
from tillcard.services.shifts import ShiftPolicy, ShiftService
from tillcard.services.views import TillInfo
from tillcard.store.shifts import ShiftStore

FLOAT = {10_000: 1, 1_000: 5, 100: 20}  # 170.00


@dataclass
class Till:
    svc: ShiftService
    printer: SimulatedPrinter
    clock: Clock

    def printed(self, count: int) -> DecodedPrint:
        """The ``count``-th job the printer printed, as text lines read from its bytes."""
        assert self.printer.wait_for_jobs(count)
        return self.printer.jobs[count - 1]


@pytest.fixture
def make_till(books: Books) -> Iterator[Callable[..., Till]]:
    queues: list[PrintQueue] = []

    def make(**settings: object) -> Till:
        printer = SimulatedPrinter()
        queue = PrintQueue(printer, ReceiptSettings(**settings))  # type: ignore[arg-type]
        queues.append(queue)
        clock = Clock(NOW)
        svc = ShiftService(ShiftStore(books.engine), books.ledger, books.refs,
                           TillInfo(1, "Till 1", "Canteen North"), queue, clock,
                           ShiftPolicy(approval_over=1_000))
        return Till(svc, printer, clock)

    yield make
    for q in queues:
        q.close()


def busy_shift(books: Books, till: Till) -> None:
    """Float 170.00; 15.00 on a card; 10.00 split (3.00 card, 7.00 cash) then voided;
    a 20.00 recharge in cash; a 12.00 cash sale: 170 + 7 + 20 + 12 - 7 = 202.00 expected.
    """
    clock = till.clock
    rich, poor = books.card("5101", cash=50_000), books.card("5102", cash=300)
    till.svc.open(CASHIER, till.svc.count(FLOAT))
    assert sell(books, rich, 1_500, clock.tick()).entry is not None
    split = sell(books, poor, 1_000, clock.tick(), split=True).entry
    assert split is not None and split.tendered_cash == 700
    books.ledger.recharge(uuid.uuid4(), 1, rich, 2_000, clock.tick(), CASHIER.user_id)
    books.ledger.void(uuid.uuid4(), 1, split.id, clock.tick(), CASHIER.user_id)
    books.ledger.cash_sale(uuid.uuid4(), 1, 1_200, clock.tick(), CASHIER.user_id)
    clock.tick()


def value_of(job: DecodedPrint, label: str) -> str:
    for line in job.lines:
        if line.startswith(label + " "):
            return line[len(label):].strip()
    raise AssertionError(f"no line {label!r} in\n{job.text}")


def test_the_receipt_carries_every_figure_of_the_x(books: Books,
                                                   make_till: Callable[..., Till]) -> None:
    till = make_till()
    busy_shift(books, till)
    x = till.svc.x_report(CASHIER)
    r = till.svc.receipt(x, CASHIER.name)
    assert r.z_no is None and r.closed_at is None and r.counted is None
    assert (r.ctx.site, r.ctx.till, r.ctx.cashier, r.ctx.at) == (
        "Canteen North", "Till 1", "Li Na", till.clock())
    assert r.opened_by == "Li Na" and r.cashiers == ("Li Na",)
    assert r.opened_at == NOW and r.opened_at.utcoffset() == NOW.utcoffset()
    assert r.float_count == CashCount.of(FLOAT) and r.float_count.total == 17_000
    assert (r.sales_count, r.sales_total, r.card_total, r.sale_cash) == (2, 2_500, 1_800, 700)
    assert (r.cash_sales_count, r.cash_sales_total) == (1, 1_200)
    assert (r.voids_count, r.voided_to_cards, r.cash_handed_back) == (1, 300, 700)
    assert (r.recharges_count, r.recharge_cash) == (1, 2_000)
    assert r.cash_in == 700 + 1_200 + 2_000 and r.cash_out == 700
    assert r.cash_expected == x.expected == 20_200 == 17_000 + r.cash_in - r.cash_out
    assert r.net_sales == 2_500 + 1_200 - 300 - 700
    assert not r.reprint


def test_an_approved_z_printed_and_read_back(books: Books,
                                             make_till: Callable[..., Till]) -> None:
    till = make_till(paper_mm=80)
    busy_shift(books, till)
    short = till.svc.count({10_000: 1, 5_000: 1, 2_000: 1, 100: 2})  # 172.00: 30.00 short
    approval = Approval(MANAGER.user_id, MANAGER.name, till.clock())
    z = till.svc.close(CASHIER, short, "float miscounted at opening", approval)
    job = till.printed(1)
    assert job.lines[1] == "SHIFT REPORT (Z)"
    assert value_of(job, "Report no.") == f"Z {z.z_no}" == "Z 1"
    assert value_of(job, "Till") == "Till 1"
    assert value_of(job, "Opened") == "2026-11-23 12:00:00"  # the till's time, not UTC
    assert value_of(job, "Closed") == "2026-11-23 12:06:00"
    assert value_of(job, "Closed by") == "Li Na"
    assert value_of(job, "Cash sales") == "1  12.00"
    assert value_of(job, "Cash expected") == "202.00"
    assert value_of(job, "Cash counted") == "172.00"
    assert value_of(job, "Difference (short)") == "-30.00"
    assert value_of(job, "Comment") == "float miscounted at opening"
    assert value_of(job, "Approved by") == "Wang Fang"
    assert job.of("cut")


def test_a_reprint_prints_the_same_figures(books: Books,
                                           make_till: Callable[..., Till]) -> None:
    till = make_till()
    busy_shift(books, till)
    z = till.svc.close(CASHIER, till.svc.count({10_000: 2, 100: 2}))  # exact
    first = till.printed(1)
    card = books.card("5109", cash=5_000)
    sell(books, card, 999, till.clock.tick(3_600))  # after the close: in no Z so far
    till.svc.reprint_z(MANAGER, z.z_no or 0)
    again = till.printed(2)
    assert "*** REPRINT ***" not in first.lines and "*** REPRINT ***" in again.lines
    assert value_of(again, "Reprinted") == "2026-11-23 13:06:00"
    assert value_of(again, "Printed by") == "Wang Fang"
    lines = [x for x in again.lines if x != "*** REPRINT ***"]
    at = next(i for i, x in enumerate(lines) if x.startswith("Reprinted"))
    del lines[at - 1:at + 2]  # the rule, Reprinted and Printed by
    assert lines == first.lines
    assert value_of(again, "Difference") == "0.00"
    assert value_of(again, "Card sales") == "2  25.00"  # not the sale after the close


def test_a_chinese_z(books: Books, make_till: Callable[..., Till]) -> None:
    till = make_till(paper_mm=58, language="zh")
    busy_shift(books, till)
    till.svc.close(CASHIER, till.svc.count({10_000: 2, 100: 4}), "多收两元")
    job = till.printed(1)
    assert "交班报表 (Z)" in job.lines
    assert value_of(job, "报表号") == "Z 1"
    assert value_of(job, "开班人") == "Li Na"
    assert value_of(job, "现金消费") == "1  12.00"
    assert value_of(job, "应有现金") == "202.00"
    assert value_of(job, "实点现金") == "204.00"
    assert value_of(job, "差额 (长款)") == "+2.00"
    assert value_of(job, "备注") == "多收两元"
    assert job.lines[-1].startswith("签名")


def test_an_x_printed_while_the_shift_runs(books: Books,
                                           make_till: Callable[..., Till]) -> None:
    till = make_till()
    busy_shift(books, till)
    till.svc.x_report(CASHIER, print_it=True)
    job = till.printed(1)
    assert "SHIFT REPORT (X)" in job.lines
    assert value_of(job, "Report no.") == "X"
    assert value_of(job, "As at") == "2026-11-23 12:06:00"
    assert value_of(job, "Cash expected") == "202.00"
    assert not any(x.startswith(("Cash counted", "Signature")) for x in job.lines)
    assert till.svc.current() is not None  # an X closes nothing


def test_the_closer_is_named_and_a_missing_name_prints_as_a_number(
        books: Books, make_till: Callable[..., Till]) -> None:
    till = make_till()
    till.svc.open(CASHIER, CashCount())
    z = till.svc.close(MANAGER, CashCount())  # the manager made no entry in the shift
    r = till.svc.receipt(z, MANAGER.name)
    assert r.opened_by == "Li Na"
    assert r.closed_by == "Wang Fang"
    nameless = till.svc.receipt(replace(z, names={}), MANAGER.name)
    assert (nameless.opened_by, nameless.closed_by) == ("#1", "#2")
