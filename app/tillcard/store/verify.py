"""Recompute every balance from the journal, check every till's chain and every entry's shape.

One read-only snapshot (``REPEATABLE READ READ ONLY`` on PostgreSQL, a deferred read
transaction on SQLite), so entries committed meanwhile never look like mismatches. Beyond
chains and balances: what each kind of entry may contain, one void per sale mirroring
it, each bonus grant against the entry that created it (card, expiry, amount spent),
and the grants of a card against its purse's bonus. A chain that was cut back and its
head rewound is invisible from inside the database; ``anchor`` records the heads outside
it (``tillcard verify --anchor FILE``) and names a chain that later got shorter or forked.
"""

from __future__ import annotations

import heapq
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from tillcard.domain.journal import GENESIS_HASH, Entry, EntryKind
from tillcard.store.mapping import entry_from
from tillcard.store.schema import BonusGrantRow, JournalRow, PurseRow, TillRow

# An expiry is judged by the business day it was made on; a site clock that changed since
# (or any zone and cut-off) moves that day by less than two days from the UTC date.
SLACK = timedelta(days=2)


@dataclass
class VerifyReport:
    entries: int = 0
    cards: int = 0
    tills: int = 0
    problems: list[str] = field(default_factory=list)
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)  # till → (seq, hash)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Grant:
    card: int
    amount: int
    expires_on: date
    origin: uuid.UUID


@dataclass
class _Totals:
    cash: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    bonus: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    allowance: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    grants: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    made: dict[str, _Grant] = field(default_factory=dict)
    sales: dict[uuid.UUID, Entry] = field(default_factory=dict)
    voids: list[Entry] = field(default_factory=list)
    parts: list[tuple[str, Entry]] = field(default_factory=list)  # (grant, entry)
    # transfers (a replaced card): what left, and what arrived for it, by the out entry
    sent: dict[uuid.UUID, Entry] = field(default_factory=dict)
    received: dict[uuid.UUID, list[Entry]] = field(default_factory=lambda: defaultdict(list))


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection that sees one moment of the database."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ",
                                          postgresql_readonly=True)
        else:
            conn = conn.execution_options(sqlite_deferred=True)  # see store.engine
        with conn.begin():
            yield conn


def verify(engine: Engine, anchor: dict[int, tuple[int, str]] | None = None,
           archive: Path | None = None) -> VerifyReport:
    """Read-only check; streams the journal so a large one does not fill memory.

    ``anchor``: heads recorded earlier (``load_anchor``); a till whose chain is now shorter,
    or whose entry at the anchored number has another hash, is reported. Months archived
    by ``tillcard archive`` are taken from the manifests recorded in the database (each
    till's chain continues from the month's last entry, the totals carry its sums);
    ``archive``: the folder of their files, read and checked entry by entry instead.
    """
    rep = VerifyReport()
    t = _Totals()
    anchor = anchor or {}
    J = JournalRow.__table__
    with snapshot(engine) as conn:
        heads = {r.id: (r.last_seq, r.last_hash) for r in conn.execute(select(TillRow))}
        rep.tills = len(heads)
        expected: dict[int, tuple[int, str, str]] = {}
        at_anchor: dict[int, str] = {}
        live = conn.execution_options(yield_per=2000).execute(
            select(J).order_by(J.c.till_id, J.c.seq))
        sources, carried = _archive_sources(conn, archive, t, rep.problems)
        for source, row in heapq.merge(((LIVE, r) for r in live), *sources,
                                       key=lambda x: (x[1].till_id, x[1].seq)):
            if isinstance(row, _Carried):
                _carry(row, source, expected, rep.problems, anchor, at_anchor)
                continue
            rep.entries += 1
            e = entry_from(row)
            seq, prev, before = expected.get(e.till_id, (0, GENESIS_HASH, source))
            where = f"till {e.till_id} entry {e.seq} ({e.id})"
            if source != LIVE:
                where += f" in {source}"
            if e.seq != seq + 1:
                rep.problems.append(f"{where}: sequence gap, expected {seq + 1}")
            if e.prev_hash != prev:
                rep.problems.append(
                    f"{where}: previous hash does not match the chain" if before == source
                    else f"{where}: does not continue the chain of {before}")
            if e.hash != row.hash:
                rep.problems.append(f"{where}: content does not match its hash (edited?)")
            if e.bonus_delta != row.bonus_delta:
                rep.problems.append(f"{where}: bonus total does not match its parts")
            if (row.void_of is not None or e.kind is EntryKind.VOID) and \
                    row.void_of != e.refers_to:
                rep.problems.append(f"{where}: void_of does not name the sale it refers to")
            rep.problems.extend(f"{where}: {p}" for p in shape_problems(e))
            expected[e.till_id] = (e.seq, row.hash, source)
            if e.till_id in anchor and e.seq == anchor[e.till_id][0]:
                at_anchor[e.till_id] = row.hash
            _count(t, e)
        for till, (seq, h) in heads.items():
            if expected.get(till, (0, GENESIS_HASH, LIVE))[:2] != (seq, h):
                rep.problems.append(f"till {till}: chain head does not match its last entry")
        rep.heads = dict(heads)
        rep.problems.extend(_anchor_problems(anchor, heads, at_anchor))
        unseen = _archived_ids(conn) if carried else None
        rep.problems.extend(_void_problems(t, unseen))
        rep.problems.extend(_transfer_problems(t, unseen))
        rep.problems.extend(_grant_problems(conn, t))
        rep.cards = _purse_problems(conn, t, rep.problems)
    return rep


