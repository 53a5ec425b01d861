"""The bench's tills: each on a connection of its own, a process's tills on one event loop.

A till here does what a till does at the counter — the quote's card read, then the
charge — with the till's own statements, parameters and answer handling
(``tillcard.store.pg_centre``: the same prepared statements, ``sale_params``, ``Answers``
building the card, wallet, quote and outcome, ``make_quote`` in between). Only the waiting
differs. A till is a generator that yields each statement it wants run; the loop sends it
on that till's non-blocking libpq connection, waits on every connection of the process at
once and resumes the till with the parsed answer (or throws the server's error into it).

Why not a thread (or a process) per till: real tills run on machines of their own, the
bench's share the server's two cores, and what the load generator burns is taken from the
server. Measured on the README's machine, from ``/proc`` during runs: sixteen tills as
threads of two processes spent 0.45-0.5 ms of CPU per quote + charge, mostly waking up
after each round trip (the GIL handed from thread to thread, a futex and a context switch
each time), and the centre sold 1,189 charges/s at the median of four runs; on an event
loop, where one wake-up serves every answer that arrived meanwhile, 0.20-0.27 ms
(``till_cpu_ms_per_cycle`` in every run's result) and 1,591 charges/s in the same,
interleaved runs. The server sees the same sixteen concurrent connections and the same
statements either way.

With ``feed_ping`` each till also pings the live console after every charge the centre
applied, as ``sync.feed_ping`` does at a real till: ``pg_notify('tillcard_feed', <till>)``
in an autocommit transaction of its own, on a second connection (a real till's ping uses
another pooled connection), never waited for by the till, at most one per
``MIN_GAP_S`` per till (later charges share the next ping). The loop sends it as soon as
the gap allows and reads its answer whenever it comes.
"""

from __future__ import annotations

import functools
import random
import select
import selectors
import time
import uuid
from collections import Counter
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg import pq

from tillcard.domain.quote import make_quote
from tillcard.store.engine import libpq_url
from tillcard.store.ledger import SaleRequest
from tillcard.store.pg_centre import (
    SALE_STATEMENT,
    STATE_STATEMENT,
    Answers,
    decode_answer,
    sale_params,
    state_params,
)
from tillcard.sync.feed_ping import CHANNEL, MIN_GAP_S

HOT_SHARE = 0.5  # with hot cards, half of all charges go to them

# The seed design's flow, as the naive baseline: read the balance; then write the balance
# computed from it and insert the sale, in one statement (one transaction); no lock.
NAIVE_READ = (b"bench_naive_read", "SELECT balance FROM bench_naive_balances "
              "WHERE card_id = $1")
NAIVE_WRITE = (b"bench_naive_write",
               "WITH w AS (UPDATE bench_naive_balances SET balance = $2 WHERE card_id = $1) "
               "INSERT INTO bench_naive_sales (id, card_id, amount) VALUES ($3, $1, $4)")

PING = (b"bench_feed_ping", f"SELECT pg_notify('{CHANNEL}', $1)")

Statement = tuple[bytes, str]  # prepared statement: name, SQL
Step = tuple[bytes, Sequence[bytes | None]]  # a statement to run: its name, parameters
Till = Generator[Step, Any, None]  # yields steps, is sent each step's parsed answer


class StatementError(Exception):
    """The server refused a till's statement; thrown into that till."""


@dataclass
class WorkerResult:
    latencies_ms: list[float] = field(default_factory=list)  # the charge call
    quote_ms: list[float] = field(default_factory=list)  # the card read before it
    cycle_ms: list[float] = field(default_factory=list)  # both
    refusals: Counter[str] = field(default_factory=Counter)
    applied: int = 0
    applied_minor: int = 0
    errors: int = 0
    cpu_s: float = 0.0  # the process's CPU time, connecting included
    pings: int = 0  # live feed pings sent (with ``feed_ping``)


@dataclass(frozen=True)
class Job:
    """One process's share of a bench run."""

    url: str
    till_ids: tuple[int, ...]
    seconds: float
    cards: list[int]
    hot: list[int]
    naive: bool
    seed: int
    feed_ping: bool = False  # each till pings the live feed after its charges


