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

import contextlib
import logging
import socket
import threading
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Engine, select

from tillcard.domain.cards import Card
from tillcard.domain.journal import Entry, EntryKind, EntryState
from tillcard.domain.money import require_amount
from tillcard.domain.quote import make_quote, sale_entry, sale_refusal
from tillcard.domain.rules import DaySpend, Refusal, RefusalCode, Refused, offline_refusal
from tillcard.domain.wallet import Wallet
from tillcard.store.centre_tills import reprovision, take_lease
from tillcard.store.ledger import CASH_CARD, Ledger, LedgerError, Outcome, SaleRequest
from tillcard.store.local_db import RESTORE, disk_reason, is_local_error
from tillcard.store.reference import ReferenceStore
from tillcard.store.schema import JournalRow, TillRow
from tillcard.sync.cache import TillCache
from tillcard.sync.central import CentralOptions, Watchdog, is_link_error, settle_margin_s
from tillcard.sync.faults import AFTER_CENTRAL_COMMIT, AFTER_LOCAL_WRITE, crash_point
from tillcard.sync.feed_ping import FeedPing
from tillcard.sync.heartbeat import DeviceStates
from tillcard.sync.link import Link, LinkState
from tillcard.sync.pull import PullResult, pull
from tillcard.sync.push import PushResult, SettleResult, push, settle

log = logging.getLogger(__name__)


LEASE_S = 30  # renewed every sync cycle (at most poll_s apart while online)


