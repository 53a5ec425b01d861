"""Whole months of the journal out to files, then out of the database (``tillcard archive``).

For each month before the one named: the month's partition is written with COPY (text
format, UTC, in each till's chain order) to ``journal-YYYY-MM.tsv.gz`` (gzip without a
timestamp: the same rows always make the same bytes) and described in
``journal-YYYY-MM.json``: rows, the file's SHA-256, each till's first and last entry
(seq, previous hash, hash) and what the month moved per card and per bonus grant. The file
is read back and checked against the manifest and the table; only then, in one
transaction, the manifest is recorded in ``journal_archive`` and the partition detached
and dropped. Entry ids stay in ``journal_ids``, so an archived id can never be reused.

Resumable: a month whose file exists is written again to a temporary file and must come
out byte for byte the same (a crash between writing and detaching), else it is refused.
``store.verify`` reads the recorded manifests (``--archive DIR``: the files themselves).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

from tillcard.store import partitions as parts
from tillcard.store.bulk_load import COLUMNS, decode_line


class ArchiveRefused(Exception):
    """What the command cannot do, said in one line."""


@dataclass(frozen=True)
class Done:
    month: date
    rows: int
    file: str
    resumed: bool


def data_name(m: date) -> str:
    return f"journal-{m:%Y-%m}.tsv.gz"


def manifest_name(m: date) -> str:
    return f"journal-{m:%Y-%m}.json"


def archived(conn: Connection) -> dict[date, dict[str, Any]]:
    """The manifests recorded in the database, by month (none before migration 0020)."""
    if conn.dialect.name != "postgresql" or conn.execute(text(
            "SELECT to_regclass('journal_archive')")).scalar_one() is None:
        return {}
    return {r.month: dict(r.manifest) for r in conn.execute(text(
        "SELECT month, manifest FROM journal_archive ORDER BY month"))}


def archive(engine: Engine, before: date, to: Path,
            now: datetime | None = None) -> list[Done]:
    """Archive every whole month before ``before`` (the first of a month)."""
    if engine.dialect.name != "postgresql":
        raise ArchiveRefused("only a PostgreSQL centre's journal is archived (SQLite: none)")
    current = parts.month_of(now or datetime.now(UTC))
    if before > current:
        raise ArchiveRefused(f"{before:%Y-%m} is not over yet: archive months before the "
                             f"current one ({current:%Y-%m}) only")
    to.mkdir(parents=True, exist_ok=True)
    with engine.begin() as conn:
        if not parts.is_partitioned(conn):
            raise ArchiveRefused("the journal is not partitioned: run `tillcard db upgrade`")
        oldest = conn.execute(text(f"SELECT min(created_at) FROM {parts.DEFAULT}")
                              ).scalar_one()
        if oldest is not None and parts.month_of(oldest) < before:
            parts.ensure_partitions(conn, since=parts.month_of(oldest))
        todo = [m for m in parts.months(conn) if m < before]
        done = archived(conn)
    clash = sorted(set(todo) & set(done))
    if clash:
        raise ArchiveRefused(f"{clash[0]:%Y-%m} is recorded as archived yet still has a "
                             "partition: look at it by hand")
    return [_month(engine, m, to) for m in todo]


def _month(engine: Engine, m: date, to: Path) -> Done:
    target, manifest_path = to / data_name(m), to / manifest_name(m)
    tmp = target.with_name(target.name + ".tmp")
    resumed = False
    with engine.connect() as conn, conn.execution_options(
            isolation_level="REPEATABLE READ").begin():  # the file and manifest: one moment
        conn.execute(text("SET LOCAL TimeZone = 'UTC'"))
        conn.execute(text("SET LOCAL DateStyle = 'ISO, YMD'"))
        digest, rows = _write(conn, m, tmp)
        if target.exists() and target.stat().st_size > 0:
            if file_sha256(target) != digest:
                tmp.unlink()
                raise ArchiveRefused(f"{target}: exists and holds something else than "
                                     f"{m:%Y-%m}'s entries: choose another folder")
            tmp.unlink()
            resumed = True
        else:
            tmp.replace(target)
        manifest = _manifest(conn, m, target.name, rows, digest)
    _check(target, manifest)
    _write_json(manifest_path, manifest)
    with engine.begin() as conn:
        name = parts.partition_name(m)
        conn.execute(text(f"SET LOCAL lock_timeout = '{parts.LOCK_TIMEOUT}'"))
        # a late back-fill into this month waits (or lands after the detach, in the
        # default partition): none can slip in between the count and the drop
        conn.execute(text(f"LOCK TABLE {name} IN SHARE MODE"))
        count = conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
        if count != manifest["rows"]:
            raise ArchiveRefused(f"{m:%Y-%m}: {count} entries now, {manifest['rows']} "
                                 "written: entries arrived meanwhile; run it again")
        conn.execute(text(
            "INSERT INTO journal_archive (month, file, rows, sha256, manifest, archived_at) "
            "VALUES (:m, :f, :r, :s, CAST(:doc AS json), now())"),
            {"m": m, "f": target.name, "r": rows, "s": digest, "doc": json.dumps(manifest)})
        parts.detach(conn, m)
    return Done(m, rows, target.name, resumed)


def _write(conn: Connection, m: date, tmp: Path) -> tuple[str, int]:
    raw = conn.connection.driver_connection
    assert raw is not None
    rows = 0
    sql = (f"COPY (SELECT {', '.join(COLUMNS)} FROM {parts.partition_name(m)} "
           "ORDER BY till_id, seq) TO STDOUT")
    with tmp.open("wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f,
                                            mtime=0) as gz, \
            raw.cursor() as cur, cur.copy(sql) as copy:
        for block in copy:
            data = bytes(block)
            rows += data.count(b"\n")
            gz.write(data)
    return file_sha256(tmp), rows


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _manifest(conn: Connection, m: date, name: str, rows: int, digest: str
              ) -> dict[str, Any]:
    """What the month holds, computed by the database from the partition itself."""
    part = parts.partition_name(m)
    tills = {str(r.till_id): {"rows": r.n, "first_seq": r.first_seq,
                              "first_prev_hash": r.first_prev, "last_seq": r.last_seq,
                              "last_hash": r.last_hash}
             for r in conn.execute(text(f"""
                 SELECT till_id, count(*) AS n, min(seq) AS first_seq, max(seq) AS last_seq,
                        (array_agg(prev_hash ORDER BY seq))[1] AS first_prev,
                        (array_agg(hash ORDER BY seq DESC))[1] AS last_hash
                   FROM {part} GROUP BY till_id ORDER BY till_id"""))}
    cards = {str(r.card_id): [int(r.cash), int(r.bonus), int(r.allow)]
             for r in conn.execute(text(f"""
                 SELECT card_id, sum(cash_delta) AS cash, sum(bonus_delta) AS bonus,
                        sum(allowance_delta) AS allow
                   FROM {part} GROUP BY card_id ORDER BY card_id"""))}
    moved = {str(r.gid): int(r.total) for r in conn.execute(text(f"""
        SELECT x->>0 AS gid, sum((x->>1)::bigint) AS total
          FROM {part}, json_array_elements(bonus_parts::json) x
         WHERE bonus_parts <> '[]' GROUP BY 1 ORDER BY 1"""))}
    made = {str(r.grant_id): [r.card_id, int(r.grant_amount), r.grant_expires_on.isoformat(),
                              str(r.id)]
            for r in conn.execute(text(f"""
                SELECT grant_id, card_id, grant_amount, grant_expires_on, id
                  FROM {part} WHERE grant_id IS NOT NULL ORDER BY grant_id"""))}
    lo, hi = parts.bounds(m)
    return {"month": f"{m:%Y-%m}", "from": lo, "to": hi, "file": name, "rows": rows,
            "sha256": digest, "columns": list(COLUMNS), "tills": tills, "cards": cards,
            "grant_parts": moved, "grants_made": made}


def _check(path: Path, manifest: dict[str, Any]) -> None:
    """The file read back: its digest, its rows, each till's first and last entry."""
    if file_sha256(path) != manifest["sha256"]:
        raise ArchiveRefused(f"{path}: read back, its SHA-256 differs from what was written")
    seen: dict[str, dict[str, Any]] = {}
    n = 0
    for row in read_rows(path):
        n += 1
        t = seen.setdefault(str(row.till_id), {"rows": 0, "first_seq": row.seq,
                                               "first_prev_hash": row.prev_hash})
        t["rows"] += 1
        t["last_seq"], t["last_hash"] = row.seq, row.hash
    if n != manifest["rows"] or seen != manifest["tills"]:
        raise ArchiveRefused(f"{path}: read back, its entries differ from the table's")


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


class ArchivedRow:
    """One archived line, with the attributes ``mapping.entry_from`` reads."""

    __slots__ = COLUMNS

    def __init__(self, values: dict[str, Any]) -> None:
        for k, v in values.items():
            setattr(self, k, v)

    def __getattr__(self, name: str) -> Any:  # for mypy: the slots are set in __init__
        raise AttributeError(name)


def read_rows(path: Path) -> Iterator[ArchivedRow]:
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as f:
        for line in f:
            yield ArchivedRow(decode_line(line.rstrip("\n")))
