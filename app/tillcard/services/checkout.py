"""The cashier's use cases: look a card up, charge it (PIN, split tender), void a sale.

Called from a worker thread by the UI: every method may touch the database.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tillcard.devices.printer.base import ReceiptSink
from tillcard.domain.cards import Card
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.meals import minute_of
from tillcard.domain.office import OfficeRefused
from tillcard.domain.permissions import Permission
from tillcard.domain.rules import (
    MAX_PIN_FAILURES,
    Refusal,
    RefusalCode,
    Refused,
    card_state_refusal,
)
from tillcard.services.auth import Approval, Role, SecretHasher, Session
from tillcard.services.card_office import CardOffice
from tillcard.services.ports import CardDirectory, SalesBook
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.views import CardView, ChargeResult, LastSale, RecentSale, TillInfo
from tillcard.store.audit import AuditEvent
from tillcard.store.ledger import AlreadyVoided, Outcome, SaleRequest

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
VOID_GRACE = timedelta(minutes=2)  # "right after the sale": the customer is still there
RECENT_SALES = 100  # the newest sales of the shift the recent-sales list offers
RECENT_WINDOW = 2_000  # without shifts: how far back the till's own record is read


def local_now() -> datetime:
    return datetime.now().astimezone()


def _always() -> bool:
    return True


def _nothing(_out: Outcome) -> None:
    return None


@dataclass(frozen=True)
class CounterOffice:
    """The card office's recharge as this till reaches it (``bootstrap`` decides which).

    ``allowed``: whether this till's database login may act for the card office (always on
    a standalone till; at a central site only a login with the admin role). ``recorded``:
    keeps the entry in the till's own record (a central till's outbox) for its shift.
    """

    office: CardOffice
    allowed: Callable[[], bool] = _always
    recorded: Callable[[Outcome], None] = _nothing


class CheckoutService:
    def __init__(self, ledger: SalesBook, refs: CardDirectory, printer: ReceiptSink,
                 till: TillInfo, hasher: SecretHasher, receipts: ReceiptBuilder,
                 clock: Clock = local_now, offline: Callable[[], bool] = lambda: False,
                 shift: Callable[[], uuid.UUID | None] | None = None,
                 void_grace: timedelta | None = VOID_GRACE,
                 audit: Callable[[AuditEvent], None] | None = None,
                 minute: Callable[[datetime], int] = minute_of,
                 shift_mark: Callable[[], int | None] | None = None,
                 office: CounterOffice | None = None) -> None:
        """Wire the sale to its shift, its void rule and the audit trail.

        ``shift``: the open shift's id, or None (then nothing sells); without it (unit
        tests of the sale alone) there is no shift discipline. ``void_grace``: how long
        after a sale its cashier may void it alone; None: always (no manager needed).
        ``minute``: the site clock's wall-clock minute of an instant (``SiteClock.minute``),
        which meal windows and their set prices go by; by default the clock's own zone.
        ``shift_mark``: where the open shift's part of the till's record starts (None: no
        shift open), which bounds the sales an earlier void may reach; without it, the
        business day's sales among the record's newest entries.
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
        self._shift_mark = shift_mark
        self._office = office

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

    def cash_sale(self, session: Session, amount: int, *, received: int | None = None,
                  entry_id: uuid.UUID | None = None) -> ChargeResult:
        """A sale without a card, paid in cash: on the till's own record like any sale.

        The walk-in card's entry goes to the journal (standalone) or the outbox (central),
        so the shift's X and Z count it; the drawer opens and the receipt (``received``:
        the cash taken, for the change) prints. It is not a card sale: F9 cannot void it,
        nor reach past it to the customer before (the last sale is forgotten).
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
        self._printer.submit(self._receipts.cash_sale(session, entry, received, now))
        self._printer.open_drawer()
        return ChargeResult(entry, None, None)

    def recharge(self, session: Session, card_id: int, amount: int, *,
                 approval: Approval | None = None,
                 entry_id: uuid.UUID | None = None) -> ChargeResult:
        """Cash onto a card at the counter, through the card office's own service.

        A session that may recharge (a manager) does it itself; a cashier's recharge is
        made by the manager who approved it by PIN: the journal's user and the audit row
        name that manager, who answers for the cash. A till that cannot reach the card
        office's functions (``office`` None, or a central till whose login is not an
        admin's) refuses in words. The receipt names the cashier at the counter.
        """
        refusal = self.recharge_refusal(session)
        office = self._office
        if refusal is not None or office is None:
            return ChargeResult(None, refusal or Refusal(RefusalCode.RECHARGE_AT_OFFICE), None)
        acting = session
        if not session.can(Permission.RECHARGE):
            if approval is None:
                return ChargeResult(None, Refusal(RefusalCode.RECHARGE_NEEDS_APPROVAL), None)
            acting = Session(approval.user_id, "", approval.name, Role.MANAGER)
        try:
            out = office.office.recharge(acting, card_id, amount, entry_id)
        except OfficeRefused:  # lost, closed, replaced: the card says why
            view = self.view(card_id)
            return ChargeResult(None, card_state_refusal(view.card, view.today)
                                or Refusal(RefusalCode.CLOSED), view)
        assert out.entry is not None
        office.recorded(out)
        now = self._clock()
        view = self.view(card_id)
        if not out.replayed:
            self._printer.submit(self._receipts.recharge(session, view, out.entry, now))
            self._printer.open_drawer()
        return ChargeResult(out.entry, None, view, replayed=out.replayed)

    def recharge_refusal(self, session: Session) -> Refusal | None:
        """Why a recharge cannot be made at this till now (asked before the amount is)."""
        session.require(Permission.SELL)
        office = self._office
        if office is None or not office.allowed():
            return Refusal(RefusalCode.RECHARGE_AT_OFFICE)
        if self._shift is not None and self._current_shift() is None:
            return Refusal(RefusalCode.NO_SHIFT)
        return None

    def void_last(self, session: Session, approval: Approval | None = None,
                  reason: str = "") -> ChargeResult:
        """Void this shift's last sale (F9); the rules are ``void``'s."""
        session.require(Role.CASHIER)
        last = self._last
        if (last is None or last.voided
                or (self._shift is not None and last.shift_id != self._current_shift())):
            return ChargeResult(None, Refusal(RefusalCode.NOTHING_TO_VOID), None)
        return self.void(session, last.entry_id, approval, reason)

    def void(self, session: Session, sale_id: uuid.UUID, approval: Approval | None = None,
             reason: str = "") -> ChargeResult:
        """Void one card sale of this shift: card money back to its purses, cash in hand.

        The last sale, right after it (``void_grace``), its cashier may void alone; any
        other sale of the shift, or later, a manager approves by PIN with a reason, and
        the audit trail keeps both. Sales of earlier shifts are out of reach (their
        drawer is counted and closed): the card office corrects those.
        """
        session.require(Role.CASHIER)
        target = self._void_target(session, sale_id)
        if isinstance(target, Refusal):
            return ChargeResult(None, target, None)
        card_id, at = target
        now = self._clock()
        if approval is None and self._needs_approval(session, sale_id, at, now):
            return ChargeResult(None, Refusal(RefusalCode.VOID_NEEDS_APPROVAL), None)
        try:
            out = self._ledger.void(uuid.uuid4(), self._till.till_id, sale_id, now,
                                    session.user_id)
        except AlreadyVoided:  # by the card office meanwhile, or another till's retry
            return ChargeResult(None, Refusal(RefusalCode.ALREADY_VOIDED), None)
        assert out.entry is not None
        if self._last is not None and self._last.entry_id == sale_id:
            self._last = replace(self._last, voided=True)
        if approval is not None and self._audit is not None:
            self._audit(AuditEvent(now, approval.user_id, "void_approved", str(sale_id),
                                   f"voided by {session.name} (#{session.user_id}); "
                                   f"approved by {approval.name}", self._till.till_id,
                                   reason=reason.strip()))
        view = self.view(card_id)
        self._printer.submit(self._receipts.void(session, view, out.entry, now))
        if out.entry.tendered_cash:
            self._printer.open_drawer()
        return ChargeResult(out.entry, None, view, cash_back=out.entry.tendered_cash)

    def recent_sales(self, session: Session) -> list[RecentSale]:
        """This shift's card sales, newest first (at most ``RECENT_SALES``), voided or not.

        Cash sales without a card are not listed: nothing goes back to a card, and the
        cash goes back across the counter without the till's help.
        """
        session.require(Role.CASHIER)
        sales, voided = self._shift_sales()
        today = self._ledger.business_day(self._clock())
        cards: dict[int, Card] = {}
        out: list[RecentSale] = []
        for e in reversed(sales[-RECENT_SALES:]):
            card = cards.get(e.card_id)
            if card is None:
                card = cards[e.card_id] = self._ledger.card_state(e.card_id, today)[0]
            out.append(RecentSale(e.id, e.created_at, e.card_id, card.masked_number,
                                  card.holder.name, e.list_amount - e.discount,
                                  e.tendered_cash, e.id in voided))
        return out

    def void_needs_approval(self, session: Session) -> bool:
        """Whether F9 now would ask for a manager (the prompt names it before the PIN)."""
        last = self._last
        return last is not None and self._needs_approval(session, last.entry_id, last.at,
                                                         self._clock())

    def _needs_approval(self, session: Session, sale_id: uuid.UUID, at: datetime,
                        now: datetime) -> bool:
        if self.void_grace is None or session.can(Permission.VOID_EARLIER):
            return False
        last = self._last
        alone = last is not None and last.entry_id == sale_id and now - at <= self.void_grace
        return not alone

    def _void_target(self, session: Session, sale_id: uuid.UUID
                     ) -> tuple[int, datetime] | Refusal:
        """The sale's card and time when this shift may void it, else why not."""
        last = self._last
        if last is not None and last.entry_id == sale_id:
            if last.voided:
                return Refusal(RefusalCode.ALREADY_VOIDED)
            if self._shift is not None and last.shift_id != self._current_shift():
                return Refusal(RefusalCode.NOTHING_TO_VOID)
            return last.card_id, last.at
        sales, voided = self._shift_sales()
        sale = next((e for e in sales if e.id == sale_id), None)
        if sale is None:
            return Refusal(RefusalCode.NOTHING_TO_VOID)
        if sale.id in voided:
            return Refusal(RefusalCode.ALREADY_VOIDED)
        return sale.card_id, sale.created_at

    def _shift_sales(self) -> tuple[list[Entry], set[uuid.UUID]]:
        """The card sales in this shift's part of the till's record, and those voided."""
        till = self._till.till_id
        if self._shift_mark is not None:
            after = self._shift_mark()
            if after is None:
                return [], set()
            entries = self._ledger.till_entries(till, after)
        else:
            after = max(0, self._ledger.till_mark(till) - RECENT_WINDOW)
            today = self._ledger.business_day(self._clock())
            entries = [e for e in self._ledger.till_entries(till, after)
                       if self._ledger.business_day(e.created_at) == today]
        voided = {e.refers_to for e in entries
                  if e.kind is EntryKind.VOID and e.refers_to is not None}
        return [e for e in entries if e.kind is EntryKind.SALE], voided

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
