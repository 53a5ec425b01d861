"""The command-line contract: db upgrade, verify exit codes, configuration errors."""

import uuid
from pathlib import Path

from sqlalchemy import text

from tests.conftest import NOW, make_books
from tillcard.cli import main
from tillcard.store.engine import make_engine
from tillcard.store.migrate import head_revision


def test_upgrade_then_verify_clean_then_mismatch(tmp_path: Path, capsys):
    db = str(tmp_path / "t.db")
    assert main(["db", "upgrade", "--db", db]) == 0
    engine = make_engine(db)
    assert f"revision {head_revision(engine)}" in capsys.readouterr().out
    books = make_books(engine)
    card = books.card("4242", cash=1_000)
    from tillcard.store.ledger import SaleRequest
    books.ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 300, NOW))
    assert main(["verify", "--db", db]) == 0
    assert capsys.readouterr().out.startswith("OK: 2 entries")
    with engine.begin() as conn:
        conn.execute(text("UPDATE purses SET cash = 999999"))
    engine.dispose()
    assert main(["verify", "--db", db]) == 1
    out = capsys.readouterr().out
    assert "cash 999999 but journal says 700" in out and "MISMATCH" in out


def test_bad_config_is_a_message_not_a_traceback(tmp_path: Path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[devices]\nprinter = 5\n", encoding="utf-8")
    assert main(["--config", str(cfg), "verify"]) == 2
    err = capsys.readouterr().err
    assert "devices.printer: Input should be a valid string" in err


def test_unreachable_database_is_a_message(capsys):
    code = main(["verify", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert code == 1
    assert "cannot reach the database" in capsys.readouterr().err