def run_job(job: Job) -> WorkerResult:
    """One process: its tills, each on its own connection, until ``job.seconds`` are up."""
    res = WorkerResult()
    rnd = random.Random(job.seed)
    end = time.perf_counter() + job.seconds
    answers = Answers()

    def pick() -> tuple[int, int]:
        card = (rnd.choice(job.hot) if job.hot and rnd.random() < HOT_SHARE
                else rnd.choice(job.cards))
        return card, rnd.randint(100, 2_000)

    pings = Pings(MIN_GAP_S) if job.feed_ping and not job.naive else None

    def make(till_id: int) -> Till:
        if job.naive:
            return naive_till(pick, end, res)
        poke = functools.partial(pings.poke, till_id) if pings else None
        return ledger_till(till_id, pick, end, res, answers, poke)

    statements = [NAIVE_READ, NAIVE_WRITE] if job.naive else [STATE_STATEMENT,
                                                               SALE_STATEMENT]
    cpu = time.process_time()
    drive(job.url, {t: make(t) for t in job.till_ids}, statements, pings)
    res.cpu_s = time.process_time() - cpu
    res.pings = pings.sent if pings else 0
    return res


def ledger_till(till_id: int, pick: Callable[[], tuple[int, int]], end: float,
                res: WorkerResult, answers: Answers,
                poke: Callable[[], None] | None = None) -> Till:
    """Quote + charge on random cards, as ``Ledger.card_state`` and ``Ledger.sale`` do.

    ``poke``: called once a charge is applied, as ``TillSync`` pokes its ``FeedPing``.
    """
    while time.perf_counter() < end:
        card, amount = pick()
        t0 = time.perf_counter()
        try:
            now = datetime.now().astimezone()
            today = now.date()
            doc = yield STATE_STATEMENT[0], state_params(card)
            if doc is None:  # no such card, as Ledger.card_state's LedgerError
                res.errors += 1
                continue
            c, wallet, _ = answers.state(doc, card, today)  # what the cashier sees
            make_quote(amount, c.card_type.discount_bp, wallet, today)
            t1 = time.perf_counter()  # the cashier presses "charge"
            req = SaleRequest(uuid.uuid4(), till_id, card, amount, now)
            out = answers.outcome(req, (yield SALE_STATEMENT[0],
                                        sale_params(req)))
        except StatementError:
            res.errors += 1
            continue
        t2 = time.perf_counter()
        res.latencies_ms.append((t2 - t1) * 1000)
        res.quote_ms.append((t1 - t0) * 1000)
        res.cycle_ms.append((t2 - t0) * 1000)
        if out.refusal:
            res.refusals[out.refusal.code.value] += 1
        else:
            res.applied += 1
            res.applied_minor += amount
            if poke is not None:
                poke()


def naive_till(pick: Callable[[], tuple[int, int]], end: float, res: WorkerResult) -> Till:
    """The seed design: read, compute, write back the absolute balance, record. No lock."""
    while time.perf_counter() < end:
        card, amount = pick()
        t0 = time.perf_counter()
        try:
            balance = yield NAIVE_READ[0], [b"%d" % card]
            if balance >= amount:
                yield NAIVE_WRITE[0], [b"%d" % card, b"%d" % (balance - amount),
                                       str(uuid.uuid4()).encode(), b"%d" % amount]
        except StatementError:
            res.errors += 1
            continue
        res.latencies_ms.append((time.perf_counter() - t0) * 1000)  # its read included
        if balance >= amount:
            res.applied += 1
            res.applied_minor += amount
        else:
            res.refusals["insufficient"] += 1


@dataclass
class _Conn:
    till: Till
    conn: psycopg.Connection[Any]


@dataclass
class _Ping:
    conn: psycopg.Connection[Any]
    till: list[bytes]  # the ping's parameter
    busy: bool = False  # a ping is in flight
    wanted: bool = False  # a charge since the last ping was sent
    last: float = float("-inf")  # when the last ping was sent


