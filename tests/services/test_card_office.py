"""The card office's actions and refusals, on a standalone SQLite and at the real centre.

Every test runs twice: through ``store.office`` on SQLite and through migration 0013's
functions on PostgreSQL, called by an admin-role login bound to the office's till (what a
back office holds). After each one the journal must explain every balance: ``verify`` is
clean, and the audit log holds a row for every action.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select, text, update

from tests.conftest import OFFICE, Books, make_books
from tillcard.domain.cards import CardStatus, CardType, RechargeRule
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.money import AmountError
from tillcard.domain.office import IssueRequest, OfficeCode, OfficeRefused
from tillcard.domain.permissions import Role
from tillcard.services.auth import PermissionDenied, SecretHasher, Session
from tillcard.services.card_office import CardOffice
from tillcard.store.audit import AuditEvent, AuditLog
from tillcard.store.ledger import AlreadyVoided, Ledger, SaleRequest
from tillcard.store.office import GenericOffice, OfficeStore
from tillcard.store.schema import BonusGrantRow, CardRow, CardTypeRow, JournalRow
from tillcard.store.verify import verify


@dataclass
class Office:
    books: Books  # the owner's view: seeds and checks
    service: CardOffice
    store: OfficeStore
    admin: Session
    manager: Session
    cashier: Session
    engine_name: str

    def state(self, card_id: int) -> tuple[Any, Any]:
        """The card row and its purse, as the owner reads them."""
        with self.books.engine.connect() as conn:
            card = conn.execute(select(CardRow).where(CardRow.id == card_id)).one()
            purse = conn.execute(text("SELECT cash, bonus, allowance FROM purses "
                                      "WHERE card_id = :c"), {"c": card_id}).one()
        return card, purse

    def grants(self, card_id: int) -> list[tuple[int, date]]:
        with self.books.engine.connect() as conn:
            return [(r.remaining, r.expires_on) for r in conn.execute(
                select(BonusGrantRow.remaining, BonusGrantRow.expires_on).where(
                    BonusGrantRow.card_id == card_id, BonusGrantRow.remaining != 0)
                .order_by(BonusGrantRow.expires_on, BonusGrantRow.remaining))]

    def audit_rows(self) -> int:
        with self.books.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM audit")).scalar_one())

    def audit(self, subject: str) -> list[AuditEvent]:
        return AuditLog(self.books.engine).events(subject)

    def entries(self, card_id: int) -> list[Entry]:
        from tillcard.store.mapping import entry_from

        with self.books.engine.connect() as conn:
            return [entry_from(r) for r in conn.execute(select(JournalRow).where(
                JournalRow.card_id == card_id).order_by(JournalRow.recorded_at,
                                                        JournalRow.seq))]

    def card(self, number: str, type_code: str = "standard", cash: int = 0) -> int:
        card = self.books.card(number, type_code)
        if cash:
            self.service.recharge(self.admin, card, cash)
        return card

    def overdraw(self, card_id: int, amount: int) -> None:
        """A back-filled sale that left the card owing (the owner's direct path)."""
        entry = Entry(uuid.uuid4(), 1, 0, EntryKind.SALE, card_id, -amount,
                      list_amount=amount, created_at=datetime.now(UTC))
        with self.books.engine.begin() as conn:
            self.books.ledger._append(conn, entry, None)


def _type(books: Books, code: str, **columns: Any) -> None:
    with books.engine.begin() as conn:
        conn.execute(update(CardTypeRow).where(CardTypeRow.code == code).values(**columns))


def _admin_login(url: str, owner: Engine) -> tuple[Engine, str]:
    """A back office's login: role ``tillcard_admin``, bound to the office's till."""
    from sqlalchemy.engine import make_url

    from tillcard.store.engine import make_engine
    from tillcard.store.reference import ReferenceStore
    from tillcard.store.roles import create_roles

    create_roles(owner)
    login = f"office_{uuid.uuid4().hex[:8]}"
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN"))
        conn.execute(text(f"GRANT tillcard_admin TO {login}"))
    ReferenceStore(owner).bind_login(OFFICE, login)
    return make_engine(make_url(url).set(username=login).render_as_string(
        hide_password=False)), login


def _drop_login(owner: Engine, engine: Engine, login: str) -> None:
    """Logins are the server's, not the throwaway database's: each test drops its own."""
    engine.dispose()
    with owner.begin() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {login}"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def office(request: pytest.FixtureRequest, hasher: SecretHasher) -> Iterator[Office]:
    if request.param == "sqlite":
        engine = request.getfixturevalue("sqlite_engine")
        books = make_books(engine)
        store: OfficeStore = GenericOffice(engine, OFFICE)
        closing: Callable[[], None] = lambda: None  # noqa: E731
    else:
        from tests.pg import CentreClock
        from tillcard.store.pg_office import PgOffice

        engine = request.getfixturevalue("pg_engine")
        CentreClock.of(engine).set(None)  # the office's login is on the server's clock
        books = make_books(engine)
        admin_engine, login = _admin_login(request.getfixturevalue("pg_url"), engine)
        store = PgOffice(admin_engine, OFFICE)

        def closing() -> None:
            _drop_login(engine, admin_engine, login)
    admin_id = books.refs.add_user("office-admin", "Zhao Lei", "admin", "not-a-hash")
    books.types["meal"] = books.refs.add_card_type(CardType(
        "meal", "Staff meal", allowance_reset="period",
        recharge=RechargeRule(bonus_bp=1_000, bonus_expiry_days=30)))
    office = Office(books, CardOffice(store, hasher), store,
                    Session(admin_id, "office-admin", "Zhao Lei", Role.ADMIN),
                    Session(2, "books-manager", "Wang Fang", Role.MANAGER),
                    Session(1, "books-cashier", "Li Na", Role.CASHIER), request.param)
    yield office
    closing()
    rep = verify(books.engine)
    assert rep.ok, rep.problems[:5]


def test_issue_takes_deposit_and_fee_and_the_opening_recharge(office: Office):
    _type(office.books, "meal", deposit=2_000, card_fee=500, validity_days=365)
    res = office.service.issue(office.admin, IssueRequest(
        "8001", "Chen Jie", "meal", uid="04a1b2c3", member_no="S-17", phone="138 0000 0001",
        opening_recharge=10_000))
    assert (res.deposit, res.fee, res.recharged, res.bonus) == (2_000, 500, 10_000, 1_000)
    card, purse = office.state(res.card_id)
    assert (card.number, card.uid, card.status, card.deposit_held) == (
        "8001", "04A1B2C3", "active", 2_000)
    assert card.valid_until is not None and card.valid_until.year >= 2027
    assert (purse.cash, purse.bonus, purse.allowance) == (10_000, 1_000, 0)
    kinds = [(e.kind, e.list_amount, e.tendered_cash) for e in office.entries(res.card_id)]
    assert kinds == [(EntryKind.DEPOSIT, 2_000, 2_500), (EntryKind.RECHARGE, 10_000, 0)]
    [event] = office.audit("card 8001")
    assert event.action == "card_issued" and event.user_id == office.admin.user_id
    assert event.till_id == OFFICE
    assert json.loads(event.detail)["deposit"] == 2_000


def test_issue_refuses_a_number_or_chip_already_in_use(office: Office):
    office.service.issue(office.admin, IssueRequest("8002", "Chen Jie", "standard",
                                                    uid="0A0B"))
    for req, needle in ((IssueRequest("8002", "Someone", "standard"), "8002"),
                        (IssueRequest("8003", "Someone", "standard", uid="0a0b"), "0A0B")):
        with pytest.raises(OfficeRefused, match=needle) as err:
            office.service.issue(office.admin, req)
        assert err.value.code is OfficeCode.IN_USE
    with pytest.raises(OfficeRefused) as err:
        office.service.issue(office.admin, IssueRequest("8004", "Someone", "no-such-type"))
    assert err.value.code is OfficeCode.UNKNOWN_TYPE
    assert len(office.audit("card 8002")) == 1  # nothing else was written


def test_recharge_of_a_frozen_card_is_taken_of_a_lost_or_closed_one_refused(office: Office):
    frozen, lost, closed = (office.card(n) for n in ("8101", "8102", "8103"))
    office.service.freeze(office.admin, frozen, "holder's request")
    office.service.report_lost(office.admin, lost, "lost on the bus")
    office.service.close(office.admin, closed)
    out = office.service.recharge(office.manager, frozen, 3_000)  # a manager may
    assert out.entry is not None and out.wallet.cash == 3_000
    assert office.state(frozen)[0].status == "frozen"  # still frozen: it cannot spend
    for card, status in ((lost, "lost"), (closed, "closed")):
        with pytest.raises(OfficeRefused, match=status):
            office.service.recharge(office.admin, card, 3_000)
        assert office.state(card)[1].cash == 0
    [event] = [e for e in office.audit("card 8101") if e.action == "card_recharged"]
    assert json.loads(event.after)["cash"] == 3_000
    with pytest.raises(AmountError):
        office.service.recharge(office.admin, frozen, 0)


def test_freeze_and_unfreeze_with_a_reason_the_cashier_can_be_shown(office: Office):
    card = office.card("8201")
    with pytest.raises(OfficeRefused) as err:
        office.service.freeze(office.admin, card, "  ")
    assert err.value.code is OfficeCode.REASON
    change = office.service.freeze(office.admin, card, "dispute with the canteen")
    assert (change.before, change.after) == (CardStatus.ACTIVE, CardStatus.FROZEN)
    row = office.state(card)[0]
    assert (row.status, row.status_reason) == ("frozen", "dispute with the canteen")
    with pytest.raises(OfficeRefused) as err:
        office.service.freeze(office.admin, card, "again")
    assert err.value.code is OfficeCode.STATUS
    office.service.unfreeze(office.admin, card, "settled")
    assert office.state(card)[0].status == "active"
    events = office.audit("card 8201")
    assert [(e.action, json.loads(e.before)["status"], json.loads(e.after)["status"],
             e.reason) for e in events] == [
        ("card_freeze", "active", "frozen", "dispute with the canteen"),
        ("card_unfreeze", "frozen", "active", "settled")]


def test_replacement_moves_every_purse_and_grant_with_its_expiry(office: Office):
    _type(office.books, "meal", deposit=1_000)
    old = office.service.issue(office.admin, IssueRequest(
        "8301", "Chen Jie", "meal", uid="AA01", opening_recharge=5_000)).card_id
    _type(office.books, "meal", bonus_expiry_days=90)
    office.service.recharge(office.admin, old, 2_000)  # a second grant, a later expiry
    office.service.grant_allowance(office.admin, "meal", "2026-11", 30_000)
    grants = office.grants(old)
    assert [a for a, _ in grants] == [500, 200] and grants[0][1] < grants[1][1]
    with pytest.raises(OfficeRefused) as err:  # lost first
        office.service.replace(office.admin, old, "8302", "worn out")
    assert err.value.code is OfficeCode.STATUS
    office.service.report_lost(office.admin, old, "lost in the library")
    office.books.card("8399")
    with pytest.raises(OfficeRefused) as err:  # onto a card already in use
        office.service.replace(office.admin, old, "8399", "lost in the library")
    assert err.value.code is OfficeCode.IN_USE
    res = office.service.replace(office.admin, old, "8302", "lost in the library",
                                 uid="aa02")
    assert (res.cash, res.allowance) == (7_000, 30_000)
    assert [(g.amount, g.expires_on) for g in res.grants] == grants
    new_card, new_purse = office.state(res.new_card_id)
    old_card, old_purse = office.state(old)
    assert (new_purse.cash, new_purse.bonus, new_purse.allowance) == (7_000, 700, 30_000)
    assert (old_purse.cash, old_purse.bonus, old_purse.allowance) == (0, 0, 0)
    assert office.grants(res.new_card_id) == grants and office.grants(old) == []
    assert (new_card.uid, new_card.holder_id, new_card.deposit_held) == (
        "AA02", old_card.holder_id, 1_000)
    assert (old_card.status, old_card.replaced_by, old_card.deposit_held) == (
        "lost", res.new_card_id, 0)
    moves = [e.kind for e in office.entries(old)][-1:] + [
        e.kind for e in office.entries(res.new_card_id)]
    assert moves == [EntryKind.TRANSFER_OUT] + [EntryKind.TRANSFER_IN] * 2
    # the old card is blocked for ever
    for act in (lambda: office.service.unfreeze(office.admin, old, "found it"),
                lambda: office.service.report_lost(office.admin, old, "again"),
                lambda: office.service.replace(office.admin, old, "8303", "again"),
                lambda: office.service.close(office.admin, old)):
        with pytest.raises(OfficeRefused) as err:
            act()
        assert err.value.code is OfficeCode.REPLACED
    with pytest.raises(OfficeRefused):
        office.service.recharge(office.admin, old, 100)
    [event] = [e for e in office.audit("card 8301") if e.action == "card_replaced"]
    assert json.loads(event.before) == {"cash": 7_000, "bonus": 700, "allowance": 30_000}


def test_closing_refunds_cash_and_deposit_and_says_what_is_forfeited(office: Office):
    _type(office.books, "meal", deposit=1_500, card_fee=300)
    card = office.service.issue(office.admin, IssueRequest(
        "8401", "Chen Jie", "meal", opening_recharge=4_000)).card_id
    office.service.grant_allowance(office.admin, "meal", "2026-11", 2_500)
    res = office.service.close(office.admin, card, "left the company")
    assert (res.cash_refunded, res.deposit_refunded, res.bonus_forfeited,
            res.allowance_forfeited, res.paid_out) == (4_000, 1_500, 400, 2_500, 5_500)
    row, purse = office.state(card)
    assert (row.status, row.deposit_held) == ("closed", 0)
    assert (purse.cash, purse.bonus, purse.allowance) == (0, 0, 0)
    refund = office.entries(card)[-1]
    assert (refund.kind, refund.cash_delta, refund.list_amount, refund.tendered_cash,
            refund.allowance_delta, refund.bonus_delta) == (
        EntryKind.REFUND, -4_000, 1_500, 5_500, -2_500, -400)
    with pytest.raises(OfficeRefused) as err:
        office.service.close(office.admin, card)
    assert err.value.code is OfficeCode.STATUS


def test_closing_a_card_that_owes_money_is_refused(office: Office):
    card = office.card("8402", cash=1_000)
    office.overdraw(card, 1_600)
    assert office.state(card)[0].status == "blocked"
    with pytest.raises(OfficeRefused, match="600") as err:
        office.service.close(office.admin, card)
    assert err.value.code is OfficeCode.NEGATIVE
    assert office.state(card)[1].cash == -600
    office.service.recharge(office.admin, card, 600)  # settled: unblocked, then closed
    assert office.service.close(office.admin, card).cash_refunded == 0


def test_pin_set_and_reset(office: Office, hasher: SecretHasher):
    card = office.card("8501")
    with office.books.engine.begin() as conn:
        conn.execute(update(CardRow).where(CardRow.id == card).values(pin_failures=3))
    with pytest.raises(ValueError, match="digits"):
        office.service.set_pin(office.admin, card, "12a4")
    office.service.set_pin(office.admin, card, "4321")
    row = office.state(card)[0]
    assert hasher.verify(row.pin_hash, "4321") and not hasher.verify(row.pin_hash, "1234")
    assert row.pin_failures == 0
    office.service.reset_pin(office.admin, card)
    assert office.state(card)[0].pin_hash is None
    events = office.audit("card 8501")
    assert [e.action for e in events] == ["pin_set", "pin_reset"]
    assert all("argon2" not in e.detail + e.before + e.after for e in events)


def test_validity_for_a_list_of_cards_or_every_card_of_a_type(office: Office):
    a, b, c = (office.card(n, "meal") for n in ("8601", "8602", "8603"))
    other = office.card("8604")
    grads = date(2027, 6, 30)
    assert office.service.set_validity(office.admin, grads, card_ids=[a, b],
                                       reason="graduates 2027") == 2
    assert [office.state(x)[0].valid_until for x in (a, b, c)] == [grads, grads, None]
    assert office.service.set_validity(office.admin, date(2027, 1, 31),
                                       card_type="meal") == 3
    assert office.state(c)[0].valid_until == date(2027, 1, 31)
    assert office.state(other)[0].valid_until is None
    [first, second] = office.audit("card 8601")
    assert (first.action, first.reason, json.loads(first.after)["valid_until"]) == (
        "validity_set", "graduates 2027", "2027-06-30")
    with pytest.raises(ValueError, match="not both"):
        office.service.set_validity(office.admin, grads, card_ids=[a], card_type="meal")


def test_a_wrong_recharge_is_reversed_once_with_a_reason_and_confirmation(office: Office):
    card = office.card("8701", "meal", cash=1_000)
    wrong = office.service.recharge(office.admin, card, 20_000)  # meant 2,000.00
    assert wrong.entry is not None
    with pytest.raises(OfficeRefused) as err:
        office.service.reverse_recharge(office.admin, wrong.entry.id, "")
    assert err.value.code is OfficeCode.REASON
    with pytest.raises(OfficeRefused) as err:  # asked once only
        office.service.reverse_recharge(office.admin, wrong.entry.id, "typo")
    assert err.value.code is OfficeCode.UNCONFIRMED
    res = office.service.reverse_recharge(office.admin, wrong.entry.id, "typo",
                                          confirmed=True)
    assert (res.cash, res.bonus, res.allowance) == (-20_000, -2_000, 0)
    purse = office.state(card)[1]
    assert (purse.cash, purse.bonus) == (1_000, 100)
    last = office.entries(card)[-1]
    assert (last.kind, last.refers_to) == (EntryKind.CORRECTION, wrong.entry.id)
    with pytest.raises(OfficeRefused) as err:
        office.service.reverse_recharge(office.admin, wrong.entry.id, "typo", confirmed=True)
    assert err.value.code is OfficeCode.CORRECTED
    [event] = [e for e in office.audit("card 8701") if e.action == "correction_recharge"]
    assert (event.reason, json.loads(event.after)["cash"]) == ("typo", 1_000)


def test_a_wrong_charge_is_added_back_once_and_never_voided_after(office: Office):
    card = office.card("8702", cash=5_000)
    ledger = Ledger(office.books.engine)
    sale = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 1_200, datetime.now(UTC), 1))
    assert sale.entry is not None
    with pytest.raises(OfficeRefused) as err:  # a sale is not a recharge
        office.service.reverse_recharge(office.admin, sale.entry.id, "x", confirmed=True)
    assert err.value.code is OfficeCode.WRONG_ENTRY
    res = office.service.add_back_charge(office.admin, sale.entry.id, "charged twice",
                                         confirmed=True)
    assert (res.cash, res.bonus) == (1_200, 0)
    assert office.state(card)[1].cash == 5_000
    with pytest.raises(OfficeRefused) as err:
        office.service.add_back_charge(office.admin, sale.entry.id, "again", confirmed=True)
    assert err.value.code is OfficeCode.CORRECTED
    with pytest.raises(AlreadyVoided):  # the till cannot give it back a second time
        ledger.void(uuid.uuid4(), 1, sale.entry.id, datetime.now(UTC), 1)