LIVE = "the live journal"


@dataclass(frozen=True)
class _Carried:
    """A till's entries in an archived month not read: its first and last, from the manifest."""

    till_id: int
    seq: int
    first_prev_hash: str
    last_seq: int
    last_hash: str
    rows: int


def _archive_sources(conn: Connection, folder: Path | None, t: _Totals, problems: list[str]
                     ) -> tuple[list[Iterator[tuple[str, Any]]], bool]:
    """Each archived month as a stream in chain order, and whether one was carried.

    A month's file's rows; without the file, each till's span from the manifest recorded
    in the database, the month's totals carried into ``t``.
    """
    from tillcard.store.archive import archived, file_sha256, read_rows

    sources: list[Iterator[tuple[str, Any]]] = []
    carried = False
    for month, doc in archived(conn).items():
        name = f"archive {month:%Y-%m}"
        path = None if folder is None else folder / str(doc["file"])
        if path is not None and path.is_file():
            if file_sha256(path) != doc["sha256"]:
                problems.append(f"{name}: {path} was altered (its SHA-256 is not the one "
                                "recorded when it was archived)")
            sources.append(_labelled(name, read_rows(path)))
            continue
        if path is not None:
            problems.append(f"{name}: {path} is missing (its chains and totals are taken "
                            "from the manifest recorded when it was archived)")
        carried = True
        sources.append(iter(sorted(
            ((name, _Carried(int(k), int(v["first_seq"]), str(v["first_prev_hash"]),
                             int(v["last_seq"]), str(v["last_hash"]), int(v["rows"])))
             for k, v in doc["tills"].items()), key=lambda x: (x[1].till_id, x[1].seq))))
        for card, (cash, bonus, allowance) in doc["cards"].items():
            t.cash[int(card)] += cash
            t.bonus[int(card)] += bonus
            t.allowance[int(card)] += allowance
        for gid, moved in doc["grant_parts"].items():
            t.grants[gid] += moved
        for gid, (card, amount, expires, origin) in doc["grants_made"].items():
            t.grants[gid] += amount
            t.made[gid] = _Grant(card, amount, date.fromisoformat(expires), uuid.UUID(origin))
    return sources, carried


def _labelled(name: str, rows: Iterator[Any]) -> Iterator[tuple[str, Any]]:
    for row in rows:
        yield name, row


def _carry(c: _Carried, source: str, expected: dict[int, tuple[int, str, str]],
           problems: list[str], anchor: dict[int, tuple[int, str]],
           at_anchor: dict[int, str]) -> None:
    seq, prev, before = expected.get(c.till_id, (0, GENESIS_HASH, source))
    if (c.seq, c.first_prev_hash) != (seq + 1, prev):
        problems.append(f"till {c.till_id}: {source} does not continue the chain of "
                        f"{before} (entry {c.seq})")
    expected[c.till_id] = (c.last_seq, c.last_hash, source)
    if c.till_id in anchor and c.seq <= anchor[c.till_id][0] <= c.last_seq:
        # inside a month not read: only its last entry's hash is known
        at_anchor[c.till_id] = (c.last_hash if anchor[c.till_id][0] == c.last_seq
                                else anchor[c.till_id][1])


