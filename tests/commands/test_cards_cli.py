"""``tillcard cards …``, ``recharge`` and ``allowance`` run for real, on SQLite and PostgreSQL.

Each command acts as a signed-in user through the card office's services; the test reads
the database as its owner afterwards. On PostgreSQL the commands go through migration
0013's functions: as the owner in most tests, and as a real ``tillcard_admin`` login bound
to its till in the last ones (what a site's back office holds). ``verify`` must be clean
on every database a test used.
"""

from __future__ import annotations

import io
import json
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text, update

from tests.commands.test_users_cli import ROOT_PASSWORD, SECRET_VARS, Cli, one_line
from tillcard.cli import main
from tillcard.commands.cards_cmd import OFFICE_TILL
from tillcard.commands.credentials import NO_CREDENTIALS
from tillcard.domain.cards import CardType, RechargeRule
from tillcard.domain.office import IssueRequest
from tillcard.domain.permissions import Role
from tillcard.services.auth import SecretHasher, Session
from tillcard.services.card_office import CardOffice
from tillcard.store.audit import AuditLog
from tillcard.store.office import office_store
from tillcard.store.schema import CardRow, CardTypeRow, JournalRow
from tillcard.store.verify import verify

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
       ) -> str:
    """A database made by ``tillcard db upgrade``: a SQLite file or a throwaway PostgreSQL."""
    url = (str(tmp_path / "office.db") if request.param == "sqlite"
           else request.getfixturevalue("pg_url"))
    assert main(["db", "upgrade", "--db", url]) == 0
    capsys.readouterr()
    return str(url)


class OfficeCli(Cli):
    """``Cli`` with a card office seeded: the first admin, card types, users by role."""

    def seed(self) -> None:
        self.first_admin()
        refs = self.refs()
        refs.add_card_type(CardType("staff", "Staff", daily_amount_limit=8_000,
                                    allowance_reset="period"))
        refs.add_card_type(CardType("bonus", "Bonus", recharge=RechargeRule(
            bonus_bp=1_000, bonus_expiry_days=30)))
        with self.engine().begin() as conn:
            conn.execute(update(CardTypeRow).where(CardTypeRow.code == "staff").values(
                deposit=2_000, card_fee=500))

    def admin(self) -> Session:
        user = self.refs().user_by_login("root")
        assert user is not None
        return Session(user.id, "root", user.name, Role.ADMIN)

    def office(self, till: int = OFFICE_TILL) -> CardOffice:
        self.refs().ensure_till(till, "Card office")
        return CardOffice(office_store(self.engine(), till), SecretHasher(CHEAP))

    def issue(self, number: str, card_type: str = "staff", opening: int = 0,
              uid: str | None = None) -> int:
        return self.office().issue(self.admin(), IssueRequest(
            number, f"Holder {number}", card_type, uid=uid, opening_recharge=opening)).card_id

    def add_user(self, login: str, role: str) -> None:
        code, _, err = self.as_root("users", "add", login, "--name", login.title(), "--role",
                                    role, TILLCARD_NEW_PASSWORD=f"{role} pass 1")
        assert code == 0, err

    def as_user(self, login: str, role: str, *argv: str) -> tuple[int, str, str]:
        return self.run(*argv, TILLCARD_USER=login, TILLCARD_PASSWORD=f"{role} pass 1")

    def card(self, number: str) -> tuple[str, str, int, int, int, int]:
        """Status, reason, cash, bonus, allowance, deposit of a card, as the owner sees it."""
        with self.engine().connect() as conn:
            r = conn.execute(text(
                "SELECT c.status, c.status_reason, p.cash, p.bonus, p.allowance, "
                "c.deposit_held FROM cards c JOIN purses p ON p.card_id = c.id "
                "WHERE c.number = :n"), {"n": number}).one()
        return r[0], r[1], r[2], r[3], r[4], r[5]

    def entries(self) -> int:
        with self.engine().connect() as conn:
            return int(conn.execute(select(func.count()).select_from(JournalRow))
                       .scalar_one())

    def verified(self) -> None:
        rep = verify(self.engine())
        assert rep.ok, rep.problems[:5]


