"""Push: settle sales of unknown fate, then back-fill the outbox in the till's order.

Settling. An ``authorizing`` sale is one the cashier never saw confirmed (the till died or
the link broke mid-call, and the sale could not be made offline either). Once it is old
enough that no request for it can still commit (``settle_margin_s``), the centre is asked
by UUID: unknown there → ``abandoned``; applied there → ``applied``, and reversed at once
by a void with a UUID derived from the sale's, so a crash during the reversal replays it
rather than voiding twice. The customer is never charged for a sale the cashier did not
see confirmed, and the journal explains both steps.

Back-fill. ``offline`` entries go in batches; the centre applies each UUID once, so a
batch resent after a crash (committed there, not yet marked here) is a replay.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from tillcard.domain.journal import Entry, EntryState
from tillcard.store.backfill import CONFLICT, applied_ids, backfill
from tillcard.store.ledger import AlreadyVoided, Ledger
from tillcard.sync.cache import TillCache
from tillcard.sync.faults import DURING_PUSH, PUSH_AFTER_CENTRAL, crash_point

REVERSAL_NS = uuid.UUID("6f1d3c1e-29c4-4d7e-9a57-2f0f7f4c6a11")
BATCH = 500


def reversal_id(sale_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(REVERSAL_NS, str(sale_id))


@dataclass(frozen=True)
class SettleResult:
    applied_reversed: int = 0
    abandoned: int = 0
    waiting: int = 0  # too young to settle yet


@dataclass(frozen=True)
class PushResult:
    applied: int = 0
    exceptions: int = 0
    replayed: int = 0
    batches: int = 0


def settle(central: Engine, cache: TillCache, margin_s: float,
           now: datetime | None = None) -> SettleResult:
    now = now or datetime.now(UTC)
    ripe = cache.authorizing(now - timedelta(seconds=margin_s))
    waiting = cache.counts().get(EntryState.AUTHORIZING.value, 0) - len(ripe)
    if not ripe:
        return SettleResult(waiting=waiting)
    found = applied_ids(central, [i.entry.id for i in ripe])
    ledger = Ledger(central)
    reversed_n = abandoned = 0
    for item in ripe:
        central_entry = found.get(item.entry.id)
        if central_entry is None:
            cache.set_state(item.entry.id, EntryState.ABANDONED,
                            note="the centre never received it")
            abandoned += 1
            continue
        try:
            out = ledger.void(reversal_id(item.entry.id), cache.till_id, item.entry.id, now,
                              item.entry.cashier_id)
            cache.record_centre(out)
            if out.entry is not None:
                cache.record_applied(out.entry)  # sale and reversal: nothing in the shift
            note = "applied, then reversed: the cashier never saw it confirmed"
        except AlreadyVoided as exc:
            note = f"applied; reversal not needed: {exc}"
        cache.set_state(item.entry.id, EntryState.APPLIED, entry=central_entry, note=note)
        reversed_n += 1
    return SettleResult(reversed_n, abandoned, waiting)


def push(central: Engine, cache: TillCache, batch: int = BATCH) -> PushResult:
    applied = exceptions = replayed = batches = 0
    while True:
        entries = cache.offline_batch(batch)
        if not entries:
            break
        if batches:
            crash_point(DURING_PUSH)
        result = backfill(central, cache.till_id, entries, rules=cache.ledger.rules)
        crash_point(PUSH_AFTER_CENTRAL)
        changes: list[tuple[uuid.UUID, EntryState, Entry | None, str]] = []
        for r in result.items:
            if not r.applied:
                changes.append((r.entry.id, EntryState.EXCEPTION, None,
                                f"{CONFLICT}: the centre holds this id with other content"))
            elif r.exception:
                changes.append((r.entry.id, EntryState.EXCEPTION, r.entry, r.exception))
            else:
                changes.append((r.entry.id, EntryState.APPLIED, r.entry, ""))
            exceptions += bool(r.exception)
            replayed += r.replayed
            applied += r.applied
        cache.apply_backfill(result, changes)
        batches += 1
    return PushResult(applied, exceptions, replayed, batches)
