"""`tillcard demo-data`: a valid, realistic, reproducible ledger on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from tillcard.cli import main
from tillcard.domain.clock import SiteClock
from tillcard.domain.journal import Entry, EntryKind, NewGrant, chain_hash
from tillcard.services.demo_chain import canonical, parts_json
from tillcard.store.engine import make_engine
from tillcard.store.ledger import Ledger
from tillcard.store.mapping import entry_from
from tillcard.store.schema import BonusGrantRow, CardRow, JournalRow, PurseRow
from tillcard.store.site import site_rules
from tillcard.store.verify import verify

UNTIL = "2026-03-10"
ARGS = ["--entries", "4000", "--days", "40", "--seed", "3", "--tills", "4", "--until", UNTIL]


def _run(db: str, *extra: str) -> int:
    return main(["demo-data", "--db", db, *ARGS, *extra])


def _journal(engine: Engine) -> list[Entry]:
    with engine.connect() as conn:
        return [entry_from(r) for r in conn.execute(
            select(JournalRow.__table__).order_by(JournalRow.till_id, JournalRow.seq))]


def _check_ledger(engine: Engine, days: int) -> None:
    """Verify clean, every kind, purses = journal, the days and the lunch peak."""
    rep = verify(engine)
    assert rep.ok, rep.problems[:5]
    assert rep.entries == 4000
    entries = _journal(engine)
    assert {e.kind for e in entries} == set(EntryKind)
    with engine.connect() as conn:
        purses = conn.execute(select(func.sum(PurseRow.cash), func.sum(PurseRow.bonus),
                                     func.sum(PurseRow.allowance))).one()
        grants = conn.execute(select(func.sum(BonusGrantRow.remaining))).scalar_one()
    assert tuple(purses) == (sum(e.cash_delta for e in entries),
                             sum(e.bonus_delta for e in entries),
                             sum(e.allowance_delta for e in entries))
    assert grants == purses[1]
    with engine.connect() as conn:  # meal windows counted beside the purse (0015)
        assert conn.execute(text("SELECT count(*) FROM purses WHERE meal_count > 0 "
                                 "AND meal_day IS NOT NULL")).scalar_one() > 0
    clock = site_rules(engine).clock
    sales = [e for e in entries if e.kind is EntryKind.SALE]
    business = {clock.business_day(e.created_at) for e in entries}
    last = date.fromisoformat(UNTIL)
    assert min(business) == date.fromordinal(last.toordinal() - days + 1)
    assert max(business) == last and len(business) == days
    hours = Counter(clock.minute(e.created_at) // 60 for e in sales)
    lunch = hours[11] + hours[12]
    assert lunch > 0.35 * len(sales)
    assert lunch > 3 * (hours[9] + hours[10]) and lunch > 3 * (hours[14] + hours[15])
    assert hours[7] + hours[8] > hours[9] + hours[10]  # a breakfast peak
    with engine.connect() as conn:
        times = conn.execute(select(JournalRow.created_at, JournalRow.recorded_at).where(
            JournalRow.kind == "sale")).all()
    backfilled = [t for t in times if (t.recorded_at - t.created_at).total_seconds() > 60]
    assert 0 < len(backfilled) < 0.2 * len(times)  # offline sales, recorded later


def test_canonical_text_is_the_entry_s(tmp_path: Path) -> None:
    """The generator's fast canonical form hashes exactly as ``Entry`` does, every field."""
    at = datetime(2026, 3, 1, 4, 5, 6, 123_000, tzinfo=UTC)
    gid = str(uuid.uuid4())
    cases = [
        Entry(uuid.uuid4(), 3, 7, EntryKind.SALE, 12, -300, ((gid, -200),), None, 600, 60,
              40, None, 5, at, "ab" * 32, allowance_delta=-100),
        Entry(uuid.uuid4(), 3, 8, EntryKind.RECHARGE, 12, 5_000,
              new_grant=NewGrant(gid, 500, date(2026, 3, 15)), list_amount=5_000,
              created_at=at.replace(microsecond=0), prev_hash="cd" * 32),
        Entry(uuid.uuid4(), 1, 1, EntryKind.VOID, 12, 300, ((gid, 200),), refers_to=uuid.uuid4(),
              tendered_cash=40, cashier_id=None, created_at=at, allowance_delta=100),
    ]
    for e in cases:
        g = None if e.new_grant is None else (e.new_grant.id, e.new_grant.amount,
                                              e.new_grant.expires_on)
        mine = canonical(str(e.id), e.till_id, e.seq, str(e.kind), e.card_id, e.cash_delta,
                         parts_json(list(e.bonus_parts)), g, e.list_amount, e.discount,
                         e.tendered_cash, None if e.refers_to is None else str(e.refers_to),
                         e.cashier_id, e.created_at, e.allowance_delta)
        assert mine == e.canonical()
        assert chain_hash(e.prev_hash, mine) == e.hash