@pytest.fixture
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands' hasher on the cheap profile: many sign-ins per test stay fast."""
    monkeypatch.setattr("tillcard.commands.credentials.SecretHasher",
                        lambda: SecretHasher(CHEAP))


@pytest.fixture
def cli(db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path, cheap_argon2: None) -> Iterator[OfficeCli]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))  # no user config
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    c = OfficeCli(db, monkeypatch, capsys)
    c.seed()
    yield c
    c.verified()
    for engine in c.engines:
        engine.dispose()


def test_show_says_status_every_purse_each_grant_limits_and_deposit(cli: OfficeCli) -> None:
    cli.issue("1001", "bonus", opening=10_000, uid="04a1b2c3")
    cli.issue("1002", "staff")
    assert cli.as_root("allowance", "grant", "--card-type", "staff", "--amount", "300",
                       "--period", "2020-01")[0] == 0
    assert cli.as_root("cards", "freeze", "1002", "--reason", "在调查")[0] == 0

    code, out, err = cli.as_root("cards", "show", "04A1B2C3", "--json")  # by UID too
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc["number"], doc["uid"], doc["status"], doc["card_type"]) == (
        "1001", "04A1B2C3", "active", "Bonus")
    assert doc["purses"]["cash"] == 10_000 and doc["purses"]["bonus"] == 1_000
    [grant] = doc["purses"]["bonus_grants"]
    assert grant["remaining"] == 1_000 and date.fromisoformat(grant["expires_on"])
    assert doc["balance"] == 11_000 and isinstance(doc["balance"], int)

    code, out, _ = cli.as_root("cards", "show", "1002", "--json")
    doc = json.loads(out)
    assert (doc["status"], doc["status_reason"]) == ("frozen", "在调查")
    assert (doc["purses"]["allowance"], doc["deposit_held"]) == (30_000, 2_000)
    assert doc["limits"]["daily_amount"] == 8_000 and doc["limits"]["per_sale"] is None

    code, out, err = cli.as_root("cards", "show", "1002")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "status     frozen — 在调查" in lines
    assert "purses     cash 0.00  allowance 300.00  bonus 0.00" in lines
    assert "deposit    20.00" in lines
    assert any(line.startswith("limits") and "daily 80.00" in line for line in lines)


def test_a_card_from_freeze_to_close(cli: OfficeCli) -> None:
    cli.issue("2001", "bonus", opening=5_000)
    code, out, err = cli.as_root("cards", "freeze", "2001", "--reason", "dispute")
    assert (code, out, err) == (0, "card 2001 frozen (was active): dispute\n", "")
    code, out, _ = cli.as_root("recharge", "2001", "20.5")  # a frozen card takes money
    assert code == 0
    assert out.startswith("recharged 20.50 onto card 2001; bonus 2.05 until ")
    assert cli.card("2001")[:4] == ("frozen", "dispute", 7_050, 705)
    assert cli.as_root("cards", "unfreeze", "2001", "--reason", "settled")[0] == 0
    assert cli.as_root("cards", "lost", "2001", "--reason", "left on the bus")[0] == 0
    assert cli.card("2001")[:2] == ("lost", "left on the bus")

    code, out, err = cli.as_root("cards", "replace", "2001", "2002", "--uid", "0a0b0c0d")
    assert (code, err) == (0, "")
    assert out.startswith("card 2001 replaced by 2002: cash 70.50, allowance 0.00, bonus "
                          "7.05 in 2 grant(s) (")
    assert cli.card("2002")[:5] == ("active", "", 7_050, 705, 0)
    assert cli.card("2001")[2:5] == (0, 0, 0)
    code, _, err = cli.as_root("cards", "unfreeze", "2001", "--reason", "found it")
    assert code == 1
    assert one_line(err) == ("tillcard cards unfreeze: this card was replaced: it stays "
                             "blocked")

    code, out, err = cli.as_root("cards", "close", "0A0B0C0D", "--reason", "leaving")
    assert (code, err) == (0, "")
    assert out == ("card 2002 closed: pay out 70.50 (cash 70.50 + deposit 0.00); "
                   "forfeited: bonus 7.05, allowance 0.00\n")
    assert cli.card("2002")[:5] == ("closed", "leaving", 0, 0, 0)
    actions = [e.action for e in AuditLog(cli.engine()).events("card 2001")]
    assert actions.count("card_recharged") == 1  # the issue's opening one is card_issued
    assert {"card_freeze", "card_unfreeze", "card_lost", "card_replaced"} <= set(actions)


