"""This till's own disk fills up: its own state, a true message, never SQL, never a flap.

The till's SQLite lives on a real 8 MB tmpfs filled to the last byte (root mounts it, as
on the CI machines; elsewhere the test is skipped and says why). The disk fills before a
sale is written, after the sale is written locally, and between the centre's commit and
the till's mark; each time the cashier is told whether the customer was charged, and a
charge the cashier was told did not go through is reversed once the disk has room again.
"""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import Centre
from tests.sync.conftest import FAST
from tests.sync.proxy import Proxy
from tillcard.domain.rules import RefusalCode, Refused
from tillcard.store.ledger import SaleRequest
from tillcard.store.local_db import open_local
from tillcard.store.schema import JournalRow, PurseRow
from tillcard.store.verify import verify
from tillcard.sync import faults
from tillcard.sync.cache import TillCache
from tillcard.sync.central import CentralOptions, make_central_engine
from tillcard.sync.link import LinkState
from tillcard.sync.push import reversal_id, settle
from tillcard.sync.till_sync import TillSync

pytestmark = pytest.mark.postgres


class SmallDisk:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.filler = root / "filler"

    def fill(self, sync: TillSync) -> None:
        """No byte left: the WAL is emptied first, so the next write must grow a file."""
        raw = sync.cache.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()
        with self.filler.open("ab", buffering=0) as f:  # unbuffered: nothing left to flush
            for chunk in (65536, 512, 1):
                with contextlib.suppress(OSError):
                    while True:
                        f.write(b"\0" * chunk)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    root = tmp_path / "disk"
    root.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(root)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"mounting a small tmpfs needs root: {done.stderr.strip()}")
    try:
        yield SmallDisk(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


@pytest.fixture
def till(small_disk: SmallDisk, centre: Centre, proxy: Proxy) -> Iterator[TillSync]:
    opts = CentralOptions(url=proxy.url(centre.url), **FAST)  # type: ignore[arg-type]
    sync = TillSync(TillCache(open_local(small_disk.root / "till-1.db", 1), 1),
                    make_central_engine(opts), opts)
    sync.probe()
    sync.link.recovering()
    sync.cycle()
    assert sync.link.online
    yield sync
    sync.central.dispose()
    sync.cache.engine.dispose()


def sell(sync: TillSync, card: int, amount: int = 500) -> SaleRequest:
    return SaleRequest(uuid.uuid4(), sync.till_id, card, amount, datetime.now().astimezone())


def balance(centre: Centre, card: int) -> int:
    with centre.engine.connect() as conn:
        return int(conn.execute(select(PurseRow.cash).where(PurseRow.card_id == card))
                   .scalar_one())


def at_centre(centre: Centre, entry_id: uuid.UUID) -> int:
    with centre.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(JournalRow.id == entry_id))
                   .scalar_one())


def test_full_before_the_sale_nothing_is_charged_and_the_link_does_not_flap(
        till: TillSync, small_disk: SmallDisk, centre: Centre):
    card = centre.books.card("6001", cash=10_000)
    till.cycle()
    small_disk.fill(till)
    req = sell(till, card)
    with pytest.raises(Refused) as refused:
        till.sale(req)
    assert refused.value.refusal.code is RefusalCode.LOCAL_DISK
    assert refused.value.refusal.message == "Not charged: this till cannot write to its disk"
    status = till.link.status()
    assert status.state is LinkState.DISK and status.message == "this till's disk is full"
    assert at_centre(centre, req.entry_id) == 0 and balance(centre, card) == 10_000
    till.link.down("test")  # offline: the same, truthfully
    with pytest.raises(Refused) as offline:
        till.sale(sell(till, card))
    assert offline.value.refusal.code is RefusalCode.LOCAL_DISK
    small_disk.free()
    till.link.recovering()
    till.cycle()
    assert till.link.online
    out = till.sale(sell(till, card))
    assert out.entry is not None and not out.offline and balance(centre, card) == 9_500


@pytest.mark.parametrize("point", [faults.AFTER_LOCAL_WRITE, faults.AFTER_CENTRAL_COMMIT])
def test_full_after_the_local_write_the_charge_is_said_and_reversed_once(
        till: TillSync, small_disk: SmallDisk, centre: Centre, point: str):
    card = centre.books.card("6002", cash=10_000)
    till.cycle()
    req = sell(till, card)
    with faults.at(point, lambda: small_disk.fill(till)), pytest.raises(Refused) as refused:
        till.sale(req)
    assert refused.value.refusal.code is RefusalCode.LOCAL_DISK_CHARGED
    assert "the charge is reversed once it can" in refused.value.refusal.message
    assert balance(centre, card) == 9_500  # the centre did charge it
    assert till.link.state is LinkState.DISK
    small_disk.free()
    settle(till.central, till.cache, margin_s=0)
    assert balance(centre, card) == 10_000
    assert at_centre(centre, req.entry_id) == 1
    assert at_centre(centre, reversal_id(req.entry_id)) == 1
    settle(till.central, till.cache, margin_s=0)  # again: nothing more
    assert balance(centre, card) == 10_000
    assert verify(centre.engine).ok
