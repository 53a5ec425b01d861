"""The server-side sale decides exactly as the domain does.

``tillcard_sale()`` (migration 0004) mirrors ``make_quote``, ``sale_refusal``,
``Wallet.allocate``, the bonus expiry and the replay rules in PL/pgSQL. Random cards (card
type limits, discount, status, validity, PIN failures), wallets (cash, bonus grants with
awkward ids and expiries around "today"), spend of the day and sales (amounts, split
tender, PIN, cashier, days and time zones, retries) go through both the general path on
SQLite — the domain code itself — and the fast path on PostgreSQL; decisions,
allocations, quotes, balances, refusals and their numbers must be the same, and
``tillcard verify`` must accept every entry the function hashed.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from tests.conftest import NOW
from tillcard.domain.cards import CardStatus, CardType
from tillcard.domain.journal import Entry, EntryKind, NewGrant
from tillcard.domain.rules import DaySpend
from tillcard.store.engine import make_engine
from tillcard.store.ledger import EntryConflict, Ledger, Outcome, SaleRequest
from tillcard.store.migrate import upgrade
from tillcard.store.reference import ReferenceStore
from tillcard.store.verify import verify

pytestmark = pytest.mark.postgres

SEED_TILL = 900
ZONES = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]


@dataclass
class Side:
    engine: Engine
    refs: ReferenceStore
    ledger: Ledger


@dataclass
class Twin:
    """The same books twice: SQLite through the domain, PostgreSQL through the function."""

    lite: Side
    pg: Side
    counter: Iterator[int]


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Twin]:
    from tests.pg import throwaway_database

    with throwaway_database() as url:
        lite = make_engine(str(Path(tmp_path_factory.mktemp("twin")) / "twin.db"))
        pg = make_engine(url)
        sides = []
        for engine in (lite, pg):
            upgrade(engine)
            refs = ReferenceStore(engine)
            refs.ensure_till(SEED_TILL, "Seeding")
            sides.append(Side(engine, refs, Ledger(engine)))
        assert sides[0].ledger._pg is None and sides[1].ledger._pg is not None
        yield Twin(sides[0], sides[1], itertools.count(1))
        lite.dispose()
        pg.dispose()


limit = st.one_of(st.none(), st.just(0), st.integers(1, 30_000))
card_types = st.builds(
    lambda bp, txn, amount, count, pin: CardType(
        "t", "Type", discount_bp=bp, per_txn_limit=txn, daily_amount_limit=amount,
        daily_count_limit=count, pin_above=pin),
    st.one_of(st.sampled_from([0, 1, 333, 500, 1_000, 5_000, 9_999, 10_000]),
              st.integers(0, 10_000)),
    limit, limit, st.one_of(st.none(), st.just(0), st.integers(1, 4)),
    st.one_of(st.none(), st.integers(0, 10_000)))
# grant ids: JSON escaping (quotes, backslashes, control and non-ASCII characters, beyond
# the BMP) and ties on expiry broken by code point
grant_ids = st.text(alphabet=st.sampled_from(list('aAbZ"\\\n\x01\x7fé€𝄞 -')), min_size=0,
                    max_size=6)
grants = st.lists(st.tuples(grant_ids, st.integers(0, 5_000), st.integers(-4, 12)),
                  max_size=4, unique_by=lambda g: g[0])
sales = st.lists(st.tuples(
    st.integers(1, 30_000) | st.sampled_from([0, 1, 5, 15, 9_995, 10_005]),
    st.booleans(), st.booleans(), st.one_of(st.none(), st.integers(1, 9)),
    st.sampled_from([0, 0, 0, 1, 3, 9]),  # days after the previous sale
    st.integers(0, 86_399_999_999),  # microseconds into the day
    st.sampled_from(ZONES),
    st.sampled_from(["new", "new", "new", "retry", "conflict"])), min_size=1, max_size=5)


@settings(max_examples=200, deadline=None, phases=[p for p in Phase if p is not Phase.explain],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ctype=card_types, status=st.sampled_from([CardStatus.ACTIVE] * 6 + list(CardStatus)),
       valid=st.one_of(st.none(), st.none(), st.none(), st.integers(-3, 20)),
       pin_failures=st.sampled_from([0, 0, 0, 0, 1, 2, 3, 4]),
       cash=st.integers(-2_000, 25_000), grant_list=grants,
       spent_yesterday=st.booleans(), spent=st.tuples(st.integers(0, 20_000),
                                                      st.integers(0, 4)),
       sale_list=sales)
def test_function_decides_as_the_domain(twin: Twin, ctype: CardType, status: CardStatus,
                                        valid: int | None, pin_failures: int, cash: int,
                                        grant_list: list[tuple[str, int, int]],
                                        spent_yesterday: bool, spent: tuple[int, int],
                                        sale_list: list[tuple[int, bool, bool, int | None, int,
                                                              int, timezone, str]]) -> None:
    n = next(twin.counter)
    till = 1000 + n
    today = NOW.date()
    tag = uuid.uuid4().hex[:8]
    cards = {}
    for side in (twin.lite, twin.pg):
        side.refs.ensure_till(till, f"Till {till}")
        type_id = side.refs.add_card_type(replace(ctype, code=f"t{tag}"))
        holder = side.refs.add_holder(f"Holder {n}")
        card = side.refs.add_card(f"C{tag}", holder, type_id, status=status,
                                  valid_until=None if valid is None else today + timedelta(
                                      days=valid))
        side.refs.set_pin_failures(card, pin_failures)
        _seed(side, card, cash, [(f"{tag}{g}", r, today + timedelta(days=d))
                                 for g, r, d in grant_list])
        with side.engine.begin() as conn:
            conn.execute(text("UPDATE purses SET day = :d, day_amount = :a, day_count = :c "
                              "WHERE card_id = :card"),
                         {"d": today - timedelta(days=1) if spent_yesterday else today,
                          "a": spent[0], "c": spent[1], "card": card})
        cards[id(side)] = card

    at = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    recorded: dict[uuid.UUID, int] = {}  # applied sales: entry id -> list amount
    for amount, split, pin, cashier, days, micros, zone, kind in sale_list:
        at = at + timedelta(days=days)
        when = (at.replace(tzinfo=None) + timedelta(microseconds=micros)).replace(tzinfo=zone)
        if kind != "new" and recorded:
            entry_id = list(recorded)[len(recorded) // 2]
            amount = recorded[entry_id] + (1 if kind == "conflict" else 0)
        else:
            kind, entry_id = "new", uuid.uuid4()
        results = []
        for side in (twin.lite, twin.pg):
            req = SaleRequest(entry_id, till, cards[id(side)], amount, when, cashier,
                              split_tender=split, pin_verified=pin)
            try:
                results.append(side.ledger.sale(req))
            except EntryConflict:
                results.append(None)
        lite, pg = results
        if kind == "conflict":
            assert lite is None and pg is None  # the same UUID, another amount: an error
            event("conflict")
            continue
        assert lite is not None and pg is not None
        _same(lite, pg, when.date())
        event("replayed" if lite.replayed else lite.refusal.code.value if lite.refusal
              else "applied, bonus used" if lite.entry and lite.entry.bonus_parts
              else "applied, split" if lite.entry and lite.entry.tendered_cash else "applied")
        if lite.extra:
            event("bonus expired")
        if lite.entry is not None and not lite.replayed:
            recorded[entry_id] = amount
    rep = verify(twin.pg.engine)
    assert rep.ok, rep.problems[:5]


def _seed(side: Side, card: int, cash: int, grant_list: list[tuple[str, int, date]]) -> None:
    """Money through journal entries on the seeding till, as the ledger's own append does."""
    entries = [Entry(uuid.uuid4(), SEED_TILL, 0, EntryKind.TRANSFER_IN, card, cash,
                     created_at=NOW)]
    entries += [Entry(uuid.uuid4(), SEED_TILL, 0, EntryKind.RECHARGE, card, 0,
                      new_grant=NewGrant(gid, remaining, expires), created_at=NOW)
                for gid, remaining, expires in grant_list]
    with side.engine.begin() as conn:
        for e in entries:
            side.ledger._append(conn, e, DaySpend(), NOW.date())


