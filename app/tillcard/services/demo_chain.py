"""Journal lines of the demo site, numbered and hash-chained per till as the ledger does.

A bulk load writes millions of entries without the ledger's trigger, so the lines must
hash exactly as ``Entry.canonical``/``chain_hash`` do: the canonical text is built here
directly (the same JSON, keys sorted, ``"allow"`` only when the allowance moved) because
building an ``Entry`` and a dict per line would cost more than the rest of the generation.

Two stages, so that a load can run them in two processes: ``Chains`` numbers each till's
entries and writes each as a *record*, the journal row in COPY's text format
(``bulk_load.COLUMNS``) but for its last two columns; ``Hasher`` then chains the records
in order, working on their text alone (the canonical form is made of the same field
texts), and completes each row with the previous hash and its own.
``tests/commands/test_demo_data.py`` holds the canonical text to ``Entry``'s for every kind.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256

from tillcard.domain.journal import GENESIS_HASH
from tillcard.store.bulk_load import NULL

_EPOCH = datetime(1970, 1, 1)
_MS = timedelta(milliseconds=1)

Record = str  # a journal row in COPY's text format but its two hashes, newline-ended
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
    return _canonical(eid, str(till), str(seq), kind, str(card), str(cash), parts, g,
                      str(lst), str(disc), str(tend), "null" if refers is None
                      else f'"{refers}"', "null" if cashier is None else str(cashier),
                      at.astimezone(UTC).isoformat(), str(allow))


def _canonical(eid: str, till: str, seq: str, kind: str, card: str, cash: str, parts: str,
               grant: str, lst: str, disc: str, tend: str, refers: str, cashier: str,
               at: str, allow: str) -> bytes:
    """The canonical text from field texts; ``grant``, ``refers`` and ``cashier`` as JSON."""
    head = "{" if allow == "0" else f'{{"allow":{allow},'
    return (f'{head}"at":"{at}","bonus":{parts},"card":{card},'
            f'"cash":{cash},"cashier":{cashier},"discount":{disc},"grant":{grant},'
            f'"id":"{eid}","kind":"{kind}","list":{lst},"refers":{refers},"seq":{seq},'
            f'"tendered":{tend},"till":{till}}}').encode()


class Head:
    """A till's chain head as numbered: its last number and its latest entry's time."""

    __slots__ = ("at", "seq")

    def __init__(self, at: datetime) -> None:
        self.seq, self.at = 0, at


class Chains:
    """Every till's numbering while records are appended in the order they are recorded.

    Instants are naive datetimes in UTC (``Activity.at`` makes them so): their ISO text and
    ``+00:00`` is then the canonical form's and COPY's both.
    """

    def __init__(self, rng: random.Random) -> None:
        self._bits = rng.getrandbits
        self.heads: dict[int, Head] = {}
        self.lines = 0

    def entry_id(self, at: datetime) -> str:
        """A UUID (version 7 layout) that starts with its time.

        The journal's primary key is then filled at its right edge, not at random places,
        during a load of millions.
        """
        ms = (at - _EPOCH) // _MS
        bits = self._bits(74)
        low = bits & 0x3FFFFFFFFFFFFFFF
        return (f"{ms >> 16:08x}-{ms & 0xFFFF:04x}-{0x7000 | bits >> 62:04x}-"
                f"{0x8000 | low >> 48:04x}-{low & 0xFFFFFFFFFFFF:012x}")

    def append(self, eid: str, till: int, kind: str, card: int, cash: int, parts: Parts,
               allow: int, grant: NewGrant | None, lst: int, disc: int, tend: int,
               refers: str | None, cashier: int | None, at: datetime, recorded: datetime
               ) -> Record:
        head = self.heads.get(till)
        if head is None:
            head = self.heads[till] = Head(at)
        head.seq = seq = head.seq + 1
        if at > head.at:
            head.at = at
        self.lines += 1
        if not parts:
            pj, bonus = "[]", 0
        elif len(parts) == 1:
            pj, bonus = f'[["{parts[0][0]}",{parts[0][1]}]]', parts[0][1]
        else:
            pj, bonus = parts_json(parts), sum(d for _, d in parts)
        if grant is None:
            g = f"{NULL}\t0\t{NULL}"
        else:
            bonus += grant[1]
            g = f"{grant[0]}\t{grant[1]}\t{grant[2].isoformat()}"
        ats = at.isoformat()
        r = NULL if refers is None else refers
        rec = ats if recorded is at else recorded.isoformat()
        return (f"{eid}\t{till}\t{seq}\t{kind}\t{card}\t{cash}\t{bonus}\t{pj}\t{allow}\t{g}\t"
                f"{lst}\t{disc}\t{tend}\t{r}\t{r if kind == 'void' else NULL}\t"
                f"{NULL if cashier is None else cashier}\t{ats}+00:00\t{rec}+00:00\n")


class Hasher:
    """Chains records, in each till's order, into complete journal rows (COPY text)."""

    def __init__(self) -> None:
        self._heads: dict[str, tuple[bytes, str]] = {}  # till → last digest, as hex

    def rows(self, records: str) -> str:
        """``records`` (newline-terminated) as journal rows, each with its two hashes."""
        heads, out = self._heads, []
        genesis = (bytes.fromhex(GENESIS_HASH), GENESIS_HASH)
        for record in records.splitlines():
            (eid, till, seq, kind, card, cash, _, pj, allow, gid, gamt, gexp, lst, disc, tend,
             refers, _, cashier, at, _) = record.split("\t")
            raw, prev = heads.get(till, genesis)
            h = sha256(raw)
            h.update(_canonical(
                eid, till, seq, kind, card, cash, pj,
                "null" if gid == NULL else f'["{gid}",{gamt},"{gexp}"]', lst, disc, tend,
                "null" if refers == NULL else f'"{refers}"',
                "null" if cashier == NULL else cashier, at, allow))
            raw = h.digest()
            digest = raw.hex()
            heads[till] = raw, digest
            out.append(f"{record}\t{prev}\t{digest}\n")
        return "".join(out)

    def hashes(self) -> dict[int, str]:
        """Each till's last hash so far."""
        return {int(t): h for t, (_, h) in self._heads.items()}
