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


class CommentNeeded(ValueError):
    """A drawer that does not match is explained in words before the Z freezes it."""

    def __init__(self, difference: int) -> None:
        super().__init__(f"the drawer is {difference:+d} minor units off: say why")
        self.difference = difference


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
        summary = replace(summary, names={**summary.names, session.user_id: session.name})
        difference = summary.difference or 0
        if difference and not summary.comment:
            raise CommentNeeded(difference)
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
        """The printer's view of an X or a Z (``z_no`` is None for an X).

        Printed now by ``printed_by``; a Z's figures, names included, come from its frozen
        snapshot alone, so a reprint (marked as one) prints what the first print did.
        """
        t = s.totals
        now = self._clock()

        def local(at: datetime) -> datetime:  # the store reads times back in UTC
            return at.astimezone(now.tzinfo)

        def name(user_id: int | None) -> str:
            if user_id is None:
                return ""
            return s.names.get(user_id) or f"#{user_id}"

        return ShiftReport(
            ctx=ReceiptContext(self._till.site, self._till.till_name, printed_by, now),
            z_no=s.z_no, opened_at=local(s.opened_at), opened_by=name(s.opened_by),
            float_count=s.float_count,
            sales_count=t.sales, sales_total=t.card_part + t.sale_cash,
            card_total=t.card_part, sale_cash=t.sale_cash,
            cash_sales_count=t.cash_sales, cash_sales_total=t.cash_sales_amount,
            voids_count=t.voids, voided_to_cards=t.voided_card,
            cash_handed_back=t.handed_back,
            recharges_count=t.recharges, recharge_cash=t.recharge_cash,
            cash_expected=s.expected, refunds_paid=t.refunds, discounts=t.discounts,
            cashiers=tuple(name(i) for i in t.cashiers),
            closed_at=None if s.closed_at is None else local(s.closed_at),
            closed_by=name(s.closed_by), counted=s.counted, comment=s.comment,
            approved_by=name(s.approved_by), reprint=reprint)
