"""``tillcard cards import|export`` run for real, on SQLite and on a throwaway PostgreSQL.

Files as Excel writes them: UTF-8 with a BOM, GBK from a Chinese Excel, CRLF line ends.
An import is all or nothing: on any bad row the database is exactly as before (holders,
cards, journal, audit), and stderr names every bad row. An export opens in Excel and
reads back through the import's parser.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.commands import test_cards_cli
from tests.commands.test_cards_cli import OfficeCli
from tests.commands.test_users_cli import one_line
from tillcard.domain.card_import import parse_card_import
from tillcard.store.schema import AuditRow, CardRow, HolderRow, JournalRow, TillRow

# the card office's command-line fixtures: a seeded database on each engine, its logins
db = test_cards_cli.db
cli = test_cards_cli.cli
cheap_argon2 = test_cards_cli.cheap_argon2
admin_login = test_cards_cli.admin_login

HEADER = "card_number,uid,holder_name,member_no,phone,card_type,opening_balance"
ROWS = ["1001,04A1B2C3,王伟,M-001,13800000001,staff,100.00",
        "1002,,李娜,M-002,,bonus,50",
        "1003,04:A1:B2:C4,欧阳娜娜,,,bonus,",
        "1004,,Zhang Min,,,staff,0.01"]


def csv_bytes(lines: list[str], encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def state(cli: OfficeCli) -> tuple[int, ...]:
    """Holders, cards, journal entries, audit rows and tills: all an import could touch."""
    with cli.engine().connect() as conn:
        return tuple(int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                     for t in (HolderRow, CardRow, JournalRow, AuditRow, TillRow))


def names(cli: OfficeCli) -> dict[str, str]:
    with cli.engine().connect() as conn:
        return {r.number: r.name for r in conn.execute(
            select(CardRow.number, HolderRow.name).join(
                HolderRow, HolderRow.id == CardRow.holder_id).where(CardRow.number != "CASH"))}


def test_a_good_bom_utf8_file_is_imported_with_opening_recharges(cli: OfficeCli,
                                                                 tmp_path: Path) -> None:
    path = write(tmp_path, "cards.csv", csv_bytes([HEADER, *ROWS]))
    code, out, err = cli.as_root("cards", "import", path)
    assert (code, err) == (0, ""), err
    assert out == ("imported 4 card(s) from cards.csv: opening balances 150.01, bonus 5.00, "
                   "deposits 40.00, fees 10.00\n")
    assert names(cli) == {"1001": "王伟", "1002": "李娜", "1003": "欧阳娜娜",
                          "1004": "Zhang Min"}
    assert cli.card("1001")[2:] == (10_000, 0, 0, 2_000)  # cash, bonus, allowance, deposit
    assert cli.card("1002")[2:4] == (5_000, 500)  # the bonus type's rule applied
    with cli.engine().connect() as conn:
        kinds = sorted(conn.execute(select(JournalRow.kind, JournalRow.list_amount)).all())
    assert [tuple(k) for k in kinds] == [("deposit", 2_000), ("deposit", 2_000),
                                         ("recharge", 1), ("recharge", 5_000),
                                         ("recharge", 10_000)]
    code, out, _ = cli.as_root("cards", "show", "04A1B2C4", "--json")
    assert code == 0 and '"number": "1003"' in out


def test_a_gbk_file_from_a_chinese_excel(cli: OfficeCli, tmp_path: Path) -> None:
    path = write(tmp_path, "卡.csv", csv_bytes([HEADER, *ROWS[:3]], "gbk"))
    code, out, err = cli.as_root("cards", "import", path, "--dry-run")
    assert (code, err) == (0, "")
    assert "3 card(s) would be imported, opening balances 150.00 (gb18030)" in out
    code, _, err = cli.as_root("cards", "import", path)
    assert (code, err) == (0, "")
    assert names(cli) == {"1001": "王伟", "1002": "李娜", "1003": "欧阳娜娜"}


def test_bad_rows_are_each_named_and_nothing_is_imported(cli: OfficeCli,
                                                         tmp_path: Path) -> None:
    bad = [HEADER, ROWS[0],
           "1002,,,M-002,,bonus,50",  # row 3: no name
           "1003,XYZ,欧阳娜娜,,,gold,",  # row 4: bad UID, unknown type
           "6.22E+15,,Excel Ate It,,,staff,",  # row 5
           "1006,,王芳,,,staff,12.345",  # row 6
           ROWS[3]]
    path = write(tmp_path, "bad.csv", csv_bytes(bad))
    before = state(cli)
    code, out, err = cli.as_root("cards", "import", path)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "tillcard cards import: bad.csv: row 3, holder_name: empty: every card needs its "
        "holder's name",
        "tillcard cards import: bad.csv: row 4, uid: 'XYZ' is not a chip UID: 8 to 32 hex "
        "digits, in pairs",
        "tillcard cards import: bad.csv: row 4, card_type: no card type 'gold' (known: "
        "bonus, staff)",
        "tillcard cards import: bad.csv: row 5, card_number: '6.22E+15' was turned into a "
        "number by Excel: format the column as text and type it again",
        "tillcard cards import: bad.csv: row 6, opening_balance: at most 2 decimal places",
        "tillcard cards import: bad.csv: 5 problem(s) in 4 row(s): nothing imported",
    ]
    assert state(cli) == before


def test_duplicate_numbers_in_the_file_and_against_the_database(cli: OfficeCli,
                                                                tmp_path: Path) -> None:
    cli.issue("1002", "staff", uid="0A0B0C0D")
    lines = [HEADER, ROWS[0], ROWS[1], "1005,0a0b0c0d,Wu Lei,,,staff,",
             "1001,,Second 1001,,,staff,", ROWS[3]]
    path = write(tmp_path, "dups.csv", csv_bytes(lines))
    before = state(cli)
    code, _, err = cli.as_root("cards", "import", path)
    assert code == 2
    assert err.splitlines()[:-1] == [
        "tillcard cards import: dups.csv: row 3, card_number: 1002 is already a card in the "
        "database",
        "tillcard cards import: dups.csv: row 4, uid: 0A0B0C0D is already a card's chip in "
        "the database",
        "tillcard cards import: dups.csv: row 5, card_number: 1001 is on row 2 too",
    ]
    assert state(cli) == before
    code, _, err = cli.as_root("cards", "import", path, "--dry-run")  # the same, unchanged
    assert code == 2 and err.count("\n") == 4
    assert state(cli) == before


def test_a_dry_run_changes_nothing(cli: OfficeCli, tmp_path: Path) -> None:
    path = write(tmp_path, "cards.csv", csv_bytes([HEADER, *ROWS]))
    before = state(cli)  # no office till yet: a dry run does not even make one
    code, out, err = cli.as_root("cards", "import", path, "--dry-run")
    assert (code, err) == (0, "")
    assert out == ("cards.csv: 4 card(s) would be imported, opening balances 150.01 "
                   "(utf-8-sig); nothing changed (--dry-run)\n")
    assert state(cli) == before


def test_an_export_opens_in_excel_and_reads_back(cli: OfficeCli, tmp_path: Path) -> None:
    source = write(tmp_path, "in.csv", csv_bytes([HEADER, *ROWS]))
    assert cli.as_root("cards", "import", source)[0] == 0
    assert cli.as_root("cards", "lost", "1004", "--reason", "lost")[0] == 0
    out_path = tmp_path / "out.csv"
    code, out, err = cli.as_root("cards", "export", str(out_path))
    assert (code, out, err) == (0, f"exported 4 card(s) to {out_path}\n", "")
    data = out_path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    parsed = parse_card_import(data, card_types={"staff", "bonus"})
    assert parsed.ok, parsed.problems
    assert [(r.card_number, r.uid, r.holder_name, r.member_no, r.phone, r.card_type,
             r.opening_balance) for r in parsed.rows] == [
        ("1001", "04A1B2C3", "王伟", "M-001", "13800000001", "staff", 10_000),
        ("1002", None, "李娜", "M-002", "", "bonus", 5_000),
        ("1003", "04A1B2C4", "欧阳娜娜", "", "", "bonus", 0),
        ("1004", None, "Zhang Min", "", "", "staff", 1)]
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].endswith(",status,valid_until,deposit,cash,bonus,allowance")
    assert lines[2] == "1002,,李娜,M-002,,bonus,50.00,active,,0.00,50.00,5.00,0.00"
    assert lines[4].startswith("1004,,Zhang Min,,,staff,0.01,lost,")
    # the same database refuses it back: every number is taken
    code, _, err = cli.as_root("cards", "import", str(out_path), "--dry-run")
    assert code == 2 and "1001 is already a card in the database" in err


def test_the_card_office_only_and_a_missing_file(cli: OfficeCli, tmp_path: Path) -> None:
    path = write(tmp_path, "cards.csv", csv_bytes([HEADER, *ROWS]))
    cli.add_user("wang", "manager")
    before = state(cli)
    for argv in (["cards", "import", path], ["cards", "import", path, "--dry-run"],
                 ["cards", "export", str(tmp_path / "x.csv")]):
        code, out, err = cli.as_user("wang", "manager", *argv)
        assert (code, out) == (1, "")
        assert one_line(err).endswith("(manager) may not do this (card_office)")
    assert state(cli) == before and not (tmp_path / "x.csv").exists()
    code, _, err = cli.as_root("cards", "import", str(tmp_path / "nope.csv"))
    assert code == 2
    assert one_line(err) == ("tillcard cards import: "
                             f"{tmp_path / 'nope.csv'}: No such file or directory")
    code, _, err = cli.as_root("cards", "export", str(tmp_path / "no-dir" / "x.csv"))
    assert code == 2 and "No such file or directory" in one_line(err)


@pytest.mark.postgres
def test_an_admin_login_imports_in_one_transaction_of_the_centre_s_functions(
        pg_url: str, admin_login: Callable[[int | None], str],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    capsys.readouterr()
    owner = OfficeCli(pg_url, monkeypatch, capsys)
    desk = OfficeCli(admin_login(12), monkeypatch, capsys)
    try:
        owner.seed()
        owner.issue("1004", "bonus")  # the last row is taken: the batch must not start
        path = write(tmp_path, "cards.csv", csv_bytes([HEADER, *ROWS]))
        before = state(owner)
        code, _, err = desk.as_root("cards", "import", path)
        assert code == 2 and "row 5, card_number: 1004 is already" in err
        assert state(owner) == before
        code, out, err = desk.as_root("cards", "import", write(
            tmp_path, "ok.csv", csv_bytes([HEADER, *ROWS[:3]])))
        assert (code, err) == (0, ""), err
        with owner.engine().connect() as conn:
            tills = set(conn.execute(select(JournalRow.till_id)).scalars())
        assert tills == {12}
        owner.verified()
    finally:
        for c in (owner, desk):
            for engine in c.engines:
                engine.dispose()
