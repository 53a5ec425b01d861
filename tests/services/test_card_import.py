"""Importing cards all or nothing, and exporting them, on SQLite and at the real centre.

Each test runs through ``store.office`` on SQLite and through migration 0013's issue
function on PostgreSQL, called by a ``tillcard_admin`` login bound to the office's till.
The owner's engine reads what happened; ``verify`` must be clean afterwards.
"""

from __future__ import annotations

import codecs
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text, update

from tests.conftest import OFFICE, Books, make_books
from tillcard.domain.card_import import parse_card_import
from tillcard.domain.cards import CardType, RechargeRule
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.money import Currency
from tillcard.domain.office import IssueRequest, IssueResult, OfficeCode
from tillcard.domain.permissions import Role
from tillcard.services.auth import PermissionDenied, Session
from tillcard.services.card_import import (
    EXPORT_COLUMNS,
    CardExporter,
    CardImporter,
    ImportRefused,
)
from tillcard.store.office import BatchRefused, CardRegister, GenericOffice, OfficeStore
from tillcard.store.schema import AuditRow, CardRow, CardTypeRow, HolderRow, JournalRow
from tillcard.store.verify import verify

HEADER = "card_number,uid,holder_name,member_no,phone,card_type,opening_balance\n"
GOOD = HEADER + ("A001,04A1B2C3,王伟,M-1,138 0000 0001,meal,100.00\n"
                 "A002,,李娜,,,standard,\n"
                 "A003,04:a1:b2:c4,Zhang Min,M-3,,meal,0.50\n")


@dataclass
class Site:
    books: Books
    store: OfficeStore
    importer: CardImporter
    exporter: CardExporter
    admin: Session

    def counts(self) -> tuple[int, int, int, int]:
        """Holders, cards, journal entries, audit rows: what an import would add to."""
        with self.books.engine.connect() as conn:
            h, c, j, a = (int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                          for t in (HolderRow, CardRow, JournalRow, AuditRow))
        return h, c, j, a

    def card(self, number: str) -> Any:
        with self.books.engine.connect() as conn:
            return conn.execute(text(
                "SELECT c.id, c.uid, c.status, c.deposit_held, h.name, h.staff_no, h.phone, "
                "p.cash, p.bonus FROM cards c JOIN holders h ON h.id = c.holder_id "
                "JOIN purses p ON p.card_id = c.id WHERE c.number = :n"), {"n": number}).one()

    def entries(self, card_id: int) -> list[tuple[str, int, int, int]]:
        with self.books.engine.connect() as conn:
            return [(r.kind, r.cash_delta, r.bonus_delta, r.till_id) for r in conn.execute(
                select(JournalRow).where(JournalRow.card_id == card_id)
                .order_by(JournalRow.seq))]


def _admin_engine(url: str, owner: Engine) -> tuple[Engine, str]:
    """A back office's database login: role ``tillcard_admin``, bound to the office's till."""
    from sqlalchemy.engine import make_url

    from tillcard.store.engine import make_engine
    from tillcard.store.roles import create_roles

    create_roles(owner)
    login = f"cardimport_{uuid.uuid4().hex[:8]}"
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN"))
        conn.execute(text(f"GRANT tillcard_admin TO {login}"))
    from tillcard.store.reference import ReferenceStore

    ReferenceStore(owner).bind_login(OFFICE, login)
    return make_engine(make_url(url).set(username=login).render_as_string(
        hide_password=False)), login


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    login = None
    if request.param == "sqlite":
        engine = request.getfixturevalue("sqlite_engine")
        books = make_books(engine)
        store: OfficeStore = GenericOffice(engine, OFFICE)
        acting = engine
    else:
        from tests.pg import CentreClock
        from tillcard.store.pg_office import PgOffice

        engine = request.getfixturevalue("pg_engine")
        CentreClock.of(engine).set(None)  # the office's login is on the server's clock
        books = make_books(engine)
        acting, login = _admin_engine(request.getfixturevalue("pg_url"), engine)
        store = PgOffice(acting, OFFICE)
    admin_id = books.refs.add_user("office-admin", "Zhao Lei", "admin", "not-a-hash")
    books.types["meal"] = books.refs.add_card_type(CardType(
        "meal", "Staff meal", recharge=RechargeRule(bonus_bp=1_000, bonus_expiry_days=30)))
    with engine.begin() as conn:
        conn.execute(update(CardTypeRow).where(CardTypeRow.code == "meal").values(
            deposit=2_000, card_fee=500))
    register = CardRegister(acting)
    yield Site(books, store, CardImporter(store, register, Currency()),
               CardExporter(register, Currency()),
               Session(admin_id, "office-admin", "Zhao Lei", Role.ADMIN))
    if acting is not engine:
        acting.dispose()
        with engine.begin() as conn:
            conn.execute(text(f"DROP ROLE {login}"))
    rep = verify(engine)
    assert rep.ok, rep.problems[:5]