class Pings:
    """The tills' live feed pings: a connection each, sent from the tills' event loop."""

    def __init__(self, gap_s: float) -> None:
        self.gap_s = gap_s
        self.sent = 0
        self._by_till: dict[int, _Ping] = {}

    def open(self, conninfo: str, till_id: int, sel: selectors.BaseSelector) -> None:
        conn = psycopg.connect(conninfo, autocommit=True)
        self._by_till[till_id] = _Ping(conn, [b"%d" % till_id])
        _prepare(conn, [PING])
        sel.register(conn.pgconn.socket, selectors.EVENT_READ, ("ping", till_id))

    def poke(self, till_id: int) -> None:
        """A charge was applied: ping now if the gap allows, else at the gap's end."""
        p = self._by_till[till_id]
        p.wanted = True
        self._send_if_due(p, time.perf_counter())

    def answered(self, till_id: int) -> None:
        p = self._by_till[till_id]
        pg = p.conn.pgconn
        pg.consume_input()
        if pg.is_busy():
            return
        while (result := pg.get_result()) is not None:
            if result.status != pq.ExecStatus.TUPLES_OK:
                raise psycopg.errors.error_from_result(result)
        p.busy = False
        self._send_if_due(p, time.perf_counter())

    def wait_s(self) -> float | None:
        """How long the loop may sleep before a held-back ping is due (None: no limit)."""
        now = time.perf_counter()
        due = [p.last + self.gap_s - now for p in self._by_till.values()
               if p.wanted and not p.busy]
        return max(0.0, min(due)) if due else None

    def send_due(self) -> None:
        now = time.perf_counter()
        for p in self._by_till.values():
            self._send_if_due(p, now)

    def _send_if_due(self, p: _Ping, now: float) -> None:
        if p.wanted and not p.busy and now - p.last >= self.gap_s:
            _send(p.conn.pgconn, PING[0], p.till)
            p.busy, p.wanted, p.last = True, False, now
            self.sent += 1

    def close(self) -> None:
        for p in self._by_till.values():
            p.conn.close()


def _prepare(conn: psycopg.Connection[Any], statements: Sequence[Statement]) -> None:
    """Prepare ``statements`` on ``conn``, then make it non-blocking for the loop."""
    for name, sql in statements:
        prepared = conn.pgconn.prepare(name, sql.encode())
        if prepared.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(prepared)
    conn.pgconn.nonblocking = 1


def _send(pg: pq.abc.PGconn, name: bytes, params: Sequence[bytes | None]) -> None:
    pg.send_query_prepared(name, params)
    while pg.flush():  # a few hundred bytes: the socket's buffer takes them at once
        select.select([], [pg.socket], [])


def drive(url: str, tills: dict[int, Till], statements: Sequence[Statement],
          pings: Pings | None = None) -> None:
    """Run the tills to their end, each on its own connection, all from this thread.

    Every connection prepares ``statements`` first. A till's step is sent as soon as the
    till yields it; the loop sleeps until any connection has an answer (or, with
    ``pings``, until a held-back ping is due).
    """
    conninfo = libpq_url(url)
    sel = selectors.DefaultSelector()
    live: dict[int, _Conn] = {}
    try:
        for till_id, till in tills.items():
            conn = psycopg.connect(conninfo, autocommit=True)
            live[till_id] = _Conn(till, conn)
            _prepare(conn, statements)
            sel.register(conn.pgconn.socket, selectors.EVENT_READ, till_id)
            if pings is not None:
                pings.open(conninfo, till_id, sel)
        for till_id in list(live):
            _advance(live, sel, till_id, None)
        while live:
            for key, _ in sel.select(pings.wait_s() if pings else None):
                if isinstance(key.data, tuple):
                    assert pings is not None
                    pings.answered(key.data[1])
                    continue
                till_id = key.data
                pg = live[till_id].conn.pgconn
                pg.consume_input()
                if pg.is_busy():
                    continue
                answer: Any = None
                error: StatementError | None = None
                while (result := pg.get_result()) is not None:
                    if result.status == pq.ExecStatus.TUPLES_OK:
                        answer = decode_answer(result.get_value(0, 0)) if result.ntuples \
                            else None
                    elif result.status != pq.ExecStatus.COMMAND_OK:
                        error = StatementError((result.error_message or b"").decode(
                            "utf-8", "replace"))
                if pg.status == pq.ConnStatus.BAD:  # a bench run does not outlive its server
                    raise psycopg.OperationalError(f"till {till_id} lost its connection: {error}")
                _advance(live, sel, till_id, answer, error)
            if pings is not None:
                pings.send_due()
    finally:
        sel.close()
        for c in live.values():
            c.conn.close()
        if pings is not None:
            pings.close()


def _advance(live: dict[int, _Conn], sel: selectors.BaseSelector, till_id: int,
             answer: Any, error: StatementError | None = None) -> None:
    """Resume a till with its last answer; send the step it yields, or retire it."""
    c = live[till_id]
    try:
        # send(None) also starts a till that has not run yet
        name, params = c.till.throw(error) if error else c.till.send(answer)
    except StopIteration:
        sel.unregister(c.conn.pgconn.socket)
        c.conn.close()
        del live[till_id]
        return
    _send(c.conn.pgconn, name, params)