def _archived_ids(conn: Connection) -> Callable[[uuid.UUID | None], bool]:
    """Whether an entry id was recorded and is no longer in the journal (archived)."""
    def gone(entry: uuid.UUID | None) -> bool:
        if entry is None:
            return False
        return conn.execute(text(
            "SELECT EXISTS (SELECT 1 FROM journal_ids WHERE id = :i) AND NOT EXISTS "
            "(SELECT 1 FROM journal WHERE id = :i)"), {"i": entry}).scalar_one() is True
    return gone


def _count(t: _Totals, e: Entry) -> None:
    t.cash[e.card_id] += e.cash_delta
    t.bonus[e.card_id] += e.bonus_delta
    t.allowance[e.card_id] += e.allowance_delta
    for gid, d in e.bonus_parts:
        t.grants[gid] += d
        t.parts.append((gid, e))
    if e.new_grant:
        t.grants[e.new_grant.id] += e.new_grant.amount
        t.made[e.new_grant.id] = _Grant(e.card_id, e.new_grant.amount, e.new_grant.expires_on,
                                        e.id)
    if e.kind is EntryKind.SALE:
        t.sales[e.id] = e
    elif e.kind is EntryKind.VOID:
        t.voids.append(e)
    elif e.kind is EntryKind.TRANSFER_OUT:
        t.sent[e.id] = e
    elif e.kind is EntryKind.TRANSFER_IN and e.refers_to is not None:
        t.received[e.refers_to].append(e)


def shape_problems(e: Entry) -> list[str]:
    """What an entry of its kind may not contain (the functions never write such a row)."""
    found: list[str] = []
    parts = [d for _, d in e.bonus_parts]
    if e.kind is not EntryKind.SALE and e.kind is not EntryKind.VOID and e.kind not in (
            EntryKind.ALLOWANCE, EntryKind.ALLOWANCE_RESET, EntryKind.TRANSFER_IN,
            EntryKind.TRANSFER_OUT, EntryKind.REFUND) and e.allowance_delta:
        found.append(f"a {e.kind} entry that moves the allowance purse")
    if e.kind is EntryKind.SALE:
        if (e.cash_delta > 0 or any(d > 0 for d in parts) or e.new_grant is not None
                or e.allowance_delta > 0):
            found.append("a sale that credits the card")
        if not (0 <= e.discount <= e.list_amount
                and 0 <= e.tendered_cash <= e.list_amount - e.discount):
            found.append("a sale's amount, discount and cash part do not fit together")
        elif -e.total_delta != e.list_amount - e.discount - e.tendered_cash:
            found.append("a sale's card part is not its amount less discount and cash")
        if e.refers_to is not None:
            found.append("a sale that refers to another entry")
    elif e.kind is EntryKind.RECHARGE:
        if e.cash_delta <= 0 or e.cash_delta != e.list_amount or parts:
            found.append("a recharge whose cash is not its positive amount")
        if e.new_grant is not None and (e.new_grant.id != str(e.id)
                                        or e.new_grant.amount < 0):
            found.append("a recharge's bonus grant is not its own")
    elif e.kind is EntryKind.BONUS_EXPIRE:
        if e.cash_delta != 0 or not parts or any(d >= 0 for d in parts) or e.new_grant:
            found.append("an expiry that does more than take bonus out")
    elif e.kind is EntryKind.VOID and (e.refers_to is None or e.list_amount or e.discount
                                       or e.new_grant is not None):
        found.append("a void that does more than reverse a sale")
    elif e.kind in (EntryKind.ALLOWANCE, EntryKind.ALLOWANCE_RESET):
        grant = e.kind is EntryKind.ALLOWANCE
        if (e.cash_delta or parts or e.new_grant is not None
                or (grant and (e.allowance_delta <= 0 or e.allowance_delta != e.list_amount))
                or (not grant and e.allowance_delta >= 0)):
            found.append("an allowance entry that does more than move the allowance")
    elif e.kind in _OFFICE_SHAPES and _OFFICE_SHAPES[e.kind](e, parts):
        found.append(f"a {e.kind} entry of the wrong shape")
    elif e.kind is EntryKind.CASH_SALE and (
            e.cash_delta or parts or e.new_grant is not None or e.list_amount <= 0
            or e.discount or e.tendered_cash != e.list_amount or e.refers_to is not None):
        found.append("a cash sale that moves a purse or is not paid in full in cash")
    return found