def test_close_pays_out_the_deposit_and_says_what_is_forfeited(cli: OfficeCli) -> None:
    cli.issue("3001", "staff", opening=1_000)
    assert cli.as_root("allowance", "grant", "--card-type", "staff", "--amount", "12.34",
                       "--period", "2020-02")[0] == 0
    code, out, _ = cli.as_root("cards", "close", "3001")
    assert code == 0
    assert out == ("card 3001 closed: pay out 30.00 (cash 10.00 + deposit 20.00); "
                   "forfeited: bonus 0.00, allowance 12.34\n")


def test_allowance_grant_once_per_period_and_reset_after_it(cli: OfficeCli) -> None:
    for n in ("4001", "4002"):
        cli.issue(n, "staff")
    argv = ("allowance", "grant", "--card-type", "staff", "--amount", "300.00", "--period",
            "2020-03")
    code, out, err = cli.as_root(*argv)
    assert (code, err) == (0, "")
    assert out == ("allowance granted to staff for 2020-03: 2 card(s), 300.00 each, "
                   "600.00 in all\n")
    entries = cli.entries()
    code, out, _ = cli.as_root(*argv)
    assert code == 0 and out.endswith("— done before; nothing applied now\n")
    assert cli.entries() == entries
    assert cli.card("4001")[4] == 30_000

    code, out, err = cli.as_root("allowance", "reset", "--card-type", "staff", "--period",
                                 "2020-03")
    assert (code, err) == (0, "")
    assert out == ("allowance reset for staff for 2020-03: 2 card(s), 600.00 left the "
                   "purses\n")
    assert cli.card("4001")[4] == 0 and cli.card("4002")[4] == 0


@pytest.mark.parametrize(("argv", "code", "message"), [
    (["cards", "freeze", "9999", "--reason", "x"], 1, "tillcard cards freeze: no card 9999"),
    (["cards", "freeze", "CASH", "--reason", "x"], 1, "no card CASH"),
    (["cards", "lost", "5001", "--reason", "   "], 2,
     "tillcard cards lost: a reason is required"),
    (["cards", "unfreeze", "5001", "--reason", "why not"], 1,
     "tillcard cards unfreeze: cannot unfreeze a card that is active"),
    (["cards", "replace", "5001", "5009"], 1,
     "tillcard cards replace: report the card lost before replacing it (it is active)"),
    (["cards", "show", "5009"], 1, "tillcard cards show: no card 5009"),
    (["recharge", "5001", "1.234"], 2, "tillcard recharge: argument AMOUNT: at most 2 "
                                       "decimal places"),
    (["recharge", "5001", "-5"], 2, "amount cannot be negative"),
    (["recharge", "5001", "1e3"], 2, "'1e3' is not a number"),
    (["recharge", "5001", "0"], 2, "a recharge must be 1.."),
    (["recharge", "5001", "2000000"], 2, "tillcard recharge: argument AMOUNT: amount is "
                                         "over the maximum 1000000.00"),
    (["allowance", "grant", "--card-type", "staff", "--amount", "1000000.01", "--period",
      "2020-01"], 2, "argument --amount: amount is over the maximum 1000000.00"),
    (["allowance", "grant", "--card-type", "nope", "--amount", "1", "--period", "2020-01"],
     1, "tillcard allowance grant: no card type nope"),
    (["allowance", "grant", "--card-type", "staff", "--amount", "1", "--period", "2020-13"],
     2, "tillcard allowance grant: argument --period: a period is YYYY-MM"),
    (["allowance", "grant", "--card-type", "staff", "--amount", "x", "--period", "2020-01"],
     2, "argument --amount: 'x' is not a number"),
    (["allowance", "reset", "--card-type", "bonus", "--period", "2020-01"], 1,
     "the allowance of bonus never resets"),
    (["allowance", "reset", "--card-type", "staff", "--period", "2999-01"], 1,
     "2999-01 ends on 2999-01-31: reset it after that day"),
])
def test_refusals_are_one_line(cli: OfficeCli, argv: list[str], code: int, message: str
                               ) -> None:
    cli.issue("5001", "staff", opening=1_000)
    before = (cli.card("5001"), cli.entries())
    got, out, err = cli.as_root(*argv)
    assert (got, out) == (code, "")
    assert message in one_line(err)
    assert (cli.card("5001"), cli.entries()) == before


