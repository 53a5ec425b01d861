"""The shift dialogs driven through their widgets, on a real ShiftService over SQLite."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from tests.conftest import NOW, Books
from tests.services.test_shifts import CASHIER, MANAGER, Clock, sell
from tillcard.devices.printer.decode import DecodedPrint
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.domain.cash import CashCount
from tillcard.domain.money import Currency
from tillcard.services.auth import Approval
from tillcard.services.shifts import ShiftPolicy, ShiftService
from tillcard.services.views import TillInfo
from tillcard.store.shifts import ShiftStore
from tillcard.ui.shift_dialogs import (
    CloseShiftDialog,
    DenominationCounter,
    OpenShiftDialog,
    XReportView,
)
from tillcard.ui.tasks import TaskRunner

FLOAT = {10_000: 1, 1_000: 5, 100: 20}  # 170.00
LEFT = Qt.MouseButton.LeftButton


@dataclass
class Shop:
    books: Books
    svc: ShiftService
    tasks: TaskRunner
    printer: SimulatedPrinter
    clock: Clock
    cur: Currency = field(default_factory=Currency)

    def printed(self, count: int) -> DecodedPrint:
        assert self.printer.wait_for_jobs(count)
        return self.printer.jobs[count - 1]

    def busy_shift(self) -> None:
        """Expected 202.00: float 170.00, 7.00 split cash handed back on its void,
        20.00 recharged, 12.00 cash sale; 25.00 of card sales."""
        books, clock = self.books, self.clock
        rich, poor = books.card("5101", cash=50_000), books.card("5102", cash=300)
        self.svc.open(CASHIER, self.svc.count(FLOAT))
        sell(books, rich, 1_500, clock.tick())
        split = sell(books, poor, 1_000, clock.tick(), split=True).entry
        assert split is not None
        books.ledger.recharge(uuid.uuid4(), 1, rich, 2_000, clock.tick(), CASHIER.user_id)
        books.ledger.void(uuid.uuid4(), 1, split.id, clock.tick(), CASHIER.user_id)
        books.ledger.cash_sale(uuid.uuid4(), 1, 1_200, clock.tick(), CASHIER.user_id)


@pytest.fixture
def shop(books: Books) -> Iterator[Shop]:
    printer = SimulatedPrinter()
    queue = PrintQueue(printer, ReceiptSettings())
    clock = Clock(NOW)
    svc = ShiftService(ShiftStore(books.engine), books.ledger, books.refs,
                       TillInfo(1, "Till 1", "Canteen North"), queue, clock,
                       ShiftPolicy(approval_over=1_000))
    tasks = TaskRunner()
    yield Shop(books, svc, tasks, printer, clock)
    tasks.shutdown()
    queue.close()


class FakeApproval:
    """Stands in for the manager's PIN dialog: records the differences it is shown."""

    def __init__(self, answer: Approval | None) -> None:
        self.answer = answer
        self.asked: list[int] = []

    def __call__(self, difference: int) -> Approval | None:
        self.asked.append(difference)
        return self.answer


def manager() -> Approval:
    return Approval(MANAGER.user_id, MANAGER.name, NOW)


def shown(qtbot, dialog: QDialog, shop: Shop) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: shop.tasks.idle)


def key_in(qtbot, counter: DenominationCounter, counts: dict[int, int]) -> None:
    """Type each count over what the field held, as a cashier would."""
    for denom, box in counter.fields.items():
        box.selectAll()
        qtbot.keyClicks(box, str(counts.get(denom, 0)))


# -- open --------------------------------------------------------------------------------

def test_open_a_shift_with_a_counted_float(qtbot, shop: Shop) -> None:
    dlg = OpenShiftDialog(shop.svc, CASHIER, shop.tasks, shop.cur)
    shown(qtbot, dlg, shop)
    counter = dlg.counter
    assert list(counter.fields) == [10_000, 5_000, 2_000, 1_000, 500, 100, 50, 10]
    assert all(f.text() == "0" for f in counter.fields.values())
    assert counter.total_label.text() == "0.00"
    qtbot.mouseClick(counter.less[10_000], LEFT)  # nothing below none
    assert counter.fields[10_000].text() == "0"
    for _ in range(2):
        qtbot.mouseClick(counter.more[10_000], LEFT)
    counter.fields[1_000].selectAll()
    qtbot.keyClicks(counter.fields[1_000], "5x")  # the field takes digits only
    assert counter.fields[1_000].text() == "5"
    assert counter.line_totals[10_000].text() == "200.00"
    assert counter.total_label.text() == "250.00"
    with qtbot.waitSignal(dlg.shift_opened, timeout=5_000):
        qtbot.mouseClick(dlg.ok_button, LEFT)
    assert dlg.result() == QDialog.DialogCode.Accepted
    shift = shop.svc.current()
    assert shift is not None and shift.float_count == CashCount.of({10_000: 2, 1_000: 5})
    assert shift.opened_by == CASHIER.user_id


