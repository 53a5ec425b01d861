"""Benchmark: receipt render-to-bytes and PrintQueue.submit (a script, not a pytest test).

Run: ``.venv/bin/python tests/benchmarks/bench_receipts.py [--n 1000]``. Budgets: render
< 20 ms, submit < 2 ms, both at p95.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.render import ReceiptSettings, render_receipt
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.domain.receipt import ReceiptContext, SaleReceipt


def sale(n: int) -> SaleReceipt:
    ctx = ReceiptContext("Canteen North", "T2", "Ann Lee", datetime(2025, 3, 4, 12, 5, 9))
    return SaleReceipt(ctx=ctx, entry_id=uuid.uuid4(), card_masked="**** **** 4321",
                       holder_short="王小明", expression=f"12.50*2+{n % 10}.00",
                       list_amount=2800 + n, discount=280, discount_label="staff 10 %",
                       charge=2520 + n, bonus_part=500, cash_part=1520 + n,
                       tendered_cash=500, balance_before=100_000, balance_after=97_480 - n)


def ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (f"median {statistics.median(ordered) * 1000:8.3f} ms   "
            f"p95 {p95 * 1000:8.3f} ms   max {ordered[-1] * 1000:8.3f} ms")


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    n = parser.parse_args().n
    receipts = [sale(i) for i in range(n)]
    render_receipt(receipts[0], ReceiptSettings())  # warm up imports and profile cache

    for label, settings in [
        ("render en 80 mm         ", ReceiptSettings()),
        ("render zh 58 mm gb18030 ", ReceiptSettings(paper_mm=58, language="zh")),
        ("render zh 80 mm FS &    ", ReceiptSettings(language="zh", cjk_mode="fs",
                                                     profile="TM-T88V")),
    ]:
        rs = iter(receipts)

        def render(s: ReceiptSettings = settings, rs: Iterator[SaleReceipt] = rs) -> bytes:
            return render_receipt(next(rs), s)

        print(label, ms(timed(render, n)))

    printer = SimulatedPrinter(status=PrinterStatus.PAPER_OUT)  # submit only enqueues
    queue = PrintQueue(printer, ReceiptSettings(), poll_interval=60, retry_initial=60)
    it = iter(receipts)
    print("PrintQueue.submit       ", ms(timed(lambda: queue.submit(next(it)), n)))

    start = time.perf_counter()
    printer.set_status(PrinterStatus.OK)
    queue.retry_now()
    assert queue.wait_idle(120), "queue did not drain"
    took = time.perf_counter() - start
    print(f"drain {n} jobs to the simulated printer: {took:.2f} s "
          f"({took / n * 1000:.2f} ms per receipt incl. render, status, decode)")
    queue.close()
    assert len(printer.texts) == n


if __name__ == "__main__":
    main()
