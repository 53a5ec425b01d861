"""Pull: the rows the centre changed since this till's cursor, without ever missing one.

Rows carry the id of the transaction that last wrote them (``changed_xid``). A pull reads
in one REPEATABLE READ snapshot S every row whose writer is not older than the cursor,
then sets the cursor to S's xmin: every transaction below xmin had finished when S was
taken, so its rows were in S and have been copied; a transaction at or above xmin may
commit later and is read again next time. A plain "version > last seen" sequence would
skip a transaction that took its number early and committed late.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Engine, MetaData, Table, select, text

from tillcard.store.schema import UserRow
from tillcard.sync.cache import REPLICATED, TillCache

# A till reads users through the centre's view of those who may sign in at a till
# (cashiers and managers): admins' credentials never reach a till.
TILL_USERS = Table("till_users", MetaData(),
                   *[Column(c.name, c.type) for c in UserRow.__table__.c])


@dataclass(frozen=True)
class PullResult:
    rows: int
    cursor: int


def pull(central: Engine, cache: TillCache) -> PullResult:
    since = cache.cursor()
    rows: dict[str, list[dict[str, Any]]] = {}
    with central.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            xmin = int(conn.execute(text(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")).scalar_one())
            for model, _key in REPLICATED:
                table: Table = model.__table__
                source = TILL_USERS if table.name == "users" else table
                q = select(source)
                if since:  # else the first pull: everything
                    q = q.where(source.c.changed_xid >= since)
                rows[table.name] = [dict(r._mapping) for r in conn.execute(q)]
    n = cache.apply_pull(rows, xmin)
    return PullResult(n, xmin)
