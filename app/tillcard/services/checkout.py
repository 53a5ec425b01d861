"""The cashier's use cases: look a card up, charge it (PIN, split tender), void the last sale.

Called from a worker thread by the UI: every method may touch the database.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from tillcard.devices.printer.base import ReceiptSink
from tillcard.domain.meals import minute_of
from tillcard.domain.permissions import Permission
from tillcard.domain.rules import MAX_PIN_FAILURES, Refusal, RefusalCode, Refused
from tillcard.services.auth import Approval, Role, SecretHasher, Session
from tillcard.services.ports import CardDirectory, SalesBook
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.views import CardView, ChargeResult, LastSale, TillInfo
from tillcard.store.audit import AuditEvent
from tillcard.store.ledger import SaleRequest

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
VOID_GRACE = timedelta(minutes=2)  # "right after the sale": the customer is still there


def local_now() -> datetime:
    return datetime.now().astimezone()


class CheckoutService:
    def __init__(self, ledger: SalesBook, refs: CardDirectory, printer: ReceiptSink,
                 till: TillInfo, hasher: SecretHasher, receipts: ReceiptBuilder,
                 clock: Clock = local_now, offline: Callable[[], bool] = lambda: False,
                 shift: Callable[[], uuid.UUID | None] | None = None,
                 void_grace: timedelta | None = VOID_GRACE,
                 audit: Callable[[AuditEvent], None] | None = None,
                 minute: Callable[[datetime], int] = minute_of) -> None:
        """Wire the sale to its shift, its void rule and the audit trail.

        ``shift``: the open shift's id, or None (then nothing sells); without it (unit
        tests of the sale alone) there is no shift discipline. ``void_grace``: how long
        after a sale its cashier may void it alone; None: always (no manager needed).
        ``minute``: the site clock's wall-clock minute of an instant (``SiteClock.minute``),
        which meal windows and their set prices go by; by default the clock's own zone.
        """
        self._ledger = ledger
        self._refs = refs
        self._printer = printer
        self._till = till
        self._hasher = hasher
        self._receipts = receipts
        self._clock = clock
        self._offline = offline
        self._last: LastSale | None = None
        self._shift = shift
        self.void_grace = void_grace  # public: a site may change it live
        self._audit = audit
        self._minute = minute

    @property
    def till(self) -> TillInfo:
        return self._till

    @property
    def last_sale(self) -> LastSale | None:
        return self._last

    def lookup(self, token: str) -> CardView | Refusal:
        """Card view for a chip UID, reader number or typed card number."""
        card_id = self._refs.find_card_id(token)
        if card_id is None:
            return Refusal(RefusalCode.OFFLINE_UNKNOWN_CARD if self._offline()
                           else RefusalCode.UNKNOWN_CARD)
        return self.view(card_id)

    def view(self, card_id: int) -> CardView:
        now = self._clock()
        today = self._ledger.business_day(now)
        card, wallet, spent = self._ledger.card_state(card_id, today)
        return CardView(card, wallet, spent, today, self._minute(now))

    def charge(self, session: Session, card_id: int, list_amount: int, *, expression: str = "",
               split_tender: bool = False, pin: str | None = None,
               entry_id: uuid.UUID | None = None) -> ChargeResult:
        """Charge a card once; ``entry_id`` lets a caller retry the same sale safely."""
        session.require(Role.CASHIER)
        shift_id = self._current_shift()
        if self._shift is not None and shift_id is None:
            return ChargeResult(None, Refusal(RefusalCode.NO_SHIFT), None)
        pin_verified = False
        if pin is not None:
            refusal = self._check_pin(card_id, pin)
            if refusal:
                return ChargeResult(None, refusal, self.view(card_id))
            pin_verified = True
        now = self._clock()
        try:
            out = self._ledger.sale(SaleRequest(
                entry_id=entry_id or uuid.uuid4(), till_id=self._till.till_id,
                card_id=card_id, list_amount=list_amount, created_at=now,
                cashier_id=session.user_id, split_tender=split_tender,
                pin_verified=pin_verified))
        except Refused as r:
            return ChargeResult(None, r.refusal, None)
        card = out.card  # read under the charge's own lock; no second look-up
        view = CardView(card, out.wallet, out.spent, self._ledger.business_day(now),
                        self._minute(now))
        if out.entry is None:
            return ChargeResult(None, out.refusal, view, out.quote)
        if out.offline:
            log.info("sale %s recorded offline; the centre gets it on back-fill", out.entry.id)
        if out.quote is not None and not out.replayed:
            self._last = LastSale(out.entry.id, card_id, card.holder.name, out.quote.charge,
                                  out.quote.balance_after, out.entry.created_at,
                                  cash=out.entry.tendered_cash, shift_id=shift_id)
            self._printer.submit(self._receipts.sale(session, view, out.entry, out.quote,
                                                     expression, now))
            if out.entry.tendered_cash:
                self._printer.open_drawer()
        return ChargeResult(out.entry, None, view, out.quote, out.replayed, out.offline)

    def cash_sale(self, session: Session, amount: int, *,
                  entry_id: uuid.UUID | None = None) -> ChargeResult:
        """A sale without a card, paid in cash: on the till's own record like any sale.

        The walk-in card's entry goes to the journal (standalone) or the outbox (central),
        so the shift's X and Z count it; the drawer opens. It is not a card sale: F9 cannot
        void it, nor reach past it to the customer before (the last sale is forgotten).
        """
        session.require(Permission.SELL)
        if self._shift is not None and self._current_shift() is None:
            return ChargeResult(None, Refusal(RefusalCode.NO_SHIFT), None)
        now = self._clock()
        try:
            entry = self._ledger.cash_sale(entry_id or uuid.uuid4(), self._till.till_id,
                                           amount, now, session.user_id)
        except Refused as r:
            return ChargeResult(None, r.refusal, None)
        self._last = None
        self._printer.open_drawer()
        return ChargeResult(entry, None, None)

    def void_last(self, session: Session, approval: Approval | None = None,
                  reason: str = "") -> ChargeResult:
        """Void this shift's last sale: card money back to its purses, cash back in hand.

        Right after the sale (``void_grace``) its cashier may; later a manager approves by
        PIN, with a reason, and the audit trail keeps both.
        """
        session.require(Role.CASHIER)
        last = self._last
        if (last is None or last.voided
                or (self._shift is not None and last.shift_id != self._current_shift())):
            return ChargeResult(None, Refusal(RefusalCode.NOTHING_TO_VOID), None)
        now = self._clock()
        if approval is None and self._void_needs_approval(session, last, now):
            return ChargeResult(None, Refusal(RefusalCode.VOID_NEEDS_APPROVAL), None)
        out = self._ledger.void(uuid.uuid4(), self._till.till_id, last.entry_id, now,
                                session.user_id)
        assert out.entry is not None
        self._last = replace(last, voided=True)
        if approval is not None and self._audit is not None:
            self._audit(AuditEvent(now, approval.user_id, "void_approved", str(last.entry_id),
                                   f"voided by {session.name} (#{session.user_id}); "
                                   f"approved by {approval.name}", self._till.till_id,
                                   reason=reason.strip()))
        view = self.view(last.card_id)
        self._printer.submit(self._receipts.void(session, view, out.entry, now))
        if out.entry.tendered_cash:
            self._printer.open_drawer()
        return ChargeResult(out.entry, None, view, cash_back=out.entry.tendered_cash)

    def void_needs_approval(self, session: Session) -> bool:
        """Whether F9 now would ask for a manager (the prompt names it before the PIN)."""
        last = self._last
        return last is not None and self._void_needs_approval(session, last, self._clock())

    def _void_needs_approval(self, session: Session, last: LastSale, now: datetime) -> bool:
        if self.void_grace is None or session.can(Permission.VOID_EARLIER):
            return False
        return now - last.at > self.void_grace

    def _current_shift(self) -> uuid.UUID | None:
        return self._shift() if self._shift is not None else None

    def reprint_last(self) -> bool:
        return self._printer.reprint_last()

    def _check_pin(self, card_id: int, pin: str) -> Refusal | None:
        card = self.view(card_id).card
        if card.pin_failures >= MAX_PIN_FAILURES:
            return Refusal(RefusalCode.PIN_LOCKED)
        if card.pin_hash and self._hasher.verify(card.pin_hash, pin):
            if card.pin_failures:
                self._refs.set_pin_failures(card_id, 0)
            return None
        failures = card.pin_failures + 1
        self._refs.set_pin_failures(card_id, failures)
        log.info("wrong PIN for card %s (%d failures)", card.masked_number, failures)
        if failures >= MAX_PIN_FAILURES:
            return Refusal(RefusalCode.PIN_LOCKED)
        return Refusal(RefusalCode.WRONG_PIN, {"tries_left": MAX_PIN_FAILURES - failures})
