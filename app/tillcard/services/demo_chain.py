"""Journal lines of the demo site, numbered and hash-chained per till as the ledger does.

A bulk load writes millions of entries without the ledger's trigger, so the lines must
hash exactly as ``Entry.canonical``/``chain_hash`` do: the canonical text is built here
directly (the same JSON, keys sorted, ``"allow"`` only when the allowance moved) because
building an ``Entry`` and a dict per line would cost more than the rest of the generation.
``tests/commands/test_demo_data.py`` holds the two to each other for every kind.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime

from tillcard.domain.journal import GENESIS_HASH

# the journal's columns, in the order of every line
COLUMNS = ("id", "till_id", "seq", "kind", "card_id", "cash_delta", "bonus_delta",
           "bonus_parts", "allowance_delta", "grant_id", "grant_amount", "grant_expires_on",
           "list_amount", "discount", "tendered_cash", "refers_to", "void_of", "cashier_id",
           "created_at", "recorded_at", "prev_hash", "hash")

Line = tuple[object, ...]
Parts = list[tuple[str, int]]
NewGrant = tuple[str, int, date]  # id, amount, expires on


def parts_json(parts: Parts) -> str:
    """``bonus_parts_to_json``: grant ids are UUID text, nothing to escape."""
    return "[" + ",".join(f'["{g}",{d}]' for g, d in parts) + "]"


def canonical(eid: str, till: int, seq: int, kind: str, card: int, cash: int, parts: str,
              grant: NewGrant | None, lst: int, disc: int, tend: int, refers: str | None,
              cashier: int | None, at: datetime, allow: int) -> bytes:
    """``Entry.canonical()`` of these values, byte for byte."""
    g = "null" if grant is None else f'["{grant[0]}",{grant[1]},"{grant[2].isoformat()}"]'
    r = "null" if refers is None else f'"{refers}"'
    c = "null" if cashier is None else str(cashier)
    head = f'{{"allow":{allow},' if allow else "{"
    return (f'{head}"at":"{at.astimezone(UTC).isoformat()}","bonus":{parts},"card":{card},'
            f'"cash":{cash},"cashier":{c},"discount":{disc},"grant":{g},"id":"{eid}",'
            f'"kind":"{kind}","list":{lst},"refers":{r},"seq":{seq},"tendered":{tend},'
            f'"till":{till}}}').encode()


class Head:
    """A till's chain head: its last number and hash, and its latest entry's time."""

    __slots__ = ("at", "hash", "seq")

    def __init__(self, at: datetime) -> None:
        self.seq, self.hash, self.at = 0, GENESIS_HASH, at


class Chains:
    """Every till's chain head while lines are appended in the order they are recorded."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.heads: dict[int, Head] = {}
        self.lines = 0

    def entry_id(self, at: datetime) -> str:
        """A UUID (version 7 layout) that starts with its time.

        The journal's primary key is then filled at its right edge, not at random places,
        during a load of millions.
        """
        ms = int(at.timestamp() * 1000)
        bits = self._rng.getrandbits(74)
        x = (ms << 80) | (0x7 << 76) | ((bits >> 62) << 64) | (0b10 << 62) | (bits & (2**62 - 1))
        h = f"{x:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def append(self, eid: str, till: int, kind: str, card: int, cash: int, parts: Parts,
               allow: int, grant: NewGrant | None, lst: int, disc: int, tend: int,
               refers: str | None, cashier: int | None, at: datetime, recorded: datetime
               ) -> Line:
        head = self.heads.get(till)
        if head is None:
            head = self.heads[till] = Head(at)
        seq = head.seq + 1
        prev = head.hash
        pj = parts_json(parts)
        digest = hashlib.sha256(bytes.fromhex(prev) + canonical(
            eid, till, seq, kind, card, cash, pj, grant, lst, disc, tend, refers, cashier, at,
            allow)).hexdigest()
        head.seq, head.hash = seq, digest
        if at > head.at:
            head.at = at
        self.lines += 1
        bonus = sum(d for _, d in parts) + (grant[1] if grant else 0)
        return (eid, till, seq, kind, card, cash, bonus, pj, allow,
                None if grant is None else grant[0], 0 if grant is None else grant[1],
                None if grant is None else grant[2], lst, disc, tend, refers,
                refers if kind == "void" else None, cashier, at, recorded, prev, digest)