def test_the_float_is_carried_over_from_the_last_z(qtbot, shop: Shop) -> None:
    shop.svc.open(CASHIER, shop.svc.count(FLOAT))
    last_count = shop.svc.count({10_000: 1, 2_000: 2, 100: 7, 50: 1})
    shop.svc.close(CASHIER, last_count, "paid a supplier", manager())
    dlg = OpenShiftDialog(shop.svc, CASHIER, shop.tasks, shop.cur)
    shown(qtbot, dlg, shop)
    assert dlg.counter.counts() == {10_000: 1, 5_000: 0, 2_000: 2, 1_000: 0, 500: 0,
                                    100: 7, 50: 1, 10: 0}
    assert dlg.counter.total_label.text() == "147.50"
    assert "carried over" in dlg.message.text()
    with qtbot.waitSignal(dlg.shift_opened, timeout=5_000):
        qtbot.mouseClick(dlg.ok_button, LEFT)
    shift = shop.svc.current()
    assert shift is not None and shift.float_count == last_count


def test_opening_twice_is_refused_in_words(qtbot, shop: Shop) -> None:
    shop.svc.open(CASHIER, CashCount())
    dlg = OpenShiftDialog(shop.svc, CASHIER, shop.tasks, shop.cur)
    shown(qtbot, dlg, shop)
    qtbot.mouseClick(dlg.ok_button, LEFT)
    qtbot.waitUntil(lambda: shop.tasks.idle)
    assert dlg.message.text() == "A shift is already open at this till"
    assert dlg.message.property("state") == "error"
    assert dlg.isVisible() and dlg.ok_button.isEnabled()


# -- X -----------------------------------------------------------------------------------

def test_the_x_shows_the_shift_so_far_and_prints_it(qtbot, shop: Shop) -> None:
    shop.busy_shift()
    dlg = XReportView(shop.svc, CASHIER, shop.tasks, shop.cur)
    shown(qtbot, dlg, shop)
    figures = {k: w.text() for k, w in dlg.figures.items()}
    assert figures == {
        "sales": "25.00", "card_part": "18.00", "sale_cash": "7.00", "cash_sales": "12.00",
        "voids": "10.00", "voided_card": "3.00", "handed_back": "7.00",
        "recharges": "20.00", "net_sales": "27.00", "float": "170.00", "cash_in": "39.00",
        "cash_out": "−7.00", "expected": "202.00"}
    assert {k: w.text() for k, w in dlg.counts.items()} == {
        "sales": "2", "cash_sales": "1", "voids": "1", "recharges": "1"}
    assert "by Li Na" in dlg.opened.text()
    shop.books.ledger.cash_sale(uuid.uuid4(), 1, 300, shop.clock.tick(), CASHIER.user_id)
    qtbot.mouseClick(dlg.refresh_button, LEFT)
    qtbot.waitUntil(lambda: shop.tasks.idle)
    assert dlg.counts["cash_sales"].text() == "2"
    assert dlg.figures["expected"].text() == "205.00"
    qtbot.mouseClick(dlg.print_button, LEFT)
    qtbot.waitUntil(lambda: shop.tasks.idle)
    assert dlg.message.text() == "X report sent to the printer"
    job = shop.printed(1)
    assert "SHIFT REPORT (X)" in job.lines
    assert "Cash expected" + " " * 29 + "205.00" in job.lines
    assert shop.svc.current() is not None


def test_the_x_without_a_shift(qtbot, shop: Shop) -> None:
    dlg = XReportView(shop.svc, CASHIER, shop.tasks, shop.cur)
    shown(qtbot, dlg, shop)
    assert dlg.message.text() == "No shift is open at this till"
    assert not dlg.print_button.isEnabled()
    assert dlg.figures["expected"].text() == ""


# -- close -------------------------------------------------------------------------------

def close_dialog(qtbot, shop: Shop, approve: FakeApproval) -> CloseShiftDialog:
    dlg = CloseShiftDialog(shop.svc, CASHIER, shop.tasks, shop.cur, approve)
    shown(qtbot, dlg, shop)
    assert dlg.expected.text() == "202.00"
    return dlg


def test_close_exact(qtbot, shop: Shop) -> None:
    shop.busy_shift()
    approve = FakeApproval(None)
    dlg = close_dialog(qtbot, shop, approve)
    assert not dlg.close_button.isEnabled()  # nothing counted: 202.00 short
    key_in(qtbot, dlg.counter, {10_000: 2, 100: 2})
    assert dlg.counted.text() == "202.00"
    assert dlg.difference.text() == "0.00"
    assert dlg.difference.property("state") == "exact"
    assert dlg.difference_word.text() == "EXACT"
    assert dlg.close_button.isEnabled()  # no comment needed
    with qtbot.waitSignal(dlg.shift_closed, timeout=5_000) as closed:
        qtbot.mouseClick(dlg.close_button, LEFT)
    z = closed.args[0]
    assert z.z_no == 1 and z.difference == 0 and z.approved_by is None
    assert dlg.z_number.text() == "Z 1"
    assert approve.asked == []
    assert shop.svc.current() is None
    assert "Report no.                                   Z 1" in shop.printed(1).lines
    assert not dlg.counter.fields[100].isEnabled() and dlg.close_button.text() == "Done"
    qtbot.mouseClick(dlg.close_button, LEFT)
    assert dlg.result() == QDialog.DialogCode.Accepted


