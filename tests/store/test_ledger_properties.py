"""Random sequences of recharges, sales, voids and bonus grants keep every invariant."""

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import NOW, make_books
from tillcard.store.engine import make_engine
from tillcard.store.migrate import upgrade
from tillcard.store.schema import PurseRow
from tillcard.store.verify import verify

op = st.one_of(
    st.tuples(st.just("recharge"), st.integers(1, 3), st.integers(1, 20_000), st.integers(0, 20)),
    st.tuples(st.just("sale"), st.integers(1, 3), st.integers(1, 9_000), st.integers(0, 20)),
    st.tuples(st.just("split"), st.integers(1, 3), st.integers(1, 9_000), st.integers(0, 20)),
    st.tuples(st.just("void"), st.integers(1, 3), st.integers(0, 5), st.integers(0, 20)),
    st.tuples(st.just("replay"), st.integers(1, 3), st.integers(0, 5), st.integers(0, 20)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, min_size=1, max_size=30))
def test_ledger_invariants(tmp_path_factory, ops):
    engine = make_engine(str(tmp_path_factory.mktemp("p") / "p.db"))
    upgrade(engine)
    b = make_books(engine)
    cards = {i: b.card(f"90{i}", "bonus") for i in (1, 2, 3)}
    sales: list = []
    requests: list = []
    for kind, ci, amount, day in ops:
        at = NOW + timedelta(days=day, minutes=len(requests))
        card = cards[ci]
        if kind == "recharge":
            b.ledger.recharge(uuid.uuid4(), 1, card, amount, at)
        elif kind in ("sale", "split"):
            before = b.ledger.card_state(card, at.date())[1]
            from tillcard.store.ledger import SaleRequest
            req = SaleRequest(uuid.uuid4(), 1 + day % 2, card, amount, at,
                              split_tender=kind == "split")
            out = b.ledger.sale(req)
            requests.append(req)
            if out.entry is not None:
                sales.append(out.entry)
                q = out.quote
                assert q is not None
                # allocations sum to the card's part; card part + cash = charge
                assert q.allocation.total == q.card_part
                assert q.card_part + q.shortfall == q.charge
                assert all(isinstance(x, int) for x in (q.charge, q.discount, q.card_part))
                # bonus drawn soonest-expiring first
                live = before.live_grants(at.date())
                used = [g for g, _ in q.allocation.bonus_parts]
                assert used == [g.id for g in live][:len(used)]
                assert out.wallet.cash >= 0
        elif kind == "void" and sales:
            e = sales.pop(amount % len(sales))
            b.ledger.void(uuid.uuid4(), 1, e.id, at)
        elif kind == "replay" and requests:
            req = requests[amount % len(requests)]
            first = b.ledger.entry(req.entry_id)
            out = b.ledger.sale(req)
            if first is not None:  # applying twice equals applying once
                assert out.replayed and out.entry is not None and out.entry.hash == first.hash
    rep = verify(engine)
    assert rep.ok, rep.problems
    with engine.connect() as conn:
        for p in conn.execute(select(PurseRow.cash, PurseRow.bonus)):
            assert isinstance(p.cash, int) and isinstance(p.bonus, int)
    engine.dispose()
