"""The card office at the centre and on a standalone till: one scenario, the same books.

The same sequence of card-office actions runs through ``store.office`` (SQLite) and
through migration 0013's functions (PostgreSQL); every card's purses, grants, status and
journal entries (kind and every amount) and the audit trail come out the same, and both
``verify`` clean. The functions' hashes are recomputed by ``verify`` in Python, so the
centre's entries are byte-identical to what ``Entry.canonical`` says.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from tests.conftest import OFFICE, Books, make_books
from tillcard.domain.cards import CardType, RechargeRule
from tillcard.domain.office import IssueRequest, OfficeCode, OfficeRefused, StatusAction
from tillcard.store.audit import AuditLog
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.office import OfficeStore, office_store
from tillcard.store.pg_office import PgOffice
from tillcard.store.schema import BonusGrantRow, CardRow, CardTypeRow, JournalRow, PurseRow
from tillcard.store.verify import verify

pytestmark = pytest.mark.postgres


def _scenario(books: Books, store: OfficeStore, admin: int) -> list[Any]:
    """Every action once, and the refusals; what each answered."""
    now = datetime.now(UTC)
    ids = iter(uuid.UUID(int=i) for i in range(1, 1_000))  # the same on both engines

    def nid() -> uuid.UUID:
        return next(ids)

    with books.engine.begin() as conn:
        conn.execute(update(CardTypeRow).where(CardTypeRow.code == "meal").values(
            deposit=1_000, card_fee=200))
    said: list[Any] = []
    a = store.issue(admin, nid(), IssueRequest("5001", "Chen Jie", "meal",
                                                      uid="0C01", opening_recharge=8_000), now)
    b = store.issue(admin, nid(), IssueRequest("5002", "Li Lei", "meal"), now)
    said += [a, b]
    said.append(store.grant_allowance(admin, "meal", "2026-10", 3_000, now))
    said.append(store.grant_allowance(admin, "meal", "2026-10", 3_000, now))
    r = store.recharge(admin, nid(), b.card_id, 5_000, now)
    assert r.entry is not None
    sale = Ledger(books.engine).sale(SaleRequest(nid(), 1, a.card_id, 4_500, now, 1))
    assert sale.entry is not None
    said.append(store.add_back_charge(admin, nid(), sale.entry.id, "twice", True,
                                      now))
    said.append(store.reverse_recharge(admin, nid(), r.entry.id, "typo", True, now))
    said.append(store.set_status(admin, a.card_id, StatusAction.FREEZE, "dispute", now))
    said.append(store.set_status(admin, a.card_id, StatusAction.LOST, "lost", now))
    said.append(store.replace(admin, nid(), a.card_id, "5003", None, "lost", now))
    said.append(store.reset_allowance(admin, "meal", "2026-10", now))
    said.append(store.set_validity(admin, None, "meal", date(2027, 7, 1), "grads", now))
    said.append(store.close(admin, nid(), b.card_id, "left", now))
    for act in (lambda: store.close(admin, nid(), a.card_id, "", now),
                lambda: store.replace(admin, nid(), a.card_id, "5009", None, "x", now),
                lambda: store.issue(admin, nid(), IssueRequest("5003", "X", "meal"),
                                    now)):
        with pytest.raises(OfficeRefused) as err:
            act()
        said.append(err.value.code)
    return said


def _books_of(engine: Engine) -> dict[str, Any]:
    """Everything the scenario changed, with ids and times left out."""
    with engine.connect() as conn:
        cards = {r.id: r.number for r in conn.execute(select(CardRow.id, CardRow.number))}
        purses = sorted((cards[p.card_id], p.cash, p.bonus, p.allowance)
                        for p in conn.execute(select(PurseRow)))
        states = sorted((c.number, c.status, c.status_reason, c.deposit_held,
                         cards.get(c.replaced_by), c.valid_until)
                        for c in conn.execute(select(CardRow)))
        grants = sorted((cards[g.card_id], g.remaining, g.expires_on)
                        for g in conn.execute(select(BonusGrantRow)))
        journal = [(j.kind, cards[j.card_id], j.cash_delta, j.bonus_delta,
                    j.allowance_delta, j.list_amount, j.tendered_cash, j.grant_amount)
                   for j in conn.execute(select(JournalRow).order_by(JournalRow.till_id,
                                                                     JournalRow.seq))]
    audit = [(e.action, e.subject, e.till_id, e.reason,
              json.loads(e.before) if e.before else None,
              json.loads(e.after) if e.after else None)
             for e in AuditLog(engine).events() if e.action != "validity_set"]
    return {"purses": purses, "cards": states, "grants": grants, "journal": journal,
            "audit": audit}


def _setup(engine: Engine) -> tuple[Books, int]:
    books = make_books(engine)
    books.refs.add_card_type(CardType("meal", "Staff meal", allowance_reset="period",
                                      recharge=RechargeRule(bonus_bp=500)))
    return books, books.refs.add_user("office-admin", "Zhao Lei", "admin", "x")


def test_the_centre_and_a_standalone_till_keep_the_same_books(sqlite_engine: Engine,
                                                              pg_engine: Engine):
    from tests.pg import CentreClock

    CentreClock.of(pg_engine).set(None)  # both on the real clock
    lite, lite_admin = _setup(sqlite_engine)
    pg, pg_admin = _setup(pg_engine)
    centre = office_store(pg_engine, OFFICE)
    assert isinstance(centre, PgOffice)
    said = _scenario(lite, office_store(sqlite_engine, OFFICE), lite_admin)
    assert said == _scenario(pg, centre, pg_admin)
    assert said[-3:] == [OfficeCode.REPLACED, OfficeCode.REPLACED, OfficeCode.IN_USE]
    assert _books_of(sqlite_engine) == _books_of(pg_engine)
    for engine in (sqlite_engine, pg_engine):
        rep = verify(engine)
        assert rep.ok, rep.problems[:5]
