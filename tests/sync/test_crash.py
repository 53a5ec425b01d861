"""Crash tests: a till process killed by SIGKILL at each step, then restarted.

No entry lost, none applied twice, sales of unknown fate settled: abandoned when the centre
never saw them, reversed when it did (the cashier never saw them confirmed).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import Centre
from tillcard.domain.journal import EntryState
from tillcard.store.engine import make_engine
from tillcard.store.schema import JournalRow, OutboxRow, PurseRow
from tillcard.store.verify import verify
from tillcard.sync import faults
from tillcard.sync.push import reversal_id

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path: Path, centre: Centre) -> Path:
    cfg = tmp_path / "till.toml"
    cfg.write_text(f"""
profile = "central"
[till]
id = 1
[database]
local = "{tmp_path / 'till-1.db'}"
central_url = "{centre.url}"
connect_timeout_s = 2
[sync]
call_timeout_s = 1.0
statement_timeout_ms = 300
""", encoding="utf-8")
    return cfg


def run(args: list[str], crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(faults.ENV, None)
    if crash_at:
        env[faults.ENV] = crash_at
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def till(cfg: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    return run(["-m", "tests.sync.till_proc", str(cfg), *args], crash_at)


def sync_cli(cfg: Path, action: str) -> dict[str, Any]:
    p = run(["-m", "tillcard", "--config", str(cfg), "sync", action, "--json"])
    assert p.returncode == 0, p.stderr
    return dict(json.loads(p.stdout))


def settle_all(cfg: Path, timeout: float = 30) -> dict[str, Any]:
    """Restart the till's sync until no sale of unknown fate is left (they ripen first)."""
    start = time.monotonic()
    pause = threading.Event()
    while True:
        out = sync_cli(cfg, "push")
        if out["outbox"].get(EntryState.AUTHORIZING.value, 0) == 0:
            return out
        if time.monotonic() - start > timeout:
            raise AssertionError(f"still authorizing after {timeout} s: {out}")
        pause.wait(0.5)


def outbox(cfg_dir: Path) -> dict[str, str]:
    engine = make_engine(str(cfg_dir / "till-1.db"))
    with engine.connect() as conn:
        rows = {str(r.id): r.state for r in conn.execute(select(OutboxRow.id, OutboxRow.state))}
    engine.dispose()
    return rows


def cash(c: Centre, card: int) -> int:
    with c.engine.connect() as conn:
        return int(conn.execute(select(PurseRow.cash).where(PurseRow.card_id == card))
                   .scalar_one())


def times_applied(c: Centre, entry_id: uuid.UUID) -> int:
    with c.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(JournalRow.id == entry_id))
                   .scalar_one())


def killed(p: subprocess.CompletedProcess[str]) -> bool:
    return p.returncode == -signal.SIGKILL


def test_killed_after_the_local_write_the_sale_is_abandoned(config: Path, centre: Centre):
    card = centre.books.card("3001", cash=5_000)
    sync_cli(config, "pull")
    p = till(config, "sale", str(card), "1000", crash_at=faults.AFTER_LOCAL_WRITE)
    assert killed(p), p.stderr
    [(entry_id, state)] = outbox(config.parent).items()
    assert state == EntryState.AUTHORIZING.value
    settle_all(config)
    assert outbox(config.parent)[entry_id] == EntryState.ABANDONED.value
    assert times_applied(centre, uuid.UUID(entry_id)) == 0
    assert cash(centre, card) == 5_000


def test_killed_after_the_central_commit_the_sale_is_reversed_once(config: Path,
                                                                   centre: Centre):
    card = centre.books.card("3002", cash=5_000)
    sync_cli(config, "pull")
    p = till(config, "sale", str(card), "1000", crash_at=faults.AFTER_CENTRAL_COMMIT)
    assert killed(p), p.stderr
    [(entry_id, state)] = outbox(config.parent).items()
    assert state == EntryState.AUTHORIZING.value
    assert cash(centre, card) == 4_000  # the centre did charge it
    settle_all(config)
    settle_all(config)  # a second restart changes nothing
    assert outbox(config.parent)[entry_id] == EntryState.APPLIED.value
    sale_id = uuid.UUID(entry_id)
    assert times_applied(centre, sale_id) == 1
    assert times_applied(centre, reversal_id(sale_id)) == 1
    assert cash(centre, card) == 5_000  # never charged for a sale nobody saw confirmed
    assert verify(centre.engine).ok


@pytest.mark.parametrize("point", [faults.PUSH_AFTER_CENTRAL, faults.DURING_PUSH])
def test_killed_during_the_backfill_every_offline_sale_lands_once(config: Path,
                                                                  centre: Centre, point: str):
    card = centre.books.card("3003", cash=10_000)
    sync_cli(config, "pull")
    p = till(config, "offline", str(card), "250", "6")
    assert p.returncode == 0, p.stderr
    sold = [uuid.UUID(line) for line in p.stdout.split()]
    assert len(sold) == 6
    p = till(config, "push", "2", crash_at=point)
    assert killed(p), p.stderr
    states = outbox(config.parent)
    assert list(states.values()).count(EntryState.APPLIED.value) == (
        0 if point == faults.PUSH_AFTER_CENTRAL else 2)
    out = settle_all(config)
    assert out["unsent"] == 0
    assert set(outbox(config.parent).values()) == {EntryState.APPLIED.value}
    assert [times_applied(centre, i) for i in sold] == [1] * 6
    assert cash(centre, card) == 10_000 - 6 * 250
    assert verify(centre.engine).ok


def test_sync_status_with_the_centre_unreachable_says_so_and_loses_nothing(
        config: Path, centre: Centre, tmp_path: Path):
    card = centre.books.card("3004", cash=5_000)
    sync_cli(config, "pull")
    p = till(config, "offline", str(card), "100", "2")
    assert p.returncode == 0, p.stderr
    dead = tmp_path / "dead.toml"
    dead.write_text(config.read_text(encoding="utf-8").replace(
        centre.url, "postgresql://postgres@127.0.0.1:9/nowhere"), encoding="utf-8")
    p = run(["-m", "tillcard", "--config", str(dead), "sync", "status", "--json"])
    assert p.returncode == 1
    out = json.loads(p.stdout)
    assert out["centre_answers"] is False and out["unsent"] == 2
    assert out["outbox"] == {"offline": 2}
    p = run(["-m", "tillcard", "--config", str(dead), "sync", "push"])
    assert p.returncode == 1 and "does not answer" in p.stdout
    assert sync_cli(config, "push")["unsent"] == 0
    assert cash(centre, card) == 4_800