def test_a_good_file_issues_every_card_with_real_recharges(site: Site) -> None:
    report = site.importer.run(site.admin, GOOD.encode())
    assert (report.cards, report.opening_total, report.bonus_total) == (3, 10_050, 1_005)
    assert (report.deposits, report.fees, report.dry_run) == (4_000, 1_000, False)
    a1 = site.card("A001")
    assert (a1.uid, a1.status, a1.deposit_held, a1.name, a1.staff_no, a1.phone) == (
        "04A1B2C3", "active", 2_000, "王伟", "M-1", "138 0000 0001")
    assert (a1.cash, a1.bonus) == (10_000, 1_000)
    assert site.entries(a1.id) == [("deposit", 0, 0, OFFICE), ("recharge", 10_000, 1_000,
                                                                OFFICE)]
    a2 = site.card("A002")
    assert (a2.uid, a2.cash, a2.deposit_held) == (None, 0, 0)
    assert site.entries(a2.id) == []  # no deposit, no opening balance: nothing to journal
    assert site.card("A003").uid == "04A1B2C4"
    with site.books.engine.connect() as conn:
        issued = conn.execute(select(AuditRow.subject, AuditRow.user_id).where(
            AuditRow.action == "card_issued").order_by(AuditRow.subject)).all()
    assert [tuple(r) for r in issued] == [(f"card A00{i}", site.admin.user_id)
                                          for i in (1, 2, 3)]


def test_a_file_with_bad_rows_imports_nothing_and_names_each(site: Site) -> None:
    site.books.card("B900")  # taken in the database; its UID is UIDB900
    data = HEADER + ("B001,,Good Row,,,standard,1\n"
                     "B002,,,,,standard,1\n"  # no name
                     "B003,,Someone,,,gold,1\n"  # no such type
                     "B900,,Taken,,,standard,\n"  # number in the database
                     "B004,zz,Someone,,,standard,1.234\n"  # bad UID and amount
                     "B005,,Someone,,,standard,2000000\n"  # above the site's largest
                     "B001,,Twice,,,standard,\n")  # number twice in the file
    before = site.counts()
    with pytest.raises(ImportRefused) as err:
        site.importer.run(site.admin, data.encode())
    assert [(p.row, p.column) for p in err.value.problems] == [
        (3, "holder_name"), (4, "card_type"), (5, "card_number"), (6, "uid"),
        (6, "opening_balance"), (7, "opening_balance"), (8, "card_number")]
    reasons = [str(p) for p in err.value.problems]
    assert reasons[1] == ("row 4, card_type: no card type 'gold' (known: bonus, meal, "
                          "staff, standard)")
    assert "row 5, card_number: B900 is already a card in the database" in reasons
    assert "row 8, card_number: B001 is on row 2 too" in reasons
    assert "over the maximum" in reasons[5]
    assert site.counts() == before


def test_a_uid_already_in_the_database_is_named(site: Site) -> None:
    site.books.card("C900")  # its UID is UIDC900: not hex, so use a hex one
    with site.books.engine.begin() as conn:
        conn.execute(update(CardRow).where(CardRow.number == "C900").values(uid="0A0B0C0D"))
    with pytest.raises(ImportRefused) as err:
        site.importer.run(site.admin, (HEADER + "C001,0a0b0c0d,Someone,,,standard,\n"
                                       ).encode())
    assert [str(p) for p in err.value.problems] == [
        "row 2, uid: 0A0B0C0D is already a card's chip in the database"]


def test_a_dry_run_checks_against_the_database_and_changes_nothing(site: Site) -> None:
    before = site.counts()
    report = site.importer.run(site.admin, GOOD.encode(), dry_run=True)
    assert (report.cards, report.opening_total, report.dry_run) == (3, 10_050, True)
    assert site.counts() == before
    site.books.card("A002")
    with pytest.raises(ImportRefused, match="1 problem"):
        site.importer.run(site.admin, GOOD.encode(), dry_run=True)


