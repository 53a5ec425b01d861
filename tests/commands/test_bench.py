"""`tillcard bench` on the real PostgreSQL server: the JSON contract and no lost money."""

import json

import pytest

from tillcard.commands import bench

pytestmark = pytest.mark.postgres


def test_bench_json_hot_card_no_lost_updates(pg_url, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    bench.add_bench_command(parser.add_subparsers())
    args = parser.parse_args(["bench", "--db", pg_url, "--tills", "4", "--seconds", "1.5",
                              "--cards", "50", "--hot-cards", "1", "--baseline", "naive",
                              "--json"])
    assert args.func(args) == 0
    res = json.loads(capsys.readouterr().out)
    for key in ("charges_per_s", "p50_ms", "p95_ms", "p99_ms", "refusals", "verify_ok"):
        assert key in res
    assert res["verify_ok"] is True
    assert res["lost_minor_units"] == 0
    assert res["applied"] > 0 and res["errors"] == 0
    assert set(res["refusals"]) <= {"insufficient"}
    base = res["baseline"]
    for key in ("charges_per_s", "p50_ms", "p95_ms", "p99_ms", "refusals",
                "lost_minor_units"):
        assert key in base
    assert base["lost_minor_units"] >= 0
