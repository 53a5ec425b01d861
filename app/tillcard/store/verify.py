"""Recompute every balance from the journal and check every till's chain."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from tillcard.domain.journal import GENESIS_HASH
from tillcard.store.mapping import entry_from
from tillcard.store.schema import BonusGrantRow, JournalRow, PurseRow, TillRow


@dataclass
class VerifyReport:
    entries: int = 0
    cards: int = 0
    tills: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(engine: Engine) -> VerifyReport:
    """Read-only check; streams the journal so a large one does not fill memory."""
    rep = VerifyReport()
    cash: dict[int, int] = defaultdict(int)
    bonus: dict[int, int] = defaultdict(int)
    grants: dict[str, int] = defaultdict(int)
    J = JournalRow.__table__
    with engine.connect() as conn:
        heads = {r.id: (r.last_seq, r.last_hash) for r in conn.execute(select(TillRow))}
        rep.tills = len(heads)
        expected: dict[int, tuple[int, str]] = {}
        rows = conn.execution_options(yield_per=2000).execute(
            select(J).order_by(J.c.till_id, J.c.seq))
        for row in rows:
            rep.entries += 1
            e = entry_from(row)
            seq, prev = expected.get(e.till_id, (0, GENESIS_HASH))
            where = f"till {e.till_id} entry {e.seq} ({e.id})"
            if e.seq != seq + 1:
                rep.problems.append(f"{where}: sequence gap, expected {seq + 1}")
            if e.prev_hash != prev:
                rep.problems.append(f"{where}: previous hash does not match the chain")
            if e.hash != row.hash:
                rep.problems.append(f"{where}: content does not match its hash (edited?)")
            if e.bonus_delta != row.bonus_delta:
                rep.problems.append(f"{where}: bonus total does not match its parts")
            expected[e.till_id] = (e.seq, row.hash)
            cash[e.card_id] += e.cash_delta
            bonus[e.card_id] += e.bonus_delta
            for gid, d in e.bonus_parts:
                grants[gid] += d
            if e.new_grant:
                grants[e.new_grant.id] += e.new_grant.amount
        for till, (seq, h) in heads.items():
            if expected.get(till, (0, GENESIS_HASH)) != (seq, h):
                rep.problems.append(f"till {till}: chain head does not match its last entry")
        for p in conn.execute(select(PurseRow.card_id, PurseRow.cash, PurseRow.bonus)):
            rep.cards += 1
            if p.cash != cash.get(p.card_id, 0):
                rep.problems.append(f"card {p.card_id}: cash {p.cash} but journal says "
                                    f"{cash.get(p.card_id, 0)}")
            if p.bonus != bonus.get(p.card_id, 0):
                rep.problems.append(f"card {p.card_id}: bonus {p.bonus} but journal says "
                                    f"{bonus.get(p.card_id, 0)}")
        for g in conn.execute(select(BonusGrantRow.id, BonusGrantRow.remaining)):
            if g.remaining != grants.get(g.id, 0):
                rep.problems.append(f"bonus grant {g.id}: {g.remaining} but journal says "
                                    f"{grants.get(g.id, 0)}")
    return rep
