"""Till heartbeats: a till's report of itself, sent to the centre and read by the console.

A till sends ``tillcard_heartbeat`` every few seconds (``sync.heartbeat``); the centre
stamps it with its own clock (migration 0017). The console reads the heartbeats beside
the tills and the server's clock, so "last seen 40 s ago" never depends on the clock of
the PC the console runs on. Shifts live in each till's own database: a till reports its
open shift and its last closed one in the heartbeat; on a standalone site (one SQLite
file) the ``shifts`` table is read as well.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Engine,
    Integer,
    String,
    Uuid,
    column,
    func,
    select,
    table,
    text,
)

from tillcard.store.schema import ShiftRow, TillRow, UserRow
from tillcard.store.types import UtcDateTime

# the table of migration 0017, for queries (the ORM schema does not map it)
HEARTBEATS = table(
    "till_heartbeats",
    column("till_id", Integer), column("seen_at", UtcDateTime()),
    column("app_version", String), column("link_state", String),
    column("link_since", UtcDateTime()), column("unsent", Integer),
    column("printer", String), column("printer_pending", Integer),
    column("reader_ok", Boolean), column("reader", String), column("shift_id", Uuid),
    column("shift_cashier", Integer), column("last_z_no", Integer),
    column("last_closed_at", UtcDateTime()), column("last_difference", BigInteger),
    column("beats", BigInteger),
)


def send_heartbeat(engine: Engine, till_id: int, doc: dict[str, Any]) -> datetime:
    """Report this till's state to the centre; the server's time of it."""
    with engine.begin() as conn:
        answer = conn.execute(text("SELECT tillcard_heartbeat(:t, CAST(:d AS json))"),
                              {"t": till_id, "d": json.dumps(doc)}).scalar_one()
    assert isinstance(answer, dict)
    return datetime.fromisoformat(str(answer["seen_at"]))


def ensure_months(engine: Engine) -> int:
    """Ask the centre to create the journal's coming monthly partitions; how many it made.

    The centre has no scheduler of its own; the tills run all day (migration 0020).
    """
    with engine.begin() as conn:
        return int(conn.execute(text("SELECT tillcard_ensure_partitions()")).scalar_one())


@dataclass(frozen=True)
class LocalShifts:
    """A till's open shift and its last closed one, from its own database."""

    open_id: uuid.UUID | None = None
    open_by: int | None = None
    last_z_no: int | None = None
    last_closed_at: datetime | None = None
    last_difference: int | None = None


def local_shifts(engine: Engine, till_id: int) -> LocalShifts:
    """Read without the write lock a selling till's SQLite would otherwise take first."""
    s = ShiftRow
    with engine.connect() as conn:
        conn.execution_options(sqlite_deferred=True)
        open_row = conn.execute(select(s.id, s.opened_by).where(
            s.till_id == till_id, s.closed_at.is_(None))).first()
        last = conn.execute(select(s.z_no, s.closed_at, s.difference).where(
            s.till_id == till_id, s.closed_at.is_not(None))
            .order_by(s.closed_at.desc()).limit(1)).first()
    return LocalShifts(
        open_row.id if open_row else None, open_row.opened_by if open_row else None,
        last.z_no if last else None, last.closed_at if last else None,
        last.difference if last else None)


@dataclass(frozen=True)
class HealthRecord:
    """One till as the centre knows it: its row, and its last heartbeat if it ever sent one."""

    till_id: int
    name: str
    booth: str
    seen_at: datetime | None = None
    app_version: str = ""
    link_state: str = ""
    link_since: datetime | None = None
    unsent: int = 0
    printer: str = ""
    printer_pending: int = 0
    reader_ok: bool | None = None
    reader: str = ""
    shift_open: bool = False
    shift_cashier: str = ""
    last_z_no: int | None = None
    last_closed_at: datetime | None = None
    last_difference: int | None = None


class HealthQueries:
    """The tills' heartbeats and the server's clock, read in one go."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def read(self) -> tuple[datetime, list[HealthRecord]]:
        """The server's time now and every till (the card office's chain too), by id."""
        with self._engine.connect() as conn:
            now = server_now(conn)
            records = [self._record(r) for r in conn.execute(self._query())]
            closed = self._closed_shifts(conn)
        return now, [_with_shift(r, closed.get(r.till_id)) for r in records]

    @staticmethod
    def _query() -> Any:
        h = HEARTBEATS.c
        cashier = UserRow.__table__.alias("cashier")
        return (select(TillRow.id, TillRow.name, TillRow.site, h.seen_at, h.app_version,
                       h.link_state, h.link_since, h.unsent, h.printer, h.printer_pending,
                       h.reader_ok, h.reader, h.shift_id, cashier.c.name.label("cashier"),
                       h.last_z_no, h.last_closed_at, h.last_difference)
                .select_from(TillRow)
                .outerjoin(HEARTBEATS, h.till_id == TillRow.id)
                .outerjoin(cashier, cashier.c.id == h.shift_cashier)
                .order_by(TillRow.id))

    @staticmethod
    def _record(r: Any) -> HealthRecord:
        return HealthRecord(r.id, r.name, r.site, r.seen_at, r.app_version or "",
                            r.link_state or "", r.link_since, r.unsent or 0, r.printer or "",
                            r.printer_pending or 0, r.reader_ok, r.reader or "",
                            r.shift_id is not None, r.cashier or "", r.last_z_no,
                            r.last_closed_at, r.last_difference)

    @staticmethod
    def _closed_shifts(conn: Connection) -> dict[int, tuple[int | None, datetime, int]]:
        """Each till's last closed shift in this database (a standalone site's own)."""
        s = ShiftRow
        last = (select(s.till_id, func.max(s.closed_at).label("at"))
                .where(s.closed_at.is_not(None)).group_by(s.till_id).subquery())
        rows = conn.execute(select(s.till_id, s.z_no, s.closed_at, s.difference)
                            .join(last, (last.c.till_id == s.till_id)
                                  & (last.c.at == s.closed_at)))
        return {r.till_id: (r.z_no, r.closed_at, r.difference or 0) for r in rows}


def _with_shift(r: HealthRecord, closed: tuple[int | None, datetime, int] | None
                ) -> HealthRecord:
    """The later of the heartbeat's last close and this database's own."""
    if closed is None or (r.last_closed_at is not None and r.last_closed_at >= closed[1]):
        return r
    return replace(r, last_z_no=closed[0], last_closed_at=closed[1],
                   last_difference=closed[2])


def server_now(conn: Connection) -> datetime:
    """The database server's clock (PostgreSQL); this machine's on SQLite (it is the server)."""
    if conn.dialect.name == "postgresql":
        at = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        assert isinstance(at, datetime)
        return at.astimezone(UTC)
    return datetime.now(UTC)