def _no_extras(e: Entry) -> bool:
    return e.new_grant is None and e.refers_to is None and not e.discount


# the card office's entries (migration 0013): True when the entry is of the wrong shape
_OFFICE_SHAPES: dict[EntryKind, Callable[[Entry, list[int]], bool]] = {
    # deposit and fee taken in cash: no purse moves; the fee is tendered less deposit
    EntryKind.DEPOSIT: lambda e, parts: (
        bool(e.cash_delta or parts or e.allowance_delta) or not _no_extras(e)
        or not 0 <= e.list_amount <= e.tendered_cash or e.tendered_cash <= 0),
    # closing: everything out, cash and deposit paid out, bonus and allowance forfeited
    EntryKind.REFUND: lambda e, parts: (
        e.cash_delta > 0 or any(d >= 0 for d in parts) or e.allowance_delta > 0
        or not _no_extras(e) or e.list_amount < 0
        or e.tendered_cash != e.list_amount - e.cash_delta),
    EntryKind.TRANSFER_OUT: lambda e, parts: (
        any(d >= 0 for d in parts) or e.allowance_delta > 0 or not _no_extras(e)
        or bool(e.list_amount or e.tendered_cash)),
    EntryKind.TRANSFER_IN: lambda e, parts: (
        bool(parts) or e.refers_to is None or e.allowance_delta < 0
        or bool(e.list_amount or e.tendered_cash or e.discount)
        or (e.new_grant is not None and (e.new_grant.id != str(e.id)
                                         or e.new_grant.amount <= 0))),
    # a wrong recharge taken back: its cash, and what is left of its bonus
    EntryKind.CORRECTION: lambda e, parts: (
        e.cash_delta >= 0 or e.cash_delta != -e.list_amount or any(d >= 0 for d in parts)
        or e.refers_to is None or e.new_grant is not None
        or bool(e.tendered_cash or e.discount)),
}


def _transfer_problems(t: _Totals, archived: Callable[[uuid.UUID | None], bool] | None = None
                       ) -> list[str]:
    """What a replaced card gave up arrives whole on one other card, and only that."""
    found = []
    for out_id, ins in t.received.items():
        out = t.sent.get(out_id)
        if out is None and archived is not None and archived(out_id):
            continue  # left in an archived month not read
        if out is None:
            found.append(f"transfer {out_id}: arrived but never left a card")
            continue
        arrived = (sum(e.cash_delta for e in ins), sum(e.bonus_delta for e in ins),
                   sum(e.allowance_delta for e in ins))
        if (arrived != (-out.cash_delta, -out.bonus_delta, -out.allowance_delta)
                or len({e.card_id for e in ins}) != 1 or ins[0].card_id == out.card_id):
            found.append(f"transfer {out_id}: what arrived does not mirror what left")
    for out_id, out in t.sent.items():
        if out_id not in t.received and (out.cash_delta or out.bonus_delta
                                         or out.allowance_delta):
            found.append(f"transfer {out_id}: left card {out.card_id} and arrived nowhere")
    return found


def _void_problems(t: _Totals, archived: Callable[[uuid.UUID | None], bool] | None = None
                   ) -> list[str]:
    found = []
    seen: set[uuid.UUID] = set()
    for v in t.voids:
        where = f"till {v.till_id} entry {v.seq} ({v.id})"
        if v.refers_to in seen:
            found.append(f"{where}: sale {v.refers_to} voided twice")
        seen.add(v.refers_to)  # type: ignore[arg-type]
        sale = t.sales.get(v.refers_to)  # type: ignore[arg-type]
        if sale is None and archived is not None and archived(v.refers_to):
            continue  # the sale is in an archived month not read
        if sale is None:
            found.append(f"{where}: voids {v.refers_to}, which is no sale")
            continue
        mirror = (v.card_id == sale.card_id and v.cash_delta == -sale.cash_delta
                  and v.bonus_parts == tuple((g, -d) for g, d in sale.bonus_parts)
                  and v.allowance_delta == -sale.allowance_delta
                  and v.tendered_cash == sale.tendered_cash)
        if not mirror:
            found.append(f"{where}: does not mirror the sale it voids")
    return found