def test_sqlite_demo_site_verifies_and_looks_like_a_canteen(tmp_path: Path, capsys) -> None:
    db = str(tmp_path / "demo.db")
    assert main(["db", "upgrade", "--db", db]) == 0
    assert main(["db", "site", "--db", db, "--time-zone", "Asia/Shanghai",
                 "--day-cutoff", "04:00"]) == 0
    capsys.readouterr()
    assert _run(db) == 0
    out = capsys.readouterr().out
    assert "4000 entries over 40 business days" in out and "Asia/Shanghai" in out
    engine = make_engine(db)
    try:
        assert site_rules(engine).clock == SiteClock("Asia/Shanghai", 240)
        _check_ledger(engine, 40)
        with engine.connect() as conn:
            names = list(conn.execute(text("SELECT name FROM holders")).scalars())
            booths = set(conn.execute(text("SELECT site FROM tills")).scalars())
            statuses = set(conn.execute(select(CardRow.status)).scalars())
        assert any(all(ord(ch) > 0x4E00 for ch in n) for n in names)  # 张伟
        assert any(" " in n and n.isascii() for n in names)  # Latin names
        assert len(booths) >= 4 and {"lost", "closed", "active"} <= statuses
    finally:
        engine.dispose()


def test_same_seed_same_ledger_other_seed_another(tmp_path: Path, capsys) -> None:
    dbs = [str(tmp_path / f"{n}.db") for n in ("a", "b", "c")]
    assert _run(dbs[0]) == 0 and _run(dbs[1]) == 0
    assert main(["demo-data", "--db", dbs[2], *ARGS[:4], "--seed", "4", *ARGS[6:]]) == 0
    capsys.readouterr()
    heads = []
    for db in dbs:
        engine = make_engine(db)
        with engine.connect() as conn:
            heads.append(conn.execute(text("SELECT id, last_seq, last_hash FROM tills "
                                           "ORDER BY id")).all())
        engine.dispose()
    assert heads[0] == heads[1]
    assert heads[0] != heads[2]