class _Race:
    """A store that lets another office issue a card just before the batch runs."""

    def __init__(self, store: OfficeStore, admin: Session, number: str, uid: str | None
                 ) -> None:
        self._store = store
        self._admin = admin
        self._req = IssueRequest(number, "Faster Clerk", "standard", uid=uid)

    def issue_many(self, user_id: int, batch: Sequence[tuple[uuid.UUID, IssueRequest]],
                   at: datetime) -> list[IssueResult]:
        self._store.issue(self._admin.user_id, uuid.uuid4(), self._req, at)
        return self._store.issue_many(user_id, batch, at)


@pytest.mark.parametrize(("number", "uid", "row", "column"), [
    ("A003", None, 4, "card_number"), ("X1", "04A1B2C3", 2, "uid")])
def test_a_card_issued_meanwhile_undoes_the_whole_batch(
        site: Site, number: str, uid: str | None, row: int, column: str) -> None:
    race: Any = _Race(site.store, site.admin, number, uid)
    importer = CardImporter(race, CardRegister(site.books.engine))
    before = site.counts()
    with pytest.raises(ImportRefused) as err:
        importer.run(site.admin, GOOD.encode())
    [problem] = err.value.problems
    assert (problem.row, problem.column) == (row, column)
    assert "already in use" in problem.reason
    holders, cards, entries, audits = site.counts()
    assert (holders, cards, audits) == (before[0] + 1, before[1] + 1, before[3] + 1)
    assert entries == before[2]  # the racing card had no money; the batch left nothing


def test_the_store_names_the_refused_item_of_a_batch(site: Site) -> None:
    at = datetime.now(UTC)
    batch = [(uuid.uuid4(), IssueRequest(f"D{i}", "Someone", "standard")) for i in range(5)]
    batch[3] = (uuid.uuid4(), IssueRequest("D3", "Someone", "no-such-type"))
    before = site.counts()
    with pytest.raises(BatchRefused) as err:
        site.store.issue_many(site.admin.user_id, batch, at)
    assert err.value.index == 3
    assert getattr(err.value.error, "code", None) is OfficeCode.UNKNOWN_TYPE
    assert site.counts() == before
    assert site.store.issue_many(site.admin.user_id, [], at) == []


@pytest.mark.parametrize("role", [Role.CASHIER, Role.MANAGER])
def test_only_the_card_office_imports_and_exports(site: Site, role: Role,
                                                  tmp_path: Path) -> None:
    session = Session(site.admin.user_id, "someone", "Someone", role)
    before = site.counts()
    for act in (lambda: site.importer.check(session, GOOD.encode()),
                lambda: site.importer.run(session, GOOD.encode()),
                lambda: site.exporter.export(session, tmp_path / "out.csv")):
        with pytest.raises(PermissionDenied, match="card_office"):
            act()
    assert site.counts() == before
    assert not (tmp_path / "out.csv").exists()


def test_an_export_reads_back_as_an_import(site: Site, tmp_path: Path) -> None:
    site.importer.run(site.admin, GOOD.encode())
    owing = site.books.card("E900")
    with site.books.engine.begin() as conn:  # the fixture's UIDs are not a chip's
        conn.execute(update(CardRow).where(CardRow.id == owing).values(uid=None))
    entry = Entry(uuid.uuid4(), 1, 0, EntryKind.SALE, owing, -300, list_amount=300,
                  created_at=datetime.now(UTC))  # a back-filled sale left it owing
    with site.books.engine.begin() as conn:
        site.books.ledger._append(conn, entry, None)
    path = tmp_path / "cards.csv"
    assert site.exporter.export(site.admin, path) == 4
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert not (tmp_path / "cards.csv.part").exists()
    parsed = parse_card_import(data, card_types={"meal", "standard"})
    assert parsed.ok, parsed.problems
    assert parsed.encoding == "utf-8-sig"
    by_number = {r.card_number: r for r in parsed.rows}
    a1 = by_number["A001"]
    assert (a1.uid, a1.holder_name, a1.member_no, a1.phone, a1.card_type,
            a1.opening_balance) == ("04A1B2C3", "王伟", "M-1", "138 0000 0001", "meal",
                                    10_000)
    assert by_number["E900"].opening_balance == 0  # owes: nothing to carry over
    text_lines = data.decode("utf-8-sig").splitlines()
    assert text_lines[0] == ",".join(EXPORT_COLUMNS)
    assert "A001,04A1B2C3,王伟,M-1,138 0000 0001,meal,100.00,active,,20.00,100.00,10.00,0.00" in (
        text_lines)
    assert any(line.startswith("E900,") and ",-3.00," in line for line in text_lines)
