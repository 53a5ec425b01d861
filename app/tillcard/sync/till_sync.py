"""A till of the central profile: sales authorised at the centre, or offline, never lost.

The checkout service talks to this as it talks to a local ``Ledger``. Online, a sale is
first written to the outbox as ``authorizing`` (durable), then applied at the centre
under a watchdog deadline, then marked ``applied`` or ``declined``. If the centre does
not answer, the link goes offline and the same sale — same UUID — is decided under the
offline rules: allowed, it becomes ``offline`` and the cashier sees it paid (should the
centre in fact have applied it, the back-fill is a replay); refused, it stays
``authorizing`` until it can be settled (``sync.push.settle``).

While the link is not online, sales are decided and recorded locally only; the sync
worker (``sync.worker``) reconnects, settles, back-fills and pulls.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, select

from tillcard.domain.cards import Card
from tillcard.domain.journal import Entry, EntryKind, EntryState
from tillcard.domain.quote import make_quote, sale_entry, sale_refusal
from tillcard.domain.rules import DaySpend, Refusal, RefusalCode, Refused, offline_refusal
from tillcard.domain.wallet import Wallet
from tillcard.store.ledger import Ledger, LedgerError, Outcome, SaleRequest
from tillcard.store.reference import ReferenceStore
from tillcard.store.schema import JournalRow, TillRow
from tillcard.sync.cache import TillCache
from tillcard.sync.central import CentralOptions, Watchdog, is_link_error, settle_margin_s
from tillcard.sync.faults import AFTER_CENTRAL_COMMIT, AFTER_LOCAL_WRITE, crash_point
from tillcard.sync.link import Link, LinkState
from tillcard.sync.pull import PullResult, pull
from tillcard.sync.push import PushResult, SettleResult, push, settle

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OfflinePolicy:
    till_cap: int = 500_000  # minor units sold offline per till and business day


@dataclass(frozen=True)
class SyncReport:
    settled: SettleResult
    pushed: PushResult
    pulled: PullResult


class TillSync:
    def __init__(self, cache: TillCache, central: Engine, opts: CentralOptions,
                 policy: OfflinePolicy | None = None) -> None:
        self.cache = cache
        self.central = central
        self.opts = opts
        self.policy = policy or OfflinePolicy()
        self.watchdog = Watchdog(central)
        self.central_ledger = Ledger(central)
        self.central_refs = ReferenceStore(central)
        self.link = Link(cache.unsent_count)
        self.wake = threading.Event()  # the worker: something to push
        self._cycle_lock = threading.Lock()

    @property
    def till_id(self) -> int:
        return self.cache.till_id

    def offline(self) -> bool:
        return not self.link.online

    # -- what the checkout service calls (a worker thread, never the UI thread) ------------

    def business_day(self, at: datetime) -> date:
        return self.cache.clock.business_day(at)

    def sale(self, req: SaleRequest) -> Outcome:
        req.check(self.cache.ledger.rules)  # the same bounds offline and online
        if not self.link.online:
            return self._offline_sale(req)
        self.cache.add(_request_entry(req), EntryState.AUTHORIZING,
                       split_tender=req.split_tender, pin_verified=req.pin_verified,
                       sent_at=datetime.now().astimezone())
        crash_point(AFTER_LOCAL_WRITE)
        try:
            with self.watchdog.within(self.opts.call_timeout_s):
                out = self.central_ledger.sale(req)
        except Exception as exc:
            if not is_link_error(exc):
                self.cache.set_state(req.entry_id, EntryState.DECLINED, note=repr(exc))
                raise
            self._lost(exc)
            return self._offline_sale(req, converting=True)
        crash_point(AFTER_CENTRAL_COMMIT)
        if out.entry is not None:
            self.cache.applied_online(out)
        else:
            code = out.refusal.code.value if out.refusal else ""
            self.cache.set_state(req.entry_id, EntryState.DECLINED, note=code)
        return out

    def void(self, entry_id: uuid.UUID, till_id: int, sale_id: uuid.UUID,
             created_at: datetime, cashier_id: int | None = None) -> Outcome:
        """Void at the centre only.

        An offline void of a sale that may already be back-filled could not be decided
        safely; the cashier can refund in cash meanwhile.
        """
        if not self.link.online:
            raise LedgerError("a void needs the central link; it is down")
        try:
            with self.watchdog.within(self.opts.call_timeout_s):
                out = self.central_ledger.void(entry_id, till_id, sale_id, created_at,
                                               cashier_id)
        except Exception as exc:
            if is_link_error(exc):
                self._lost(exc)
                raise LedgerError("the centre did not answer; the void was not made") from exc
            raise
        self.cache.record_centre(out)
        return out

    def card_state(self, card_id: int, today: date) -> tuple[Card, Wallet, DaySpend]:
        if self.link.online:
            try:
                with self.watchdog.within(self.opts.call_timeout_s):
                    return self.central_ledger.card_state(card_id, today)
            except Exception as exc:
                if not is_link_error(exc):
                    raise
                self._lost(exc)
        return self.cache.card_state(card_id, today)

    def find_card_id(self, token: str) -> int | None:
        found = self.cache.find_card_id(token)
        if found is None and self.link.online:
            try:
                with self.watchdog.within(self.opts.call_timeout_s):
                    found = self.central_refs.find_card_id(token)
            except Exception as exc:
                if not is_link_error(exc):
                    raise
                self._lost(exc)
                return None
            if found is not None:
                self.wake.set()  # a card issued since the last pull: fetch it
        return found

    def set_pin_failures(self, card_id: int, failures: int) -> None:
        if self.link.online:
            try:
                with self.watchdog.within(self.opts.call_timeout_s):
                    self.central_ledger.set_pin_failures(self.till_id, card_id, failures)
            except Exception as exc:
                if not is_link_error(exc):
                    raise
                self._lost(exc)
        self.cache.refs.set_pin_failures(card_id, failures)

    # -- the sync cycle (worker thread or ``tillcard sync``) ------------------------------

    def probe(self) -> None:
        """Raise unless the centre answers now.

        On fresh connections: pooled ones may have died with the link.
        """
        self.central.dispose()
        with self.watchdog.within(self.opts.call_timeout_s), self.central.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def cycle(self, *, pull_only: bool = False) -> SyncReport:
        """Settle, back-fill, pull; the link goes online when nothing is left unsent."""
        with self._cycle_lock:
            deadline = self.opts.call_timeout_s * 10
            with self.watchdog.within(deadline):
                settled = SettleResult() if pull_only else settle(
                    self.central, self.cache, settle_margin_s(self.opts))
                pushed = PushResult() if pull_only else push(self.central, self.cache)
            with self.watchdog.within(deadline):
                pulled = pull(self.central, self.cache)
            if not pull_only and self.cache.unsent_count() == settled.waiting:
                if self.link.state is not LinkState.ONLINE:
                    self.link.up()
                else:
                    self.link.publish()
            return SyncReport(settled, pushed, pulled)

    def chain_check(self) -> ChainCheck:
        """Does the centre's copy of this till's chain agree with the till's own head?"""
        own = self.cache.chain_head()
        with self.watchdog.within(self.opts.call_timeout_s), self.central.connect() as conn:
            head = conn.execute(select(TillRow.last_seq, TillRow.last_hash).where(
                TillRow.id == self.till_id)).first()
            at_own = None if own is None else conn.execute(select(JournalRow.hash).where(
                JournalRow.till_id == self.till_id, JournalRow.seq == own[0])
            ).scalar_one_or_none()
        pending = self.cache.counts().get(EntryState.AUTHORIZING.value, 0)
        return judge_chain(own, None if head is None else (head.last_seq, head.last_hash),
                           at_own, pending)

    def _lost(self, exc: BaseException) -> None:
        log.warning("central link lost: %s", exc)
        self.link.down(f"no answer from the centre ({type(exc).__name__})")
        self.central.dispose()
        self.wake.set()

    # -- offline decisions ----------------------------------------------------------------

    def _offline_sale(self, req: SaleRequest, *, converting: bool = False) -> Outcome:
        today = self.cache.clock.business_day(req.created_at)
        try:
            card, wallet, spent = self.cache.card_state(req.card_id, today)
        except LedgerError:  # issued since the last pull; the centre is out of reach
            raise Refused(Refusal(RefusalCode.OFFLINE_UNKNOWN_CARD)) from None
        if converting:  # this sale itself is held back in full as authorizing: undo that
            wallet = Wallet(wallet.cash, wallet.grants, max(0, wallet.withheld
                                                            - req.list_amount))
            spent = DaySpend(max(0, spent.amount - req.list_amount), max(0, spent.count - 1))
        quote = make_quote(req.list_amount, card.card_type.discount_bp, wallet, today)
        till_today, card_today = self.cache.offline_debits(today, req.card_id)
        if converting:
            till_today -= req.list_amount
            card_today -= req.list_amount
        refusal = sale_refusal(card, quote, spent, today, split_tender=req.split_tender,
                               pin_verified=req.pin_verified) or offline_refusal(
            card, quote.card_part, card_today, till_today, self.policy.till_cap)
        if refusal is not None:
            if converting:
                log.info("sale %s not confirmed and refused offline (%s); settles later",
                         req.entry_id, refusal.code)
                self.link.publish()
            return Outcome(None, refusal, card, wallet, spent, quote)
        alloc = quote.allocation
        entry = sale_entry(req.entry_id, req.till_id, req.card_id, quote, req.cashier_id,
                           req.created_at)
        if converting:
            self.cache.set_state(req.entry_id, EntryState.OFFLINE, entry=entry,
                                 note="no answer from the centre; sold offline")
        else:
            self.cache.add(entry, EntryState.OFFLINE, split_tender=req.split_tender,
                           pin_verified=req.pin_verified)
        self.link.publish()
        return Outcome(entry, None, card, wallet.after(alloc),
                       DaySpend(spent.amount + alloc.total, spent.count + 1), quote,
                       offline=True)