@pytest.mark.postgres
def test_postgres_demo_site_verifies_and_takes_new_entries(pg_url: str, capsys) -> None:
    """COPY with the projection trigger paused: valid, triggers back on, ids continue."""
    assert _run(pg_url) == 0
    capsys.readouterr()
    engine = make_engine(pg_url)
    try:
        _check_ledger(engine, 40)
        with engine.connect() as conn:
            enabled = dict(conn.execute(text(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname IN "
                "('journal_apply', 'cards_purse')")).all())
            card, till = conn.execute(text(
                "SELECT c.id, (SELECT min(id) FROM tills) FROM cards c JOIN purses p "
                "ON p.card_id = c.id WHERE c.status = 'active' AND c.number <> 'CASH' "
                "ORDER BY c.id LIMIT 1")).one()
        assert enabled == {"journal_apply": "O", "cards_purse": "O"}
        # the chains continue through the ledger's own path, the trigger projects again
        Ledger(engine).recharge(uuid.uuid4(), till, card, 1_000,
                                datetime.now(UTC))
        from tillcard.store.reference import ReferenceStore

        with engine.connect() as conn:
            top = conn.execute(text("SELECT max(id) FROM holders")).scalar_one()
        assert ReferenceStore(engine).add_holder("新用户") == top + 1  # the sequence moved on
        rep = verify(engine)
        assert rep.ok and rep.entries == 4001, rep.problems[:5]
    finally:
        engine.dispose()
    assert main(["demo-data", "--db", pg_url, *ARGS]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "journal entries already" in err


_SHAPE = """
SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE tablename = 'journal'
UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE conrelid = 'journal'::regclass
UNION ALL SELECT 'trigger ' || tgname || ' ' || tgenabled::text FROM pg_trigger
 WHERE tgrelid IN ('journal'::regclass, 'cards'::regclass) AND NOT tgisinternal
ORDER BY 1"""


@pytest.mark.postgres
def test_postgres_load_holds_every_kind_counted_in_the_day_totals(pg_url: str,
                                                                   capsys) -> None:
    """Every kind of entry, as many as the summary says, each counted in ``day_totals``.

    The load pauses triggers and drops indexes and foreign keys: afterwards the journal's
    indexes, constraints and triggers are exactly those of a freshly migrated database.
    """
    assert main(["db", "upgrade", "--db", pg_url]) == 0
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            before = list(conn.execute(text(_SHAPE)).scalars())
        assert any(s.startswith("constraint fk_journal_card_id") for s in before)
        capsys.readouterr()
        assert _run(pg_url) == 0
        out = capsys.readouterr().out
        said = dict(part.rsplit(" ", 1) for part in out.split("entries by kind: ")[1]
                    .splitlines()[0].split(", "))
        assert "phases: setup" in out and "totals" in out
        with engine.connect() as conn:
            after = list(conn.execute(text(_SHAPE)).scalars())
            kinds = dict(conn.execute(text(
                "SELECT kind, count(*) FROM journal GROUP BY kind")).all())
            totals = dict(conn.execute(text(
                "SELECT kind, sum(n) FROM day_totals GROUP BY kind")).all())
        assert after == before
        assert set(kinds) == {str(k) for k in EntryKind}
        assert {k: int(n) for k, n in said.items()} == kinds
        assert totals == kinds and sum(kinds.values()) == 4000
    finally:
        engine.dispose()


def test_a_failing_generator_child_fails_the_load_with_its_traceback() -> None:
    from tillcard.commands.demo_data import DemoSpec, GeneratorFailed, stream
    from tillcard.services.demo_activity import DemoPlan
    from tillcard.store.bulk_load import IdBase

    spec = DemoSpec(DemoPlan(10, 2, date.min, 1), SiteClock(), 1, 12,
                    IdBase(0, 0, 0, 0, 0, 1))  # its first day is before the calendar's
    with pytest.raises(GeneratorFailed, match="OverflowError"):
        list(stream(spec, in_child=True))


@pytest.mark.parametrize(("args", "says"), [
    (["--entries", "0", "--days", "5"], "--entries"),
    (["--entries", "10", "--days", "x"], "--days"),
    (["--entries", "10", "--days", "5", "--until", "2026-13-01"], "--until"),
    (["--entries", "10", "--days", "99999"], "--days"),
    (["--entries", "2000000", "--days", "5"], "SQLite"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path: Path, capsys, args: list[str],
                                            says: str) -> None:
    assert main(["demo-data", "--db", str(tmp_path / "x.db"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err
    assert not (tmp_path / "x.db").exists()


def test_owing_cards_are_settled_within_days_not_left_blocked(tmp_path: Path, capsys) -> None:
    """An offline sale that left a card owing blocks it; its holder tops it up soon after.

    Before, every such card stayed blocked for the rest of the year (a third of the
    demo's cards), which no site looks like and which swelled the exceptions report.
    """
    db = str(tmp_path / "owing.db")
    assert main(["demo-data", "--db", db, "--entries", "30000", "--days", "60",
                 "--until", "2026-11-30"]) == 0
    capsys.readouterr()
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            owed = dict(conn.execute(text(
                "SELECT card_id, max(sold_at) FROM exceptions "
                "WHERE kind = 'negative_balance' GROUP BY card_id")).all())
            blocked = set(conn.execute(text(
                "SELECT id FROM cards WHERE status = 'blocked'")).scalars())
            settled = {c for c, at in owed.items() if conn.execute(text(
                "SELECT count(*) FROM journal WHERE card_id = :c AND kind = 'recharge' "
                "AND created_at > :at"), {"c": c, "at": at}).scalar_one()}
            cash = dict(conn.execute(text("SELECT card_id, cash FROM purses")).all())
        assert len(owed) >= 10
        assert blocked <= set(owed)  # only an overdraft blocks a card
        assert len(blocked) < len(owed) / 3  # most were settled…
        assert settled and not settled & blocked  # …by a recharge, which unblocked them
        assert all(cash[c] < 0 for c in blocked)  # the rest still owe
        assert verify(engine).ok
    finally:
        engine.dispose()
