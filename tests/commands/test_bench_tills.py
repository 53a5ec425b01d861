"""The bench's event loop of tills, on the real server: answers, errors, many connections."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text

from tillcard.commands.bench_data import seed_cards
from tillcard.commands.bench_tills import Job, StatementError, Till, drive, run_job

pytestmark = pytest.mark.postgres

ECHO = (b"echo", "SELECT json_build_object('till', $1::int, 'n', $2::int)")
DIVIDE = (b"divide", "SELECT 100 / $1::int")
BACKEND = (b"backend", "SELECT pg_backend_pid()")


def test_each_till_gets_its_own_answers_and_errors_on_its_own_connection(pg_url: str) -> None:
    seen: dict[int, list[Any]] = {}

    def till(till_id: int) -> Till:
        got = seen.setdefault(till_id, [])
        for n in range(3):
            got.append((yield ECHO[0], [b"%d" % till_id, b"%d" % n]))
        try:
            yield DIVIDE[0], [b"0"]
        except StatementError as e:
            got.append(("error", "division by zero" in str(e)))
        got.append((yield DIVIDE[0], [b"4"]))
        got.append((yield BACKEND[0], []))

    drive(pg_url, {t: till(t) for t in (1, 2, 3)}, [ECHO, DIVIDE, BACKEND])

    for t in (1, 2, 3):
        assert seen[t][:5] == [{"till": t, "n": 0}, {"till": t, "n": 1}, {"till": t, "n": 2},
                               ("error", True), 25]
    assert len({seen[t][5] for t in (1, 2, 3)}) == 3  # three backends: a connection each


def test_a_till_that_ends_at_once_and_a_prepare_that_fails(pg_url: str) -> None:
    def idle() -> Till:
        return
        yield ECHO[0], []  # a generator that never asks for anything

    drive(pg_url, {1: idle()}, [ECHO])  # returns: nothing left to wait for
    with pytest.raises(Exception, match="no_such_table"):
        drive(pg_url, {1: idle()}, [(b"bad", "SELECT * FROM no_such_table")])


def test_ledger_tills_sell_and_count_unknown_cards_as_errors(pg_engine: Engine,
                                                             pg_url: str) -> None:
    cards = seed_cards(pg_engine, 5, 10_000, 2)
    res = run_job(Job(pg_url, (1, 2), 0.5, cards + [10**9], [], False, 1))

    assert res.applied > 0 and res.errors > 0  # the unknown card: counted, then on
    assert len(res.latencies_ms) == len(res.quote_ms) == len(res.cycle_ms) == \
        res.applied + sum(res.refusals.values())
    with pg_engine.connect() as conn:
        sold = conn.execute(text("SELECT till_id, count(*), -sum(cash_delta) FROM journal "
                                 "WHERE kind = 'sale' GROUP BY till_id")).all()
    assert {t for t, _, _ in sold} == {1, 2}
    assert sum(n for _, n, _ in sold) == res.applied
    assert sum(m for _, _, m in sold) == res.applied_minor  # no discount on bench cards



def test_a_till_whose_connection_dies_stops_the_run_with_its_name(pg_url: str) -> None:
    kill = (b"kill", "SELECT pg_terminate_backend(pg_backend_pid())::text")

    def till() -> Till:
        yield kill[0], []
        yield kill[0], []  # not reached: nothing more is sent on a dead connection

    with pytest.raises(psycopg.OperationalError, match="till 7 lost its connection"):
        drive(pg_url, {7: till()}, [kill])