def test_an_allowance_batch_granted_twice_is_applied_once(office: Office):
    a, b = office.card("8801", "meal"), office.card("8802", "meal")
    frozen, other = office.card("8803", "meal"), office.card("8804")
    office.service.freeze(office.admin, frozen, "dispute")
    first = office.service.grant_allowance(office.admin, "meal", "2026-11", 30_000)
    assert (first.cards, first.total, first.replayed) == (2, 60_000, False)
    again = office.service.grant_allowance(office.admin, "meal", "2026-11", 30_000)
    assert (again.cards, again.total, again.replayed) == (2, 60_000, True)
    assert [office.state(x)[1].allowance for x in (a, b, frozen, other)] == [
        30_000, 30_000, 0, 0]
    with pytest.raises(OfficeRefused) as err:
        office.service.grant_allowance(office.admin, "meal", "2026-11", 31_000)
    assert err.value.code is OfficeCode.BATCH_CHANGED
    with pytest.raises(ValueError, match="YYYY-MM"):
        office.service.grant_allowance(office.admin, "meal", "2026-13", 1_000)
    events = office.audit("card type meal")
    assert [e.action for e in events] == ["allowance_granted"]


def test_the_allowance_resets_at_the_period_end_through_an_entry(office: Office):
    a, b = office.card("8901", "meal"), office.card("8902", "meal")
    office.service.grant_allowance(office.admin, "meal", "2026-10", 10_000)
    with pytest.raises(OfficeRefused) as err:  # the standard type never resets
        office.service.reset_allowance(office.admin, "standard", "2026-10")
    assert err.value.code is OfficeCode.NOT_PERIOD_TYPE
    this_month = datetime.now(UTC).strftime("%Y-%m")
    with pytest.raises(OfficeRefused) as err:
        office.service.reset_allowance(office.admin, "meal", this_month)
    assert err.value.code is OfficeCode.PERIOD_OPEN
    Ledger(office.books.engine).sale(SaleRequest(uuid.uuid4(), 1, a, 4_000,
                                                 datetime.now(UTC), 1))
    res = office.service.reset_allowance(office.admin, "meal", "2026-10")
    assert (res.cards, res.total) == (2, -16_000)
    assert [office.state(x)[1].allowance for x in (a, b)] == [0, 0]
    assert office.entries(b)[-1].kind is EntryKind.ALLOWANCE_RESET
    again = office.service.reset_allowance(office.admin, "meal", "2026-10")
    assert again.replayed and again.total == -16_000
    office.service.grant_allowance(office.admin, "meal", "2026-11", 5_000)
    office.service.grant_allowance(office.admin, "meal", "2026-12", 5_000)
    with pytest.raises(OfficeRefused) as err:  # December's would go with November's
        office.service.reset_allowance(office.admin, "meal", "2026-11")
    assert err.value.code is OfficeCode.LATER_PERIOD


