"""The journal's monthly partitions on PostgreSQL (migration 0020): list, create, detach.

A partition holds one calendar month in UTC, ``journal_YYYY_MM``; ``journal_default``
catches any entry whose month has no partition yet, so a sale never fails for want of
one. UTC and not the site's zone: a partition's bounds are fixed for ever, while
``site.time_zone`` is an admin's setting that may change (and a business day with its
cut-off is no calendar month in any zone anyway).

Months are created ahead by ``tillcard db upgrade`` and ``tillcard archive``
(``ensure_partitions``). A month whose entries already sit in the default partition is
split out of it (``_split_default``): the rows are moved, with the journal's insert
triggers paused (they were applied once already; their ids stay in the side tables).
Every DDL here waits at most ``LOCK_TIMEOUT`` for the journal's lock, so maintenance can
give up, never hold the tills' sales behind it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import Connection, text

DEFAULT = "journal_default"
# the side tables' rows for entries already in the journal (migration 0020, a bulk load)
SIDE_FILL = (
    "INSERT INTO journal_ids (id, created_at) SELECT id, created_at FROM journal",
    "INSERT INTO journal_voids (void_of) SELECT void_of FROM journal WHERE void_of IS NOT NULL",
    "INSERT INTO journal_corrections (refers_to) SELECT refers_to FROM journal "
    "WHERE kind = 'correction' AND refers_to IS NOT NULL",
)
AHEAD = 3  # months created beyond the current one
LOCK_TIMEOUT = "5s"
_NAME = re.compile(r"^journal_(\d{4})_(\d{2})$")


def month_of(at: datetime | date) -> date:
    """The first day of the UTC month holding ``at``."""
    if isinstance(at, datetime):
        at = at.astimezone(UTC).date()
    return at.replace(day=1)


def next_month(m: date) -> date:
    return date(m.year + m.month // 12, m.month % 12 + 1, 1)


def add_months(m: date, n: int) -> date:
    for _ in range(n):
        m = next_month(m)
    return m


def partition_name(m: date) -> str:
    return f"journal_{m.year:04d}_{m.month:02d}"


def parse_month(value: str) -> date:
    """``YYYY-MM`` as the first of that month; ValueError otherwise."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(f"a month is YYYY-MM, got {value!r}")
    return date(int(found.group(1)), int(found.group(2)), 1)


def bounds(m: date) -> tuple[str, str]:
    """The partition's range as timestamptz literals, UTC."""
    return f"{m.isoformat()} 00:00:00+00", f"{next_month(m).isoformat()} 00:00:00+00"


def is_partitioned(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.execute(text("SELECT relkind FROM pg_class WHERE oid = "
                             "to_regclass('journal')")).scalar_one_or_none()
    return kind == "p"


def months(conn: Connection) -> list[date]:
    """The months that have a partition, oldest first."""
    names = conn.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'journal'::regclass")).scalars()
    found = []
    for name in names:
        m = _NAME.match(str(name))
        if m:
            found.append(date(int(m.group(1)), int(m.group(2)), 1))
    return sorted(found)


def default_rows(conn: Connection) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {DEFAULT}")).scalar_one())


def _statement_triggers(conn: Connection) -> list[str]:
    """The journal's statement-level triggers (no TRUNCATE): partitions do not inherit them."""
    return [str(d) for d in conn.execute(text(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'journal'::regclass "
        "AND NOT tgisinternal AND tgtype & 1 = 0")).scalars()]


def _on(definition: str, table: str) -> str:
    return definition.replace(" ON public.journal ", f" ON public.{table} ")


def create_month(conn: Connection, m: date) -> bool:
    """The month's partition, if missing; False when it was there. Splits the default."""
    if m in months(conn):
        return False
    name = partition_name(m)
    lo, hi = bounds(m)
    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    waiting = conn.execute(text(
        f"SELECT count(*) FROM {DEFAULT} WHERE created_at >= :lo AND created_at < :hi"),
        {"lo": lo, "hi": hi}).scalar_one()
    if waiting:
        _split_default(conn, name, lo, hi)
    else:
        conn.execute(text(f"CREATE TABLE {name} PARTITION OF journal "
                          f"FOR VALUES FROM ('{lo}') TO ('{hi}')"))
    for trigger in _statement_triggers(conn):
        conn.execute(text(_on(trigger, name)))
    return True


def _split_default(conn: Connection, name: str, lo: str, hi: str) -> None:
    """Entries of the new month move out of the default partition (already applied)."""
    insert = [str(t) for t in conn.execute(text(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'journal'::regclass "
        "AND NOT tgisinternal AND tgtype & 4 <> 0 AND tgtype & 1 <> 0")).scalars()]
    conn.execute(text(f"ALTER TABLE journal DETACH PARTITION {DEFAULT}"))
    conn.execute(text(f"ALTER TABLE {DEFAULT} RENAME TO journal_default_split"))
    conn.execute(text(f"CREATE TABLE {name} PARTITION OF journal "
                      f"FOR VALUES FROM ('{lo}') TO ('{hi}')"))
    conn.execute(text(f"CREATE TABLE {DEFAULT} PARTITION OF journal DEFAULT"))
    for trigger in _statement_triggers(conn):
        conn.execute(text(_on(trigger, DEFAULT)))
    for t in insert:
        conn.execute(text(f'ALTER TABLE journal DISABLE TRIGGER "{t}"'))
    conn.execute(text("INSERT INTO journal SELECT * FROM journal_default_split"))
    for t in insert:
        conn.execute(text(f'ALTER TABLE journal ENABLE TRIGGER "{t}"'))
    conn.execute(text("DROP TABLE journal_default_split"))


def ensure_partitions(conn: Connection, through: date | None = None,
                      since: date | None = None) -> list[date]:
    """Every month from ``since`` through ``through`` gets its partition; those created.

    Defaults: this month through ``AHEAD`` months on. Nothing on SQLite or unpartitioned.
    """
    if not is_partitioned(conn):
        return []
    now = month_of(datetime.now(UTC))
    m = month_of(since) if since is not None else now
    last = month_of(through) if through is not None else add_months(now, AHEAD)
    made = []
    while m <= last:
        if create_month(conn, m):
            made.append(m)
        m = next_month(m)
    return made


def detach(conn: Connection, m: date) -> None:
    """The month's partition leaves the journal and is dropped.

    Its rows were archived first; their ids stay in ``journal_ids``, so none comes back.
    """
    name = partition_name(m)
    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    conn.execute(text(f"ALTER TABLE journal DETACH PARTITION {name}"))
    conn.execute(text(f"DROP TABLE {name}"))