def test_close_short_within_the_allowance_needs_a_comment(qtbot, shop: Shop) -> None:
    shop.busy_shift()
    approve = FakeApproval(None)
    dlg = close_dialog(qtbot, shop, approve)
    key_in(qtbot, dlg.counter, {10_000: 1, 5_000: 1, 2_000: 2, 500: 1, 100: 2})  # 197.00
    assert dlg.difference.text() == "−5.00"
    assert (dlg.difference.property("state"), dlg.difference_word.text()) == ("short", "SHORT")
    assert not dlg.close_button.isEnabled()
    qtbot.keyClicks(dlg.comment, "gave change twice")
    assert dlg.close_button.isEnabled()
    with qtbot.waitSignal(dlg.shift_closed, timeout=5_000) as closed:
        qtbot.mouseClick(dlg.close_button, LEFT)
    z = closed.args[0]
    assert (z.difference, z.comment, z.approved_by) == (-500, "gave change twice", None)
    assert approve.asked == []
    assert dlg.z_number.text() == "Z 1"


def test_over_shows_amber(qtbot, shop: Shop) -> None:
    shop.busy_shift()
    dlg = close_dialog(qtbot, shop, FakeApproval(None))
    key_in(qtbot, dlg.counter, {10_000: 2, 100: 2, 50: 1})
    assert dlg.difference.text() == "+0.50"
    assert (dlg.difference.property("state"), dlg.difference_word.text()) == ("over", "OVER")
    assert dlg.difference.grab().toImage().pixelColor(1, 1).name() == "#ffb300"


def test_close_short_beyond_the_allowance_asks_a_manager(qtbot, shop: Shop) -> None:
    shop.busy_shift()
    approve = FakeApproval(manager())
    dlg = close_dialog(qtbot, shop, approve)
    key_in(qtbot, dlg.counter, {10_000: 1, 5_000: 1, 2_000: 1, 100: 2})  # 172.00
    assert dlg.difference.text() == "−30.00"
    qtbot.keyClicks(dlg.comment, "float miscounted")
    with qtbot.waitSignal(dlg.shift_closed, timeout=5_000) as closed:
        qtbot.mouseClick(dlg.close_button, LEFT)
    z = closed.args[0]
    assert approve.asked == [-3_000]
    assert z.approved_by == MANAGER.user_id and z.difference == -3_000
    assert "approved by Wang Fang" in dlg.message.text()
    assert "Approved by" + " " * 28 + "Wang Fang" in shop.printed(1).lines


def test_a_cancelled_approval_leaves_the_shift_open(qtbot, shop: Shop) -> None:
    shop.busy_shift()
    approve = FakeApproval(None)
    dlg = close_dialog(qtbot, shop, approve)
    key_in(qtbot, dlg.counter, {10_000: 1, 5_000: 1, 2_000: 1, 100: 2})
    qtbot.keyClicks(dlg.comment, "float miscounted")
    qtbot.mouseClick(dlg.close_button, LEFT)
    qtbot.waitUntil(lambda: shop.tasks.idle)
    assert approve.asked == [-3_000]
    assert dlg.message.text().startswith("Not closed")
    assert shop.svc.current() is not None and shop.svc.z_numbers() == []
    assert dlg.isVisible() and dlg.z is None
    assert dlg.close_button.isEnabled() and dlg.counter.fields[100].isEnabled()
    approve.answer = manager()  # the manager comes after all
    with qtbot.waitSignal(dlg.shift_closed, timeout=5_000):
        qtbot.mouseClick(dlg.close_button, LEFT)
    assert approve.asked == [-3_000, -3_000]
    assert shop.svc.z_numbers() == [1]


def test_the_dialog_stays_while_a_close_is_in_flight(qtbot, shop: Shop) -> None:
    shop.busy_shift()
    dlg = close_dialog(qtbot, shop, FakeApproval(None))
    key_in(qtbot, dlg.counter, {10_000: 2, 100: 2})
    gate = threading.Event()
    shop.tasks.run(gate.wait, lambda _: None, lambda _: None)  # the worker is busy
    try:
        qtbot.mouseClick(dlg.close_button, LEFT)
        assert not dlg.close_button.isEnabled() and not dlg.cancel_button.isEnabled()
        dlg.reject()  # Esc or the window's close button
        assert dlg.isVisible()
    finally:
        gate.set()
    qtbot.waitUntil(lambda: dlg.z is not None)
    assert dlg.z_number.text() == "Z 1"
