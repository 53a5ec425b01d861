"""``tillcard card-types list|add`` for real, on SQLite and PostgreSQL: admin only, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.commands import test_users_cli
from tests.commands.test_users_cli import Cli, one_line
from tillcard.cli import main

# the same throwaway databases (SQLite file, PostgreSQL) and runner as the users' tests
db = test_users_cli.db
cli = test_users_cli.cli

UNREACHABLE = "postgresql://nobody@127.0.0.1:9/none"  # refused before any connection


def test_admin_adds_a_type_and_lists_it(cli: Cli) -> None:
    cli.first_admin()

    code, out, err = cli.as_root("card-types", "add", "staff", "--name", "Staff 员工",
                                 "--discount", "12.5", "--per-sale-limit", "12.50",
                                 "--daily-limit", "80")
    assert (code, err) == (0, "")
    assert out == ("added card type code=staff name=Staff 员工 discount=12.50% "
                   "per_sale_limit=12.50 daily_limit=80.00\n")

    code, out, err = cli.as_root("card-types", "list")
    assert (code, err) == (0, "")
    assert ("code=staff name=Staff 员工 discount=12.50% per_sale_limit=12.50 "
            "daily_limit=80.00") in out.splitlines()
    code, out, _ = cli.as_root("card-types", "list", "--json")
    staff = next(t for t in json.loads(out) if t["code"] == "staff")
    assert staff == {"code": "staff", "name": "Staff 员工", "discount_bp": 1_250,
                     "per_txn_limit": 1_250, "daily_amount_limit": 8_000,
                     "daily_count_limit": None}
    [event] = cli.audit().events("card_type:staff")
    assert event.action == "card_type_add"
    assert event.user_id == cli.refs().user_by_login("root").id  # type: ignore[union-attr]
    assert "per_sale_limit=12.50" in event.after


def test_a_type_without_limits_and_a_duplicate(cli: Cli) -> None:
    cli.first_admin()
    code, out, _ = cli.as_root("card-types", "add", "guest", "--name", "Guest")
    assert code == 0
    assert out.endswith("discount=0.00% per_sale_limit=none daily_limit=none\n")
    code, out, err = cli.as_root("card-types", "add", "guest", "--name", "Guest again")
    assert (code, out) == (1, "")
    assert one_line(err) == "tillcard card-types add: a card type 'guest' exists already"
    assert [t.name for t in cli.refs().card_types() if t.code == "guest"] == ["Guest"]


def test_a_cashier_and_a_manager_may_not(cli: Cli) -> None:
    cli.first_admin()
    for login, role in (("li.na", "cashier"), ("wang", "manager")):
        assert cli.as_root("users", "add", login, "--name", login, "--role", role,
                           TILLCARD_NEW_PASSWORD="long password")[0] == 0
        for argv in (["card-types", "add", "vip", "--name", "VIP"], ["card-types", "list"]):
            code, out, err = cli.run(*argv, TILLCARD_USER=login,
                                     TILLCARD_PASSWORD="long password")
            assert (code, out) == (1, "")
            assert f"{login} ({role}) may not do this (card_types)" in one_line(err)
    assert "vip" not in [t.code for t in cli.refs().card_types()]
    assert cli.audit().events("card_type:vip") == []


@pytest.mark.parametrize(("args", "message"), [
    (["--per-sale-limit", "12.345"], "argument --per-sale-limit: at most 2 decimal places"),
    (["--per-sale-limit", "twelve"], "argument --per-sale-limit: 'twelve' is not a number"),
    (["--per-sale-limit", "1e3"], "argument --per-sale-limit: '1e3' is not a number"),
    (["--per-sale-limit", "0"], "argument --per-sale-limit: must be above 0"),
    (["--daily-limit", "-5"], "argument --daily-limit: amount cannot be negative"),
    (["--daily-limit", ""], "argument --daily-limit: enter an amount"),
    (["--daily-limit", "1.2.3"], "argument --daily-limit: '1.2.3' has more than one"),
    (["--daily-limit", "99999999"], "argument --daily-limit: amount is over the maximum"),
    (["--discount", "101"], "argument --discount: a discount is 0 to 100 percent"),
    (["--discount", "-1"], "argument --discount: a discount is 0 to 100 percent"),
    (["--discount", "12.345"], "argument --discount: a discount has at most 2 decimals"),
    (["--discount", "ten"], "argument --discount: not a percentage: 'ten'"),
    (["--discount", "nan"], "argument --discount: a discount is 0 to 100 percent"),
])
def test_bad_amounts_are_one_line_exit_2_before_any_database(
        args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    code = main(["card-types", "add", "vip", "--name", "VIP", *args, "--db", UNREACHABLE])
    captured = capsys.readouterr()
    assert code == 2
    line = one_line(captured.err)
    assert line.startswith("tillcard card-types add")
    assert message in line
    assert captured.out == ""


def test_a_bad_code_is_input_to_fix(cli: Cli) -> None:
    cli.first_admin()
    code, _, err = cli.as_root("card-types", "add", "has space", "--name", "X")
    assert code == 2
    assert "a card type's code is letters, digits, _ and -" in one_line(err)


def test_the_percent_sign_is_allowed(cli: Cli) -> None:
    cli.first_admin()
    assert cli.as_root("card-types", "add", "half", "--name", "Half", "--discount", "50%"
                       )[0] == 0
    assert [t.discount_bp for t in cli.refs().card_types() if t.code == "half"] == [5_000]
