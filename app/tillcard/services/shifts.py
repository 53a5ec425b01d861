"""The counter's shifts: open with a counted float, X at any time, close with a counted drawer.

Figures come from the till's own record of what it did (``SalesBook.till_entries``), so an
X or a Z agrees with the journal by construction; the Z is frozen when the shift closes
and printed from that snapshot (a reprint never reads the journal again). A difference
beyond the site's allowance needs a manager's PIN (``AuthService.approve``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from tillcard.devices.printer.base import ReceiptSink
from tillcard.domain.cash import CashCount, denominations
from tillcard.domain.permissions import Permission
from tillcard.domain.receipt import ReceiptContext, ShiftReport
from tillcard.domain.shift import ShiftSummary, needs_approval, shift_totals
from tillcard.services.auth import Approval, Session
from tillcard.services.ports import SalesBook
from tillcard.services.views import TillInfo
from tillcard.store.reference import ReferenceStore
from tillcard.store.shifts import OpenShift, ShiftAlreadyOpen, ShiftStore

__all__ = ["ApprovalNeeded", "NoOpenShift", "ShiftAlreadyOpen", "ShiftService"]

Clock = Callable[[], datetime]


class NoOpenShift(Exception):
    """Nothing can be sold, reported or closed before a shift is opened."""


class ApprovalNeeded(Exception):
    """The drawer is off by more than the site allows: a manager must approve the Z."""

    def __init__(self, difference: int) -> None:
        super().__init__(f"the drawer is off by {difference} minor units")
        self.difference = difference


@dataclass(frozen=True)
class ShiftPolicy:
    approval_over: int = 1_000  # minor units off before a manager must sign
    currency_code: str = "CNY"


class ShiftService:
    def __init__(self, store: ShiftStore, book: SalesBook, refs: ReferenceStore,
                 till: TillInfo, printer: ReceiptSink, clock: Clock,
                 policy: ShiftPolicy | None = None) -> None:
        self._store = store
        self._book = book
        self._refs = refs
        self._till = till
        self._printer = printer
        self._clock = clock
        self.policy = policy or ShiftPolicy()

    @property
    def denominations(self) -> tuple[int, ...]:
        return denominations(self.policy.currency_code)

    def count(self, pieces: Mapping[int, int]) -> CashCount:
        """A drawer count from what was keyed, checked against this currency's cash."""
        return CashCount.of(pieces, self.denominations)

    def current(self) -> OpenShift | None:
        return self._store.current(self._till.till_id)

    def suggested_float(self) -> CashCount:
        """What the last Z counted: the float carried to the next shift."""
        last = self._store.last_z(self._till.till_id)
        if last is None:
            return CashCount()
        z = ShiftSummary.from_snapshot(last)
        return z.counted or CashCount()

    def open(self, session: Session, float_count: CashCount) -> OpenShift:
        session.require(Permission.OPEN_SHIFT)
        till = self._till.till_id
        return self._store.open(till, session.user_id, float_count, self._clock(),
                                self._book.till_mark(till))

    def x_report(self, session: Session, *, print_it: bool = False) -> ShiftSummary:
        """The shift so far; nothing stored, nothing closed."""
        session.require(Permission.X_REPORT)
        shift = self._open_shift()
        summary = self._summary(shift, self._book.till_mark(self._till.till_id))
        if print_it:
            self._printer.submit(self.receipt(summary, session.name))
        return summary

    def close(self, session: Session, counted: CashCount, comment: str = "",
              approval: Approval | None = None) -> ShiftSummary:
        """Count, compare, freeze, number, print; refuses a large difference unapproved."""
        session.require(Permission.CLOSE_SHIFT)
        shift = self._open_shift()
        now = self._clock()
        mark = self._book.till_mark(self._till.till_id)
        summary = replace(self._summary(shift, mark), counted=counted, comment=comment.strip(),
                          closed_at=now, closed_by=session.user_id,
                          approved_by=approval.user_id if approval else None)
        difference = summary.difference or 0
        if needs_approval(difference, self.policy.approval_over) and approval is None:
            raise ApprovalNeeded(difference)
        if approval is not None:
            summary = replace(summary, names={**summary.names,
                                              approval.user_id: approval.name})

        def frozen(z_no: int) -> str:
            return replace(summary, z_no=z_no).snapshot()

        closed = self._store.close(shift.id, self._till.till_id, now, session.user_id, mark,
                                   counted.total, summary.expected, summary.approved_by,
                                   frozen)
        z = ShiftSummary.from_snapshot(closed.snapshot)
        self._printer.submit(self.receipt(z, session.name))
        return z

    def reprint_z(self, session: Session, z_no: int) -> ShiftSummary:
        session.require(Permission.X_REPORT)
        snap = self._store.z(self._till.till_id, z_no)
        if snap is None:
            raise KeyError(f"no Z {z_no} at this till")
        z = ShiftSummary.from_snapshot(snap)
        self._printer.submit(self.receipt(z, session.name, reprint=True))
        return z

    def z_numbers(self) -> list[int]:
        return self._store.z_numbers(self._till.till_id)

    # -- internals ----------------------------------------------------------------------

    def _open_shift(self) -> OpenShift:
        shift = self.current()
        if shift is None:
            raise NoOpenShift("no shift is open at this till")
        return shift

    def _summary(self, shift: OpenShift, upto: int) -> ShiftSummary:
        entries = self._book.till_entries(self._till.till_id, shift.open_mark, upto)
        totals = shift_totals(entries)
        ids = {shift.opened_by, *totals.cashiers}
        names = {i: u.name for i in ids if (u := self._refs.user(i)) is not None}
        return ShiftSummary(shift.id, self._till.till_id, shift.opened_at, shift.opened_by,
                            shift.float_count, totals, names=names)

    def receipt(self, s: ShiftSummary, printed_by: str, *, reprint: bool = False
                ) -> ShiftReport:
        """The printer's view of an X or a Z (``z_no`` is None for an X)."""
        t = s.totals
        at = s.closed_at or self._clock()
        return ShiftReport(
            ctx=ReceiptContext(self._till.site, self._till.till_name, printed_by, at),
            opened_at=s.opened_at, sales_count=t.sales, sales_total=t.card_part + t.sale_cash,
            voids_count=t.voids, voids_total=t.voided_card + t.handed_back,
            card_total=t.card_part - t.voided_card,
            cash_tendered_total=t.sale_cash - t.handed_back + t.cash_sales_amount,
            recharge_total=t.recharge_cash,
            cash_counted=s.counted.total if s.counted is not None else None,
            cash_expected=s.expected)
