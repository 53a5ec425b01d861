"""The print queue against the TCP test printer: order, paper out, printer gone, drawer."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from escpos_test_printer import EscPosTestPrinter

from tillcard.devices.printer.base import PrinterStatus, ReceiptSink
from tillcard.devices.printer.connections import open_printer
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.render import ReceiptSettings, drawer_kick_bytes
from tillcard.domain.receipt import CardActionReceipt, SaleReceipt

Call = tuple[PrinterStatus, int, str]


class StatusLog:
    """Collects ``on_status`` calls from the worker; tests wait on it, never sleep."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._cond = threading.Condition()

    def __call__(self, status: PrinterStatus, pending: int, message: str) -> None:
        with self._cond:
            self.calls.append((status, pending, message))
            self._cond.notify_all()

    def wait_for(self, pred: Callable[[Call], bool], timeout: float = 5.0,
                 since: int = 0) -> Call:
        """The latest call from index ``since`` on that satisfies ``pred``."""
        with self._cond:
            found: list[Call] = []

            def seen() -> bool:
                found[:] = [c for c in self.calls[since:] if pred(c)]
                return bool(found)

            assert self._cond.wait_for(seen, timeout), f"no such status in {self.calls}"
            return found[-1]

    def count(self) -> int:
        with self._cond:
            return len(self.calls)


@pytest.fixture
def status_log() -> StatusLog:
    return StatusLog()


@pytest.fixture
def make_queue(test_printer: EscPosTestPrinter,
               status_log: StatusLog) -> Iterator[Callable[..., PrintQueue]]:
    queues: list[PrintQueue] = []

    def make(**kwargs: object) -> PrintQueue:
        conn = open_printer(test_printer.uri, status_timeout=0.3)
        options: dict[str, object] = {"poll_interval": 0.2, "retry_initial": 0.02,
                                      "retry_max": 0.1, **kwargs}
        q = PrintQueue(conn, ReceiptSettings(paper_mm=58), status_log, **options)  # type: ignore[arg-type]
        queues.append(q)
        return q

    yield make
    for q in queues:
        q.close()


def numbered(sale: SaleReceipt, n: int) -> SaleReceipt:
    return dataclasses.replace(sale, entry_id=uuid.UUID(int=n), balance_after=n * 100)


def qr_values(printer: EscPosTestPrinter) -> list[str]:
    return [e.value for job in printer.jobs for e in job.of("qr")]


def test_the_queue_is_a_receipt_sink(make_queue: Callable[..., PrintQueue]) -> None:
    sink: ReceiptSink = make_queue()
    assert sink.reprint_last() is False


def test_submit_returns_at_once_and_jobs_print_in_order(
        make_queue: Callable[..., PrintQueue], test_printer: EscPosTestPrinter,
        sale: SaleReceipt, status_log: StatusLog) -> None:
    q = make_queue()
    took = []
    for n in range(1, 6):
        start = time.perf_counter()
        q.submit(numbered(sale, n))
        took.append(time.perf_counter() - start)
    assert max(took) < 0.02  # typically ~20 µs; generous for a loaded CI box
    assert test_printer.wait_for_jobs(5)
    assert q.wait_idle(5)
    assert qr_values(test_printer) == [str(uuid.UUID(int=n)) for n in range(1, 6)]
    status_log.wait_for(lambda c: c == (PrinterStatus.OK, 0, "ready"))
    assert q.printed == 5


@pytest.mark.parametrize(("state", "status"), [
    ("paper_out", PrinterStatus.PAPER_OUT),
    ("cover_open", PrinterStatus.COVER_OPEN),
    ("offline", PrinterStatus.OFFLINE),
    ("silent", PrinterStatus.OFFLINE),
    ("gone", PrinterStatus.UNREACHABLE),
])
def test_a_problem_holds_the_job_until_the_printer_is_back_then_prints_it_once(
        make_queue: Callable[..., PrintQueue], test_printer: EscPosTestPrinter,
        sale: SaleReceipt, status_log: StatusLog, state: str,
        status: PrinterStatus) -> None:
    test_printer.set_state(state)
    q = make_queue()
    start = time.perf_counter()
    q.submit(numbered(sale, 1))
    assert time.perf_counter() - start < 0.02
    _, pending, message = status_log.wait_for(lambda c: c[0] is status and c[1] == 1)
    assert str(status) in message
    assert q.wait_for(lambda: any(j.attempts >= 2 for j in q.jobs()), 5)
    [job] = q.jobs()
    assert str(status) in job.last_error
    assert test_printer.jobs == []

    test_printer.set_state("ok")
    assert test_printer.wait_for_jobs(1)
    assert q.wait_idle(5)
    status_log.wait_for(lambda c: c == (PrinterStatus.OK, 0, "ready"))
    # A duplicate would print before the next receipt, since the queue keeps order.
    q.submit(numbered(sale, 2))
    assert test_printer.wait_for_jobs(2)
    assert qr_values(test_printer) == [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))]