def _anon(out: Outcome) -> object:
    """The card without its row ids (the two databases number rows independently)."""
    return replace(out.card, id=0, holder=replace(out.card.holder, id=0))


def _same(lite: Outcome, pg: Outcome, today: date) -> None:
    assert pg.refusal == lite.refusal
    assert pg.quote == lite.quote
    assert pg.spent == lite.spent
    assert pg.replayed == lite.replayed
    assert _anon(pg) == _anon(lite)
    assert pg.wallet.cash == lite.wallet.cash
    assert sorted(pg.wallet.grants, key=repr) == sorted(lite.wallet.grants, key=repr)
    assert pg.wallet.balance(today) == lite.wallet.balance(today)
    assert (pg.entry is None) == (lite.entry is None)
    if pg.entry is not None and lite.entry is not None:
        assert replace(pg.entry, prev_hash="", card_id=0, created_at=NOW) == replace(
            lite.entry, prev_hash="", card_id=0, created_at=NOW)
        assert pg.entry.created_at == lite.entry.created_at
    assert len(pg.extra) == len(lite.extra)
    for a, b in zip(pg.extra, lite.extra, strict=True):
        assert a.kind is b.kind is EntryKind.BONUS_EXPIRE
        assert sorted(a.bonus_parts) == sorted(b.bonus_parts)
        assert (a.seq, a.cash_delta, a.cashier_id, a.created_at) == (
            b.seq, b.cash_delta, b.cashier_id, b.created_at)
