"""``tillcard bench --offline`` runs end to end and reports what issue 4 asks for."""

from __future__ import annotations

import json

import pytest

from tillcard.cli import main

pytestmark = pytest.mark.postgres


def test_bench_offline_json(pg_url: str, capsys: pytest.CaptureFixture[str]):
    code = main(["bench", "--offline", "--entries", "120", "--db", pg_url, "--json"])
    res = json.loads(capsys.readouterr().out)
    assert code == 0
    for key in ("offline_commit_p50_ms", "offline_commit_p95_ms", "backfill_s", "verify_ok"):
        assert key in res
    assert res["verify_ok"] is True
    assert res["sold_offline"] == res["backfilled"] == 120
    assert res["outbox"] == {"applied": 120}
