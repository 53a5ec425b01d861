"""Bench fixtures: many cards seeded through real journal entries, fast, in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, text

from tillcard.domain.cards import CardType
from tillcard.domain.journal import GENESIS_HASH, Entry, EntryKind
from tillcard.store.mapping import entry_values
from tillcard.store.reference import ReferenceStore
from tillcard.store.schema import CardRow, HolderRow, JournalRow, TillRow

SEED_TILL = 1000
BENCH_TYPE = "bench"


def seed_cards(engine: Engine, cards: int, balance: int, tills: int) -> list[int]:
    """Create ``cards`` cards holding ``balance`` each; the seed till's chain explains it."""
    refs = ReferenceStore(engine)
    for t in range(1, tills + 1):
        refs.ensure_till(t, f"Bench till {t}")
    refs.ensure_till(SEED_TILL, "Bench seeding")
    type_id = refs.add_card_type(CardType(BENCH_TYPE + uuid.uuid4().hex[:6], "Bench"))
    now = datetime.now(UTC)
    with engine.begin() as conn:
        tag = uuid.uuid4().hex[:8]
        holders = conn.execute(insert(HolderRow).returning(HolderRow.id), [
            {"name": f"Bench {i}", "staff_no": "", "updated_at": now} for i in range(cards)
        ]).scalars().all()
        card_ids = conn.execute(insert(CardRow).returning(CardRow.id), [
            {"number": f"B{tag}{i:07d}", "uid": None, "holder_id": h,
             "card_type_id": type_id, "status": "active", "valid_until": None,
             "pin_hash": None, "pin_failures": 0, "updated_at": now}
            for i, h in enumerate(holders)
        ]).scalars().all()
        head = conn.execute(select(TillRow.last_seq, TillRow.last_hash)
                            .where(TillRow.id == SEED_TILL)).one()
        seq, prev = head.last_seq, head.last_hash or GENESIS_HASH
        rows = []
        for c in card_ids:
            seq += 1
            e = Entry(uuid.uuid4(), SEED_TILL, seq, EntryKind.RECHARGE, c, balance,
                      list_amount=balance, created_at=now, prev_hash=prev)
            prev = e.hash
            rows.append({**entry_values(e), "recorded_at": now})
        conn.execute(insert(JournalRow), rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))  # a freshly bulk-loaded table has no statistics
    return list(card_ids)


NAIVE_DDL = [
    "DROP TABLE IF EXISTS bench_naive_sales",
    "DROP TABLE IF EXISTS bench_naive_balances",
    "CREATE TABLE bench_naive_balances (card_id INTEGER PRIMARY KEY, balance BIGINT NOT NULL)",
    "CREATE TABLE bench_naive_sales (id VARCHAR(36) PRIMARY KEY, card_id INTEGER NOT NULL,"
    " amount BIGINT NOT NULL)",
]


def seed_naive(engine: Engine, card_ids: list[int], balance: int) -> None:
    """The seed design's tables: a balance column rewritten by each sale, and a sales list."""
    with engine.begin() as conn:
        for sql in NAIVE_DDL:
            conn.execute(text(sql))
        conn.execute(text("INSERT INTO bench_naive_balances (card_id, balance) "
                          "VALUES (:c, :b)"), [{"c": c, "b": balance} for c in card_ids])


def drop_naive(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_naive_sales"))
        conn.execute(text("DROP TABLE IF EXISTS bench_naive_balances"))