def test_replacing_onto_a_card_in_use_and_a_changed_batch_are_refused(cli: OfficeCli
                                                                      ) -> None:
    cli.issue("6001", "staff")
    cli.issue("6002", "staff", uid="0A0B0C0D")
    assert cli.as_root("cards", "lost", "6001", "--reason", "lost")[0] == 0
    for argv, message in ((["6001", "6002"], "card number 6002 is already in use"),
                          (["6001", "6003", "--uid", "0a0b0c0d"], "already in use")):
        code, _, err = cli.as_root("cards", "replace", *argv)
        assert code == 1 and message in one_line(err)
    assert cli.card("6001")[0] == "lost"
    assert cli.as_root("allowance", "grant", "--card-type", "staff", "--amount", "10",
                       "--period", "2020-04")[0] == 0
    code, _, err = cli.as_root("allowance", "grant", "--card-type", "staff", "--amount",
                               "20", "--period", "2020-04")
    assert code == 1
    assert "the batch of staff for 2020-04 was 1000 per card" in one_line(err)


def test_a_manager_recharges_and_looks_but_a_cashier_does_neither(cli: OfficeCli) -> None:
    cli.issue("7001", "staff")
    cli.add_user("wang", "manager")
    cli.add_user("li", "cashier")
    code, out, _ = cli.as_user("wang", "manager", "recharge", "7001", "10")
    assert code == 0 and out.startswith("recharged 10.00 onto card 7001")
    assert cli.as_user("wang", "manager", "cards", "show", "7001")[0] == 0
    refused = [
        ("wang", "manager", ["cards", "freeze", "7001", "--reason", "x"], "card_office"),
        ("wang", "manager", ["cards", "close", "7001"], "card_office"),
        ("wang", "manager", ["allowance", "grant", "--card-type", "staff", "--amount", "1",
                             "--period", "2020-05"], "allowance"),
        ("li", "cashier", ["recharge", "7001", "10"], "recharge"),
        ("li", "cashier", ["cards", "show", "7001"], "back_office"),
    ]
    for login, role, argv, permission in refused:
        code, out, err = cli.as_user(login, role, *argv)
        assert (code, out) == (1, "")
        assert one_line(err).endswith(f"({role}) may not do this ({permission})")
    assert cli.card("7001")[:3] == ("active", "", 1_000)


def test_without_credentials_nothing_happens(cli: OfficeCli) -> None:
    cli.issue("8001", "staff")
    for argv in (["cards", "freeze", "8001", "--reason", "x"], ["recharge", "8001", "5"],
                 ["cards", "show", "8001"], ["allowance", "grant", "--card-type", "staff",
                                             "--amount", "1", "--period", "2020-06"]):
        code, out, err = cli.run(*argv, TILLCARD_USER="root")
        assert (code, out) == (1, "")
        assert one_line(err).endswith(NO_CREDENTIALS)
    assert cli.card("8001")[:3] == ("active", "", 0)


# -- a real back office's login at the centre -----------------------------------------