@dataclass(frozen=True)
class ChainCheck:
    """This till's head against the centre's copy of its chain; ``problem`` is for people."""

    own: tuple[int, str] | None
    centre: tuple[int, str] | None
    problem: str | None = None

    @property
    def agrees(self) -> bool:
        return self.problem is None


def judge_chain(own: tuple[int, str] | None, centre: tuple[int, str] | None,
                hash_at_own: str | None, pending: int) -> ChainCheck:
    """Compare heads: shorter or different at the centre, or longer than sales in flight."""
    if centre is None:
        return ChainCheck(own, centre, "the centre does not know this till")
    if own is None:
        if centre[0] and not pending:
            return ChainCheck(own, centre, f"the centre holds {centre[0]} entries of this till "
                              "and this till's database knows none of them")
        return ChainCheck(own, centre)
    if centre[0] < own[0]:
        return ChainCheck(own, centre, f"the centre's chain of this till ends at entry "
                          f"{centre[0]}, this till's at {own[0]}: entries were removed")
    if hash_at_own != own[1]:
        return ChainCheck(own, centre, f"entry {own[0]} at the centre differs from this "
                          "till's: the chain was rewritten")
    if centre[0] > own[0] and not pending:
        return ChainCheck(own, centre, f"the centre holds entries {own[0] + 1}..{centre[0]} "
                          "of this till that this till's database does not know")
    return ChainCheck(own, centre)


def _request_entry(req: SaleRequest) -> Entry:
    """The outbox row of a sale being authorised: what was asked, not yet how it is paid."""
    return Entry(id=req.entry_id, till_id=req.till_id, seq=0, kind=EntryKind.SALE,
                 card_id=req.card_id, cash_delta=0, list_amount=req.list_amount,
                 cashier_id=req.cashier_id, created_at=req.created_at)