# -- who may do what ----------------------------------------------------------------------

ALLOWED = {  # CardOffice method → the lowest role allowed (domain/permissions.py)
    "issue": Role.ADMIN, "recharge": Role.MANAGER, "freeze": Role.ADMIN,
    "unfreeze": Role.ADMIN, "report_lost": Role.ADMIN, "replace": Role.ADMIN,
    "close": Role.ADMIN, "set_pin": Role.ADMIN, "reset_pin": Role.ADMIN,
    "set_validity": Role.ADMIN, "reverse_recharge": Role.ADMIN,
    "add_back_charge": Role.ADMIN, "grant_allowance": Role.ADMIN,
    "reset_allowance": Role.ADMIN,
}
RANK = [Role.CASHIER, Role.MANAGER, Role.ADMIN]


def _calls(office: Office, n: int) -> dict[str, Callable[[Session], object]]:
    """One valid call of every public method, on cards of its own."""
    s = office.service
    card = office.card(f"9{n}01", "meal", cash=5_000)
    lost = office.card(f"9{n}02")
    office.service.report_lost(office.admin, lost, "lost")
    frozen = office.card(f"9{n}03")
    office.service.freeze(office.admin, frozen, "x")
    recharge = s.recharge(office.admin, office.card(f"9{n}04"), 1_000).entry
    sale = Ledger(office.books.engine).sale(SaleRequest(
        uuid.uuid4(), 1, card, 100, datetime.now(UTC), 1)).entry
    assert recharge is not None and sale is not None
    return {
        "issue": lambda u: s.issue(u, IssueRequest(f"9{n}10", "New holder", "standard")),
        "recharge": lambda u: s.recharge(u, card, 100),
        "freeze": lambda u: s.freeze(u, card, "x"),
        "unfreeze": lambda u: s.unfreeze(u, frozen, "x"),
        "report_lost": lambda u: s.report_lost(u, office.card(f"9{n}11"), "x"),
        "replace": lambda u: s.replace(u, lost, f"9{n}12", "x"),
        "close": lambda u: s.close(u, office.card(f"9{n}13")),
        "set_pin": lambda u: s.set_pin(u, card, "2468"),
        "reset_pin": lambda u: s.reset_pin(u, card),
        "set_validity": lambda u: s.set_validity(u, date(2027, 1, 1), card_ids=[card]),
        "reverse_recharge": lambda u: s.reverse_recharge(u, recharge.id, "x",
                                                         confirmed=True),
        "add_back_charge": lambda u: s.add_back_charge(u, sale.id, "x", confirmed=True),
        "grant_allowance": lambda u: s.grant_allowance(u, "meal", f"2025-0{n}", 100),
        "reset_allowance": lambda u: s.reset_allowance(u, "meal", "2025-12"),
    }


def test_every_method_by_every_role_as_the_matrix_says(office: Office):
    public = {m for m in dir(CardOffice) if not m.startswith("_")}
    assert public == set(ALLOWED)  # a new method joins the matrix
    sessions = {Role.CASHIER: office.cashier, Role.MANAGER: office.manager,
                Role.ADMIN: office.admin}
    for n, role in enumerate(RANK, start=1):
        calls = _calls(office, n)
        for method, lowest in ALLOWED.items():
            before = office.audit_rows()
            if RANK.index(role) < RANK.index(lowest):
                with pytest.raises(PermissionDenied):
                    calls[method](sessions[role])
                assert office.audit_rows() == before, method  # nothing was done
            else:
                calls[method](sessions[role])  # allowed: it goes through, audited
                assert office.audit_rows() > before, method
    # the store refuses a user id whose role may not, whatever calls it
    from tillcard.store.ledger import NotPermitted

    with pytest.raises(NotPermitted):
        office.store.close(office.manager.user_id, uuid.uuid4(), office.card("9999"), "",
                           datetime.now(UTC))
