"""A till whose own file is emptied, deleted, truncated, garbage or corrupt; twins on one id.

Nothing is silently reset: a damaged file stops the start with a clear message and is left
as found; an empty or missing one opens, but the centre's copy of the till's chain shows
what it lost and the till refuses to sell until a backup is restored or an admin
re-provisions it. A restored backup back-fills what it holds, once. A second process on
the same file, or a second PC on the same till id, is refused with its holder named.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import Centre
from tillcard.bootstrap import central_sync
from tillcard.config import load_settings
from tillcard.domain.rules import RefusalCode, Refused
from tillcard.store.ledger import SaleRequest
from tillcard.store.local_db import LocalDatabaseError, LocalLock, TillInUse, open_local
from tillcard.store.schema import JournalRow
from tillcard.store.verify import verify
from tillcard.sync.till_sync import TillSync

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


class Site:
    def __init__(self, tmp: Path, centre: Centre) -> None:
        self.tmp, self.centre = tmp, centre
        self.db = tmp / "till-1.db"
        self.cfg = tmp / "till.toml"
        self.cfg.write_text(f"""profile = "central"
[till]
id = 1
[database]
local = "{self.db}"
central_url = "{centre.url}"
[sync]
call_timeout_s = 2.0
""", encoding="utf-8")
        self.open: list[TillSync] = []

    def till(self, db: Path | None = None) -> TillSync:
        settings = load_settings(self.cfg, env={})
        sync = central_sync(settings, open_local(db or self.db, 1))
        self.open.append(sync)
        return sync

    def close(self) -> None:
        """A clean stop of every till opened here (the lease handed back)."""
        for s in self.open:
            s.release()
            s.central.dispose()
            s.cache.engine.dispose()
        self.open.clear()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tillcard", "--config", str(self.cfg),
                               *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture
def site(tmp_path: Path, centre: Centre) -> Iterator[Site]:
    s = Site(tmp_path, centre)
    yield s
    s.close()


def sell(sync: TillSync, card: int, amount: int = 150):
    return sync.sale(SaleRequest(uuid.uuid4(), 1, card, amount, datetime.now().astimezone()))


def day_of_trade(site: Site) -> tuple[int, list[uuid.UUID]]:
    """Online sales reach the centre, then offline ones stay unsent; the file is closed."""
    card = site.centre.books.card("5001", cash=100_000)
    t = site.till()
    t.probe()
    t.link.recovering()
    t.cycle()
    for _ in range(3):
        assert sell(t, card).entry is not None and t.link.online
    t.link.down("test")
    unsent = [sell(t, card).entry for _ in range(4)]
    assert t.cache.unsent_count() == 4
    site.close()
    return card, [e.id for e in unsent if e is not None]


def journal(site: Site) -> int:
    with site.centre.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(JournalRow)).scalar_one())


def refuses_to_sell(t: TillSync, card: int) -> str:
    t.probe()
    t.link.recovering()
    t.cycle()
    assert t.halted is not None and not t.link.online
    with pytest.raises(Refused) as refused:
        sell(t, card)
    assert refused.value.refusal.code is RefusalCode.TILL_HALTED
    return t.halted


@pytest.mark.parametrize("loss", ["emptied", "deleted"])
def test_an_emptied_or_deleted_file_is_not_a_new_till(site: Site, loss: str):
    card, _unsent = day_of_trade(site)
    entries = journal(site)
    for f in site.tmp.glob("till-1.db*"):
        if loss == "deleted" or f.name != "till-1.db":
            f.unlink()
    if loss == "emptied":
        site.db.write_bytes(b"")
    reason = refuses_to_sell(site.till(), card)
    assert "knows none of them" in reason and "re-provision" in reason
    assert journal(site) == entries  # nothing sent, nothing reset at the centre
    site.close()
    p = site.cli("sync", "status", "--json")
    assert p.returncode == 1
    chain = json.loads(p.stdout)["chain"]
    assert chain["agrees"] is False and "knows none of them" in chain["problem"]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "page"])
def test_a_damaged_file_stops_the_start_with_a_message_and_is_left_as_found(
        site: Site, damage: str):
    day_of_trade(site)
    data = site.db.read_bytes()
    if damage == "truncated":
        broken = data[: len(data) // 2]
    elif damage == "garbage":
        broken = os.urandom(len(data))
    else:  # a b-tree page's header overwritten, as a failing sector would
        page = int.from_bytes(data[16:18], "big") or 65536
        at = 3 * page
        broken = data[:at] + b"\xff" * 12 + data[at + 12:]
    site.db.write_bytes(broken)
    with pytest.raises(LocalDatabaseError) as err:
        site.till()
    assert str(site.db) in str(err.value) and "restore" in str(err.value)
    p = site.cli("sync", "status")
    assert p.returncode == 1 and "Traceback" not in p.stderr
    [line] = p.stderr.strip().splitlines()
    assert line.startswith("tillcard: ") and "backup" in line
    assert site.db.read_bytes() == broken  # never "repaired" behind the cashier's back


def test_a_restored_backup_back_fills_its_sales_once(site: Site):
    card, unsent = day_of_trade(site)
    backup = site.tmp / "backup.db"
    shutil.copy(site.db, backup)
    site.db.unlink()  # the disk dies
    shutil.copy(backup, site.db)  # IT restores last night's copy
    t = site.till()
    t.probe()
    t.link.recovering()
    t.cycle()
    assert t.halted is None and t.link.online
    with site.centre.engine.connect() as conn:
        landed = [conn.execute(select(func.count()).where(JournalRow.id == i)).scalar_one()
                  for i in unsent]
    assert landed == [1, 1, 1, 1]
    assert verify(site.centre.engine).ok


def test_an_older_backup_is_halted_until_reprovisioned_then_back_fills_once(site: Site):
    card = site.centre.books.card("5002", cash=100_000)
    t = site.till()
    t.probe()
    t.link.recovering()
    t.cycle()
    assert sell(t, card).entry is not None  # online: the till knows its head
    t.link.down("test")
    offline = [sell(t, card).entry for _ in range(2)]
    site.close()
    backup = site.tmp / "backup.db"
    shutil.copy(site.db, backup)  # the backup holds two unsent sales
    t = site.till()
    t.probe()
    t.link.recovering()
    t.cycle()  # they are sent; then more sales online, after the backup
    for _ in range(3):
        assert sell(t, card).entry is not None
    site.close()
    shutil.copy(backup, site.db)
    reason = refuses_to_sell(site.till(), card)
    assert "does not know" in reason
    site.close()
    p = site.cli("sync", "reprovision", "--yes", "--note", "disk replaced", "--json")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["reprovisioned"]["database_holds_unsent"] == 2 and out["unsent"] == 0
    assert out["chain"]["agrees"] is True
    with site.centre.engine.connect() as conn:
        counts = [conn.execute(select(func.count()).where(JournalRow.id == e.id)).scalar_one()
                  for e in offline if e is not None]
    assert counts == [1, 1]  # resent from the backup, applied once
    assert verify(site.centre.engine).ok


def test_a_second_process_on_the_same_file_is_refused_naming_the_first(site: Site):
    lock = LocalLock(site.db)
    lock.acquire()
    try:
        with pytest.raises(TillInUse, match=f"process {os.getpid()}"):
            LocalLock(site.db).acquire()
        p = site.cli("sync", "push")
        assert p.returncode == 1 and f"in use by process {os.getpid()}" in p.stderr
    finally:
        lock.release()
    again = LocalLock(site.db)
    again.acquire()  # free again once the first one stops
    again.release()


def test_a_second_pc_on_the_same_till_id_is_refused_naming_the_first(site: Site):
    card = site.centre.books.card("5003", cash=10_000)
    first = site.till()
    first.probe()
    first.link.recovering()
    first.cycle()
    assert first.link.online
    twin = site.till(site.tmp / "other-pc.db")  # the same till id on another file
    twin.probe()
    twin.link.recovering()
    twin.cycle()
    assert twin.halted is not None and "till 1 is in use by" in twin.halted
    with pytest.raises(Refused):
        sell(twin, card)
    assert sell(first, card).entry is not None  # the first one is not disturbed
    first.release()  # a clean stop hands the till id over...
    twin.cycle()  # ...but this file knows nothing of the till's chain: re-provision first
    assert twin.halted is not None and "knows none of them" in twin.halted
