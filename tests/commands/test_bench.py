"""`tillcard bench` on the real PostgreSQL server: the JSON contract and no lost money."""

import json

import pytest
from sqlalchemy import text

from tillcard.commands import bench
from tillcard.store.engine import make_engine

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
    assert res["procs"] == min(4, bench.default_procs())  # a process per core
    assert res["lost_minor_units"] == 0
    assert res["applied"] > 0 and res["errors"] == 0
    assert set(res["refusals"]) <= {"insufficient"}
    base = res["baseline"]
    for key in ("charges_per_s", "p50_ms", "p95_ms", "p99_ms", "refusals",
                "lost_minor_units"):
        assert key in base
    assert base["lost_minor_units"] >= 0


def test_bench_tills_in_fewer_processes_report_quote_and_charge_apart(pg_url, capsys):
    """``--procs`` packs the tills into fewer processes, an event loop each; all sell."""
    import argparse

    parser = argparse.ArgumentParser()
    bench.add_bench_command(parser.add_subparsers())
    args = parser.parse_args(["bench", "--db", pg_url, "--tills", "4", "--procs", "2",
                              "--seconds", "1", "--cards", "20", "--json"])
    assert args.func(args) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["procs"] == 2 and res["tills"] == 4
    assert res["verify_ok"] is True and res["errors"] == 0 and res["lost_minor_units"] == 0
    assert res["applied"] > 0
    for key in ("quote_p50_ms", "quote_p95_ms", "cycle_p50_ms", "cycle_p95_ms",
                "till_cpu_ms_per_cycle"):
        assert res[key] > 0
    assert res["cycle_p50_ms"] >= res["p50_ms"]
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            tills = set(conn.execute(text("SELECT DISTINCT till_id FROM journal "
                                          "WHERE kind = 'sale'")).scalars())
    finally:
        engine.dispose()
    assert tills == {1, 2, 3, 4}


def test_bench_tills_ping_the_live_feed_with_feed_ping(pg_url, capsys):
    """``--feed-ping``: each till pings after its charges, at most once per ``MIN_GAP_S``."""
    import argparse

    parser = argparse.ArgumentParser()
    bench.add_bench_command(parser.add_subparsers())
    args = parser.parse_args(["bench", "--db", pg_url, "--tills", "2", "--procs", "1",
                              "--seconds", "1", "--cards", "20", "--feed-ping", "--json"])
    assert args.func(args) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["verify_ok"] is True and res["errors"] == 0 and res["applied"] > 0
    from tillcard.sync.feed_ping import MIN_GAP_S

    assert 0 < res["feed_pings"] <= min(res["applied"], 2 * (1 / MIN_GAP_S + 1))
