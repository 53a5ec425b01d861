"""``tillcard report``: as a manager, on the terminal, as files, from a replica, daily PDFs.

A generated site (``demo-data``, SQLite: the command's own path, not the figures, is
under test here; tests/services/test_reports.py checks every figure on both engines).
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from tillcard.cli import main
from tillcard.commands.demo_data import DEMO_PASSWORD, run_demo_data
from tillcard.domain.reports import Report, ReportKind
from tillcard.services.auth import SecretHasher
from tillcard.services.reports import ReportService
from tillcard.store.engine import make_engine

UNTIL = date(2026, 11, 30)
FIRST = UNTIL - timedelta(days=2)


def _site(path: Path, seed: int) -> tuple[str, str, str]:
    """A demo site; its manager's and a cashier's logins."""
    run_demo_data(str(path), 1500, 3, seed, 2, UNTIL)
    engine = make_engine(str(path))
    with engine.connect() as conn:
        manager = conn.execute(text("SELECT login FROM users WHERE role = 'manager' "
                                    "ORDER BY id LIMIT 1")).scalar_one()
        cashier = conn.execute(text("SELECT login FROM users WHERE role = 'cashier' "
                                    "ORDER BY id LIMIT 1")).scalar_one()
    engine.dispose()
    return str(path), manager, cashier


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    return _site(tmp_path_factory.mktemp("report") / "site.db", 1)


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], login: str,
         *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("TILLCARD_USER", login)
    monkeypatch.setenv("TILLCARD_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _expected(url: str, login: str, kind: str) -> Report:
    engine = make_engine(url)
    try:
        from tillcard.services.auth import AuthService
        from tillcard.store.reference import ReferenceStore

        session = AuthService(ReferenceStore(engine), SecretHasher()).login(login,
                                                                             DEMO_PASSWORD)
        return ReportService(engine).run(session, ReportKind(kind), FIRST, UNTIL)
    finally:
        engine.dispose()


def test_a_summary_on_the_terminal(site: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    url, manager, _ = site
    code, out, err = _run(monkeypatch, capsys, manager, "report", "summary", "--from",
                          FIRST.isoformat(), "--to", UNTIL.isoformat(), "--db", url)
    assert (code, err) == (0, "")
    report = _expected(url, manager, "summary")
    assert f"{FIRST}..{UNTIL}" in out.splitlines()[0]
    assert report.title in out
    for column in report.columns:
        assert f"{column.title}: {column.definition}" in out


def test_files_hold_the_same_rows(site: tuple[str, str, str], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    url, manager, _ = site
    pdf, sheet, book = tmp_path / "t.pdf", tmp_path / "t.csv", tmp_path / "t.xlsx"
    code, out, err = _run(monkeypatch, capsys, manager, "report", "tills", "--from",
                          FIRST.isoformat(), "--to", UNTIL.isoformat(), "--pdf", str(pdf),
                          "--csv", str(sheet), "--xlsx", str(book), "--db", url)
    assert (code, err) == (0, "")
    assert out.count("wrote ") == 3
    report = _expected(url, manager, "tills")
    assert sheet.read_bytes().startswith(b"\xef\xbb\xbf")
    with sheet.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [c.title for c in report.columns]
    assert len(rows) == 1 + len(report.rows) + 1
    ws = openpyxl.load_workbook(book, read_only=True).worksheets[0]
    assert ws.max_row == len(rows)
    text_of_pdf = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                 text=True, check=True).stdout
    assert report.title in text_of_pdf


def test_refusals_are_one_line(site: tuple[str, str, str], tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    url, manager, cashier = site
    code, _, err = _run(monkeypatch, capsys, cashier, "report", "summary", "--db", url)
    assert code == 1
    assert "may not" in err and "Traceback" not in err
    code, _, err = _run(monkeypatch, capsys, manager, "report", "summary", "--from",
                        "2026-11-30", "--to", "2026-11-01", "--db", url)
    assert code == 2
    assert "before --from" in err
    code, _, err = _run(monkeypatch, capsys, manager, "report", "summary", "--pdf",
                        str(tmp_path / "no" / "such" / "x.pdf"), "--db", url)
    assert code == 2
    assert "no such folder" in err
    code, _, err = _run(monkeypatch, capsys, manager, "report", "sales", "--db", url)
    assert code == 2
    assert "invalid choice" in err


def test_reports_read_the_replica(site: tuple[str, str, str], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    """With ``reports.replica_url`` the figures are the replica's, not the centre's."""
    url, manager, _ = site
    replica, _, _ = _site(tmp_path / "replica.db", 2)
    config = tmp_path / "tillcard.toml"
    config.write_text(f'[database]\nlocal = "{url}"\n[reports]\nreplica_url = "{replica}"\n',
                      encoding="utf-8")
    code, out, err = _run(monkeypatch, capsys, manager, "--config", str(config), "report",
                          "summary", "--from", FIRST.isoformat(), "--to", UNTIL.isoformat(),
                          "--csv", str(tmp_path / "r.csv"))
    assert (code, err) == (0, "")
    with (tmp_path / "r.csv").open(encoding="utf-8-sig") as f:
        from_replica = f.read()
    code, _, err = _run(monkeypatch, capsys, manager, "report", "summary", "--from",
                        FIRST.isoformat(), "--to", UNTIL.isoformat(), "--csv",
                        str(tmp_path / "c.csv"), "--db", url)
    assert (code, err) == (0, "")
    with (tmp_path / "c.csv").open(encoding="utf-8-sig") as f:
        from_centre = f.read()
    assert from_replica != from_centre  # another site's figures: read from the replica


def test_daily_pdfs_are_written_once(site: tuple[str, str, str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    url, manager, _ = site
    folder = tmp_path / "daily"
    code, out, err = _run(monkeypatch, capsys, manager, "report", "daily-pdfs", "--folder",
                          str(folder), "--db", url)
    assert (code, err) == (0, "")
    written = sorted(folder.glob("tillcard-summary-*.pdf"))
    assert len(written) == 7
    assert out.count("wrote ") == 7
    code, out, err = _run(monkeypatch, capsys, manager, "report", "daily-pdfs", "--folder",
                          str(folder), "--db", url)
    assert (code, err) == (0, "")
    assert "nothing due" in out