@pytest.fixture
def admin_login(pg_url: str, cheap_argon2: None) -> Iterator[Callable[[int | None], str]]:
    """URLs of new ``tillcard_admin`` logins, bound to a till or not; dropped afterwards."""
    from sqlalchemy.engine import make_url

    from tillcard.store.engine import make_engine
    from tillcard.store.reference import ReferenceStore
    from tillcard.store.roles import create_roles

    assert main(["db", "upgrade", "--db", pg_url]) == 0
    owner = make_engine(pg_url)
    create_roles(owner)
    made: list[str] = []

    def login(till: int | None) -> str:
        name = f"cardcli_{uuid.uuid4().hex[:8]}"
        with owner.begin() as conn:
            conn.execute(text(f"CREATE ROLE {name} LOGIN"))
            conn.execute(text(f"GRANT tillcard_admin TO {name}"))
        made.append(name)
        if till is not None:
            ReferenceStore(owner).ensure_till(till, f"Office desk {till}")
            ReferenceStore(owner).bind_login(till, name)
        return make_url(pg_url).set(username=name).render_as_string(hide_password=False)

    yield login
    with owner.begin() as conn:
        for name in made:
            conn.execute(text(f"DROP ROLE {name}"))
    owner.dispose()


@pytest.mark.postgres
def test_an_admin_login_bound_to_its_desk_writes_that_desk_s_chain(
        pg_url: str, admin_login: Callable[[int | None], str],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    capsys.readouterr()  # what db upgrade said
    owner = OfficeCli(pg_url, monkeypatch, capsys)
    try:
        owner.seed()
        owner.issue("9001", "bonus")
        desk = OfficeCli(admin_login(7), monkeypatch, capsys)
        code, out, err = desk.as_root("recharge", "9001", "100")
        assert (code, err) == (0, ""), err
        assert out.startswith("recharged 100.00 onto card 9001; bonus 10.00")
        for argv in (["cards", "freeze", "9001", "--reason", "check"],
                     ["cards", "show", "9001", "--json"],
                     ["allowance", "grant", "--card-type", "staff", "--amount", "5",
                      "--period", "2020-07"]):
            code, _, err = desk.as_root(*argv)
            assert (code, err) == (0, ""), err
        with owner.engine().connect() as conn:
            tills = conn.execute(select(JournalRow.till_id, JournalRow.kind).join(
                CardRow, CardRow.id == JournalRow.card_id).where(CardRow.number == "9001")
                .order_by(JournalRow.recorded_at)).all()
        assert [tuple(t) for t in tills] == [(7, "recharge")]
        assert owner.card("9001")[:3] == ("frozen", "check", 10_000)
        owner.verified()
        for engine in desk.engines:
            engine.dispose()
    finally:
        for engine in owner.engines:
            engine.dispose()


@pytest.mark.postgres
def test_an_admin_login_bound_to_no_till_is_refused_in_one_line(
        pg_url: str, admin_login: Callable[[int | None], str],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    capsys.readouterr()  # what db upgrade said
    owner = OfficeCli(pg_url, monkeypatch, capsys)
    try:
        owner.seed()
        owner.issue("9101", "staff")
        loose = OfficeCli(admin_login(None), monkeypatch, capsys)
        code, out, err = loose.as_root("recharge", "9101", "5")
        assert (code, out) == (1, "")
        assert "may not write the chain of till 99" in one_line(err)
        assert owner.card("9101")[2] == 0
    finally:
        for engine in owner.engines:
            engine.dispose()


def test_the_terminal_is_asked_who_acts(cli: OfficeCli, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    cli.issue("9201", "staff")

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("getpass.getpass", lambda _prompt: ROOT_PASSWORD)
    with monkeypatch.context() as m:
        for var in SECRET_VARS:
            m.delenv(var, raising=False)
        m.setattr(sys, "stdin", Tty("root\n"))
        code = main(["recharge", "9201", "3", "--db", cli.db])
    out, err = cli.capsys.readouterr()
    assert (code, err) == (0, "User: ")
    assert out.startswith("recharged 3.00 onto card 9201")