def test_paper_near_end_prints_and_warns(make_queue: Callable[..., PrintQueue],
                                         test_printer: EscPosTestPrinter, sale: SaleReceipt,
                                         status_log: StatusLog) -> None:
    test_printer.set_state("near_end")
    q = make_queue()
    q.submit(sale)
    assert test_printer.wait_for_jobs(1)
    status_log.wait_for(lambda c: c[0] is PrinterStatus.PAPER_NEAR_END and c[1] == 0)


def test_idle_polling_notices_the_printer_going_away(
        make_queue: Callable[..., PrintQueue], test_printer: EscPosTestPrinter,
        status_log: StatusLog) -> None:
    q = make_queue()
    status_log.wait_for(lambda c: c[0] is PrinterStatus.OK)
    test_printer.set_state("gone")
    status_log.wait_for(lambda c: c[0] is PrinterStatus.UNREACHABLE and c[1] == 0)
    assert q.status is PrinterStatus.UNREACHABLE
    seen = status_log.count()
    test_printer.set_state("ok")
    status_log.wait_for(lambda c: c == (PrinterStatus.OK, 0, "ready"), since=seen)


def test_open_drawer_kicks_pin_2(make_queue: Callable[..., PrintQueue],
                                 test_printer: EscPosTestPrinter) -> None:
    assert drawer_kick_bytes() == b"\x1b\x70\x00\x32\x32"
    q = make_queue()
    q.open_drawer()
    assert test_printer.wait_for_jobs(1)
    [job] = test_printer.jobs
    assert [e.value for e in job.of("drawer")] == ["pin2"]
    assert job.lines == []


def test_drawer_opens_while_a_receipt_waits_for_paper(
        make_queue: Callable[..., PrintQueue], test_printer: EscPosTestPrinter,
        sale: SaleReceipt, status_log: StatusLog) -> None:
    test_printer.set_state("paper_out")
    q = make_queue()
    q.submit(sale)
    status_log.wait_for(lambda c: c[0] is PrinterStatus.PAPER_OUT)
    q.open_drawer()
    assert q.wait_idle(0.05) is False
    # Held like any job by a paper-out printer, but a real printer runs DLE DC4 at once.
    test_printer.set_state("ok")
    assert test_printer.wait_for_jobs(2)
    kinds = [e.kind for job in test_printer.jobs for e in job.events]
    assert kinds.index("realtime_drawer") < kinds.index("qr")


def test_drawer_kick_gives_up_when_the_printer_stays_away(
        make_queue: Callable[..., PrintQueue], test_printer: EscPosTestPrinter,
        status_log: StatusLog) -> None:
    test_printer.set_state("gone")
    q = make_queue(drawer_window=0.1)
    q.open_drawer()
    status_log.wait_for(lambda c: "cash drawer did not open" in c[2])
    assert q.wait_idle(5)


def test_reprint_last_marks_the_copy(make_queue: Callable[..., PrintQueue],
                                     test_printer: EscPosTestPrinter,
                                     sale: SaleReceipt) -> None:
    q = make_queue()
    assert q.reprint_last() is False
    q.submit(sale)
    assert q.reprint_last() is True
    assert test_printer.wait_for_jobs(2)
    first, copy = test_printer.jobs
    assert "*** REPRINT ***" not in first.lines
    assert "*** REPRINT ***" in copy.lines
    assert [ln for ln in copy.lines if ln != "*** REPRINT ***"] == first.lines


def test_a_receipt_that_cannot_be_laid_out_is_dropped_and_reported(
        make_queue: Callable[..., PrintQueue], test_printer: EscPosTestPrinter,
        card_close: CardActionReceipt, sale: SaleReceipt, status_log: StatusLog) -> None:
    q = make_queue()
    q.submit(dataclasses.replace(card_close, action="explode"))
    q.submit(sale)
    assert test_printer.wait_for_jobs(1)
    assert q.wait_idle(5)
    status_log.wait_for(lambda c: "could not be laid out" in c[2])
    assert "SALE" in test_printer.jobs[0].lines


def test_close_joins_the_worker_and_refuses_more(make_queue: Callable[..., PrintQueue],
                                                 sale: SaleReceipt) -> None:
    q = make_queue()
    q.close()
    assert not any(t.name == "print-queue" and t.is_alive() for t in threading.enumerate()
                   if t is q._thread)
    with pytest.raises(RuntimeError, match="closed"):
        q.submit(sale)


def test_settings_can_change_for_later_receipts(make_queue: Callable[..., PrintQueue],
                                                test_printer: EscPosTestPrinter,
                                                sale: SaleReceipt) -> None:
    q = make_queue()
    q.update_settings(ReceiptSettings(language="zh"))
    q.submit(sale)
    assert test_printer.wait_for_jobs(1)
    assert "消费小票" in test_printer.jobs[0].lines