class ChargedButUnrecorded(Exception):
    """The centre applied a sale this till then failed to record (its disk failed).

    The sale stays ``authorizing`` in the outbox, so once the till can write again the
    settling reverses it: the cashier was told it did not go through.
    """


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
        self.host = socket.gethostname()
        # the lease's holder: this database file on this computer (see TillCache.local_id)
        self.holder = f"{cache.local_id()}@{self.host}"[:64]
        self.halted: str | None = None  # why this till may not sell, when it may not
        self.devices = DeviceStates()  # the UI writes printer and reader state here
        # poked once the centre has committed this till's entries (the worker runs it)
        self.feed_ping = FeedPing(central, cache.till_id, self.watchdog, opts.call_timeout_s)

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
        if self.halted is not None:
            raise Refused(Refusal(RefusalCode.TILL_HALTED))
        try:
            return self._sale(req)
        except ChargedButUnrecorded as exc:
            self._disk(req, exc.__cause__ or exc)
            raise Refused(Refusal(RefusalCode.LOCAL_DISK_CHARGED)) from exc
        except Exception as exc:
            if not is_local_error(exc):
                raise
            self._disk(req, exc)
            raise Refused(Refusal(RefusalCode.LOCAL_DISK)) from exc

    def _disk(self, req: SaleRequest, exc: BaseException) -> None:
        """The till's own disk failed: its own state, never the centre's (no flapping)."""
        log.warning("sale %s: %s", req.entry_id, exc)
        self._disk_only(exc)

    def _disk_only(self, exc: BaseException) -> None:
        self.link.disk(disk_reason(exc))

    def _sale(self, req: SaleRequest) -> Outcome:
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
            self.feed_ping.poke()
        try:
            if out.entry is not None:
                self.cache.applied_online(out)
            else:
                code = out.refusal.code.value if out.refusal else ""
                self.cache.set_state(req.entry_id, EntryState.DECLINED, note=code)
        except Exception as exc:
            if not is_local_error(exc):
                raise
            if out.entry is not None:  # still "authorizing" here: reversed once it can write
                raise ChargedButUnrecorded(req.entry_id) from exc
            log.warning("sale %s refused, not marked here: %s", req.entry_id,
                        disk_reason(exc))
        if self.link.state is LinkState.DISK:
            self.link.up()  # it writes again
        return out

    def cash_sale(self, entry_id: uuid.UUID, till_id: int, amount: int, created_at: datetime,
                  cashier_id: int | None = None) -> Entry:
        """A sale without a card: the cash is in the drawer, so it is recorded at once.

        Nothing for the centre to decide, so it is never asked first: the entry goes to
        the outbox like an offline sale and the sync worker sends it at once (within a
        second when the centre answers), the same way whatever the link does.
        """
        require_amount(amount, "a cash sale", self.cache.ledger.rules.max_amount,
                       positive=True)
        self._own(till_id)
        if self.halted is not None:
            raise Refused(Refusal(RefusalCode.TILL_HALTED))
        card = self.cache.find_card_id(CASH_CARD)
        if card is None:
            raise LedgerError("this till has not had the site's walk-in card from the centre "
                              "yet: cash sales after its first sync")
        entry = Entry(id=entry_id, till_id=till_id, seq=0, kind=EntryKind.CASH_SALE,
                      card_id=card, cash_delta=0, list_amount=amount, tendered_cash=amount,
                      cashier_id=cashier_id, created_at=created_at)
        try:
            self.cache.add(entry, EntryState.OFFLINE)
        except Exception as exc:
            if not is_local_error(exc):
                raise
            self._disk_only(exc)
            raise Refused(Refusal(RefusalCode.LOCAL_DISK)) from exc
        self.link.publish()
        self.wake.set()
        return entry

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
        if out.entry is not None:
            self.feed_ping.poke()
            self.cache.record_applied(out.entry)  # the shift hands the cash back
        return out

    def till_mark(self, till_id: int) -> int:
        self._own(till_id)
        return self.cache.till_mark()

    def till_entries(self, till_id: int, after: int, upto: int | None = None
                     ) -> list[Entry]:
        """This till's own record of what it did (the outbox), for its shifts."""
        self._own(till_id)
        return self.cache.till_entries(after, upto)

    def _own(self, till_id: int) -> None:
        if till_id != self.till_id:
            raise LedgerError(f"this is till {self.till_id}, not {till_id}")

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
        """Lease and chain check, settle, back-fill, pull; online when nothing is unsent.

        A halted till only pulls (its replica stays fresh for when it may sell again).
        """
        with self._cycle_lock:
            deadline = self.opts.call_timeout_s * 10
            if self.check_standing() is not None:
                with self.watchdog.within(deadline):
                    pulled = pull(self.central, self.cache)
                return SyncReport(SettleResult(), PushResult(), pulled)
            with self.watchdog.within(deadline):
                settled = SettleResult() if pull_only else settle(
                    self.central, self.cache, settle_margin_s(self.opts))
                pushed = PushResult() if pull_only else push(self.central, self.cache)
            if pushed.applied:
                self.feed_ping.poke()
            if self.link.state is LinkState.DISK:  # it wrote the marks: the disk works again
                self.link.recovering()
            with self.watchdog.within(deadline):
                pulled = pull(self.central, self.cache)
            if not pull_only and self.cache.unsent_count() == settled.waiting:
                if self.link.state is not LinkState.ONLINE:
                    self.link.up()
                else:
                    self.link.publish()
            return SyncReport(settled, pushed, pulled)

    def chain_check(self) -> ChainCheck:
        """Does the centre's copy of this till's chain agree with the till's own head?

        The centre's head is read first, this till's head and its sales in flight after,
        in one local snapshot: a sale racing the check is then either recorded here or
        still in flight, never missing from both.
        """
        with self.watchdog.within(self.opts.call_timeout_s), self.central.connect() as conn:
            head = conn.execute(select(TillRow.last_seq, TillRow.last_hash).where(
                TillRow.id == self.till_id)).first()
        own, pending = self.cache.head_and_pending()
        at_own = None
        if own is not None and head is not None:
            with self.watchdog.within(self.opts.call_timeout_s), \
                    self.central.connect() as conn:
                at_own = conn.execute(select(JournalRow.hash).where(
                    JournalRow.till_id == self.till_id, JournalRow.seq == own[0])
                ).scalar_one_or_none()
        return judge_chain(own, None if head is None else (head.last_seq, head.last_hash),
                           at_own, pending)

    def check_standing(self) -> str | None:
        """Lease this till id and compare chains, at every connect and every cycle.

        A second process holding the lease, or a centre whose copy of this till's chain
        disagrees with this database, halts the till (no sale, online or offline, no
        back-fill) with the reason and what to do; ``None`` when all is well.
        """
        with self.watchdog.within(self.opts.call_timeout_s):
            lease = take_lease(self.central, self.till_id, self.holder, self.host,
                               LEASE_S, self.cache.unsent_count())
        if not lease.granted:
            until = f" until {lease.until:%H:%M:%S}" if lease.until else ""
            return self._halt(f"till {self.till_id} is in use by {lease.holder_host}{until}: "
                              "close the other Tillcard, or check till.id in its settings")
        check = self.chain_check()
        if not check.agrees:
            return self._halt(f"{check.problem}: {RESTORE}")
        if self.halted is not None:
            log.info("till %s no longer halted", self.till_id)
            self.halted = None
            self.link.recovering()
        return None

    def reprovision(self, note: str) -> dict[str, object]:
        """Start over from the centre's head of this till's chain, keeping the outbox.

        For a till whose database was lost or restored from an old backup: the centre
        records, in its audit log, what the till last reported unsent and what this
        database still holds; unsent sales kept here are back-filled as usual (once).
        """
        holds = self.cache.unsent_count()
        with self.watchdog.within(self.opts.call_timeout_s):
            doc = reprovision(self.central, self.till_id, holds, note)
        self.cache.adopt_head((int(doc["head_seq"]), str(doc["head_hash"])))
        self.halted = None
        return {"head": doc["head_seq"], "last_reported_unsent": doc["last_reported_unsent"],
                "database_holds_unsent": holds}

    def release(self) -> None:
        """Give the lease back on a clean stop, so a replacement PC can start at once."""
        with contextlib.suppress(Exception), self.watchdog.within(self.opts.call_timeout_s):
            take_lease(self.central, self.till_id, self.holder, self.host, 0,
                       self.cache.unsent_count())

    def _halt(self, reason: str) -> str:
        if reason != self.halted:
            log.error("till %s halted: %s", self.till_id, reason)
        self.halted = reason
        self.link.halt(reason)
        return reason

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
            wallet = replace(wallet, withheld=max(0, wallet.withheld - req.list_amount))
            spent = replace(spent, amount=max(0, spent.amount - req.list_amount),
                            count=max(0, spent.count - 1))  # the meal count stays
        quote = make_quote(req.list_amount, card.card_type.discount_bp, wallet, today,
                           card.card_type.spend_order)
        till_today, card_today = self.cache.offline_debits(today, req.card_id)
        if converting:
            till_today -= req.list_amount
            card_today -= req.list_amount
        refusal = sale_refusal(card, quote, spent, today, split_tender=req.split_tender,
                               pin_verified=req.pin_verified,
                               minute=self.cache.clock.minute(req.created_at)
                               ) or offline_refusal(
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
                       replace(spent, amount=spent.amount + alloc.total,
                               count=spent.count + 1), quote,
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
    """Compare heads: shorter or different at the centre, or longer than sales in flight.

    ``pending``: this till's unsent entries. Each may already be at the centre (its answer
    lost to a crash or a cut), with at most one bonus expiry before it; beyond that the
    centre holds entries this database never made.
    """
    if centre is None:
        return ChainCheck(own, centre, "the centre does not know this till")
    if own is None:
        if centre[0] > 2 * pending:
            return ChainCheck(own, centre, f"the centre holds {centre[0]} entries of this till "
                              "and this till's database knows none of them")
        return ChainCheck(own, centre)
    if centre[0] < own[0]:
        return ChainCheck(own, centre, f"the centre's chain of this till ends at entry "
                          f"{centre[0]}, this till's at {own[0]}: entries were removed")
    if hash_at_own != own[1]:
        return ChainCheck(own, centre, f"entry {own[0]} at the centre differs from this "
                          "till's: the chain was rewritten")
    if centre[0] - own[0] > 2 * pending:
        return ChainCheck(own, centre, f"the centre holds entries {own[0] + 1}..{centre[0]} "
                          "of this till that this till's database does not know")
    return ChainCheck(own, centre)


def _request_entry(req: SaleRequest) -> Entry:
    """The outbox row of a sale being authorised: what was asked, not yet how it is paid."""
    return Entry(id=req.entry_id, till_id=req.till_id, seq=0, kind=EntryKind.SALE,
                 card_id=req.card_id, cash_delta=0, list_amount=req.list_amount,
                 cashier_id=req.cashier_id, created_at=req.created_at)