def _grant_problems(conn: Connection, t: _Totals) -> list[str]:
    found = []
    for gid, e in t.parts:
        made = t.made.get(gid)
        where = f"till {e.till_id} entry {e.seq} ({e.id})"
        if made is None:
            found.append(f"{where}: uses bonus grant {gid!r}, which no entry created")
        elif made.card != e.card_id:
            found.append(f"{where}: uses bonus grant {gid!r} of card {made.card}")
        elif (e.kind is EntryKind.BONUS_EXPIRE
              and made.expires_on >= e.created_at.astimezone(UTC).date() + SLACK):
            found.append(f"{where}: expires bonus grant {gid!r} before its expiry")
    rows = {g.id: g for g in conn.execute(select(BonusGrantRow))}
    for gid, made in t.made.items():
        g = rows.pop(gid, None)
        if g is None:
            found.append(f"bonus grant {gid!r}: created by entry {made.origin} but missing")
            continue
        if (g.card_id, g.expires_on, g.origin_entry) != (made.card, made.expires_on,
                                                        made.origin):
            found.append(f"bonus grant {gid!r}: card, expiry or origin differ from entry "
                         f"{made.origin} that created it")
        if g.remaining != t.grants.get(gid, 0):
            found.append(f"bonus grant {gid!r}: {g.remaining} but journal says "
                         f"{t.grants.get(gid, 0)}")
    for gid in rows:
        found.append(f"bonus grant {gid!r}: no entry created it")
    return found


def _purse_problems(conn: Connection, t: _Totals, found: list[str]) -> int:
    by_card: dict[int, int] = defaultdict(int)
    for g in conn.execute(select(BonusGrantRow.card_id, BonusGrantRow.remaining)):
        by_card[g.card_id] += g.remaining
    cards = 0
    for p in conn.execute(select(PurseRow.card_id, PurseRow.cash, PurseRow.bonus,
                                 PurseRow.allowance)):
        cards += 1
        if p.cash != t.cash.get(p.card_id, 0):
            found.append(f"card {p.card_id}: cash {p.cash} but journal says "
                         f"{t.cash.get(p.card_id, 0)}")
        if p.bonus != t.bonus.get(p.card_id, 0):
            found.append(f"card {p.card_id}: bonus {p.bonus} but journal says "
                         f"{t.bonus.get(p.card_id, 0)}")
        if p.allowance != t.allowance.get(p.card_id, 0):
            found.append(f"card {p.card_id}: allowance {p.allowance} but journal says "
                         f"{t.allowance.get(p.card_id, 0)}")
        if p.bonus != by_card.get(p.card_id, 0):
            found.append(f"card {p.card_id}: bonus {p.bonus} but its grants hold "
                         f"{by_card.get(p.card_id, 0)}")
    return cards


# -- anchors: chain heads kept outside the database --------------------------------------


def _anchor_problems(anchor: dict[int, tuple[int, str]], heads: dict[int, tuple[int, str]],
                     at_anchor: dict[int, str]) -> list[str]:
    found = []
    for till, (seq, h) in sorted(anchor.items()):
        now = heads.get(till, (0, GENESIS_HASH))[0]
        if now < seq:
            found.append(f"till {till}: chain is shorter than anchored ({now} entries, "
                         f"{seq} recorded): entries were removed")
        elif seq and at_anchor.get(till) != h:
            found.append(f"till {till}: entry {seq} differs from the anchored one: the chain "
                         "forked or was rewritten")
    return found


def load_anchor(path: Path) -> dict[int, tuple[int, str]]:
    """Heads recorded by an earlier verify; a missing file is an empty anchor."""
    if not path.exists():
        return {}
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
        return {int(k): (int(v["seq"]), str(v["hash"])) for k, v in doc["tills"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: not an anchor file written by tillcard verify ({exc})"
                         ) from exc


def save_anchor(path: Path, heads: dict[int, tuple[int, str]]) -> None:
    """Write the heads atomically (a crash leaves the old anchor, never half a new one)."""
    doc = {"tills": {str(k): {"seq": s, "hash": h} for k, (s, h) in sorted(heads.items())}}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
