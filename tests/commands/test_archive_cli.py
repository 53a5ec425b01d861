"""``tillcard archive`` and ``tillcard verify --archive`` on a partitioned centre."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import NOW, Books
from tests.pg import CentreClock
from tillcard.cli import main
from tillcard.store import archive as arch
from tillcard.store import partitions as parts
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.verify import verify

SEP, OCT = datetime(2026, 9, 15, 12, tzinfo=NOW.tzinfo), NOW - timedelta(days=30)


@pytest.fixture
def site(pg_books: Books) -> Books:
    """Entries in September, October and November; an October sale voided in November."""
    engine = pg_books.engine
    with engine.begin() as conn:
        parts.ensure_partitions(conn, since=date(2026, 9, 1), through=date(2026, 11, 1))
    clock = CentreClock.of(engine)
    ledger = Ledger(engine)
    card = pg_books.card("7001", "bonus")
    for when in (SEP, OCT):
        clock.set(when)
        ledger.recharge(uuid.uuid4(), 1, card, 2_000, when)
        ledger.sale(SaleRequest(uuid.uuid4(), 2, card, 150, when))
    sold = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 300, OCT)).entry
    assert sold is not None
    clock.set(NOW)
    assert ledger.void(uuid.uuid4(), 1, sold.id, NOW).entry is not None
    ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 100, NOW))
    return pg_books


def _archive(url: str, folder: Path, before: str = "2026-11") -> int:
    return main(["archive", "--db", url, "--before", before, "--to", str(folder)])


def test_archive_writes_files_detaches_and_verify_stays_clean(site: Books, pg_url: str,
                                                              tmp_path: Path, capsys):
    total = verify(site.engine).entries
    assert _archive(pg_url, tmp_path) == 0
    out = capsys.readouterr().out
    assert "2026-09:" in out and "2026-10:" in out and "detached" in out
    with site.engine.connect() as conn:
        left = parts.months(conn)
        recorded = arch.archived(conn)
    assert date(2026, 9, 1) not in left and date(2026, 10, 1) not in left
    assert date(2026, 11, 1) in left
    for m in (date(2026, 9, 1), date(2026, 10, 1)):
        manifest = json.loads((tmp_path / arch.manifest_name(m)).read_text())
        assert manifest == recorded[m]
        lines = gzip.decompress((tmp_path / arch.data_name(m)).read_bytes()).splitlines()
        assert len(lines) == manifest["rows"] > 0
    live = verify(site.engine)  # from the manifests recorded in the database
    assert live.ok, live.problems
    full = verify(site.engine, archive=tmp_path)  # the files, entry by entry
    assert full.ok, full.problems
    assert full.entries == total > live.entries
    assert main(["verify", "--db", pg_url, "--archive", str(tmp_path)]) == 0
    # again: nothing left to archive; the ids of archived entries stay taken
    assert _archive(pg_url, tmp_path) == 0
    assert "nothing to archive" in capsys.readouterr().out
    with site.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM journal_ids")).scalar_one() == total


def test_verify_names_an_altered_row_and_a_missing_file(site: Books, pg_url: str,
                                                        tmp_path: Path):
    assert _archive(pg_url, tmp_path) == 0
    sep = tmp_path / arch.data_name(date(2026, 9, 1))
    lines = gzip.decompress(sep.read_bytes()).decode().splitlines(keepends=True)
    fields = lines[0].split("\t")
    fields[5] = str(int(fields[5]) + 1)  # cash_delta of the first entry
    lines[0] = "\t".join(fields)
    sep.write_bytes(gzip.compress("".join(lines).encode(), mtime=0))
    (tmp_path / arch.data_name(date(2026, 10, 1))).unlink()
    problems = verify(site.engine, archive=tmp_path).problems
    assert any(p.startswith("archive 2026-09:") and "altered" in p for p in problems)
    assert any("in archive 2026-09: content does not match its hash" in p
               for p in problems), problems
    assert any(p.startswith("archive 2026-10:") and "is missing" in p for p in problems)
    assert main(["verify", "--db", pg_url, "--archive", str(tmp_path)]) == 1


def test_verify_names_a_live_chain_that_does_not_continue_the_archive(
        site: Books, pg_url: str, tmp_path: Path):
    assert _archive(pg_url, tmp_path) == 0
    with site.engine.begin() as conn:  # the recorded head of till 1 in October, rewritten
        conn.execute(text(
            "UPDATE journal_archive SET manifest = jsonb_set(manifest::jsonb, "
            "'{tills,1,last_hash}', to_jsonb(repeat('ab', 32)))::json "
            "WHERE month = '2026-10-01'"))
    problems = verify(site.engine).problems
    assert any("till 1 entry" in p and "does not continue the chain of archive 2026-10" in p
               for p in problems), problems


def test_archive_refuses_what_it_must_not_do(site: Books, pg_url: str, tmp_path: Path,
                                             capsys):
    current = parts.month_of(datetime.now().astimezone())
    assert _archive(pg_url, tmp_path, f"{parts.next_month(current):%Y-%m}") == 1
    assert "not over yet" in capsys.readouterr().err
    assert _archive(pg_url, tmp_path, "2026-13") == 2
    assert main(["archive", "--db", str(tmp_path / "till.db"), "--before", "2026-10",
                 "--to", str(tmp_path)]) == 2
    taken = tmp_path / arch.data_name(date(2026, 9, 1))
    taken.write_bytes(b"someone else's file")
    assert _archive(pg_url, tmp_path) == 1
    assert "holds something else" in capsys.readouterr().err
    with site.engine.connect() as conn:
        assert date(2026, 9, 1) in parts.months(conn)  # nothing detached
    assert taken.read_bytes() == b"someone else's file"


def test_archive_resumes_after_a_crash_between_writing_and_detaching(
        site: Books, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def crash(*_: object) -> None:
        raise RuntimeError("power cut")

    with monkeypatch.context() as m:
        m.setattr(parts, "detach", crash)
        with pytest.raises(RuntimeError, match="power cut"):
            arch.archive(site.engine, date(2026, 10, 1), tmp_path)
    written = (tmp_path / arch.data_name(date(2026, 9, 1))).read_bytes()
    with site.engine.connect() as conn:
        assert date(2026, 9, 1) in parts.months(conn) and not arch.archived(conn)
    done = arch.archive(site.engine, date(2026, 10, 1), tmp_path)
    assert [(d.month, d.resumed) for d in done] == [(date(2026, 9, 1), True)]
    assert (tmp_path / arch.data_name(date(2026, 9, 1))).read_bytes() == written
    assert verify(site.engine, archive=tmp_path).ok
