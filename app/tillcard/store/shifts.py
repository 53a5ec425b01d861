"""A till's shifts in its own database: at most one open, Z numbers without gaps, frozen Zs.

The database holds the guarantees, not the code above it: a partial unique index allows
one open shift per till, the Z number is taken as the till's last plus one in the same
transaction that closes the shift (SQLite's ``BEGIN IMMEDIATE`` serialises that), and a
trigger refuses any change to a closed shift.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from tillcard.domain.cash import CashCount
from tillcard.store.schema import ShiftRow


class ShiftAlreadyOpen(Exception):
    """This till has an open shift already; close it first."""


@dataclass(frozen=True)
class OpenShift:
    id: uuid.UUID
    till_id: int
    opened_at: datetime
    opened_by: int
    float_count: CashCount
    open_mark: int  # the till's record up to here belongs to earlier shifts


@dataclass(frozen=True)
class ClosedShift:
    id: uuid.UUID
    z_no: int
    snapshot: str


def _count(text: str) -> CashCount:
    return CashCount(tuple((int(d), int(n)) for d, n in json.loads(text)))


class ShiftStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def open(self, till_id: int, opened_by: int, float_count: CashCount, at: datetime,
             mark: int) -> OpenShift:
        shift = OpenShift(uuid.uuid4(), till_id, at, opened_by, float_count, mark)
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(ShiftRow).values(
                    id=shift.id, till_id=till_id, opened_at=at, opened_by=opened_by,
                    open_mark=mark,
                    float_counts=json.dumps(list(float_count.pieces)),
                    float_total=float_count.total))
        except IntegrityError as exc:
            raise ShiftAlreadyOpen(f"till {till_id} has an open shift") from exc
        return shift

    def current(self, till_id: int) -> OpenShift | None:
        with self._engine.connect() as conn:
            r = conn.execute(select(ShiftRow.__table__).where(
                ShiftRow.till_id == till_id, ShiftRow.closed_at.is_(None))).first()
        if r is None:
            return None
        return OpenShift(r.id, r.till_id, r.opened_at, r.opened_by, _count(r.float_counts),
                         r.open_mark)

    def close(self, shift_id: uuid.UUID, till_id: int, closed_at: datetime, closed_by: int,
              close_mark: int, counted_total: int, expected: int, approved_by: int | None,
              snapshot_for: Any) -> ClosedShift:
        """Number the Z and freeze it; ``snapshot_for(z_no)`` writes what is printed."""
        with self._engine.begin() as conn:
            last = conn.execute(select(func.max(ShiftRow.z_no)).where(
                ShiftRow.till_id == till_id)).scalar_one()
            z_no = (last or 0) + 1
            snapshot = str(snapshot_for(z_no))
            done = conn.execute(update(ShiftRow).where(
                ShiftRow.id == shift_id, ShiftRow.closed_at.is_(None)).values(
                z_no=z_no, closed_at=closed_at, closed_by=closed_by, close_mark=close_mark,
                counted_total=counted_total, expected=expected,
                difference=counted_total - expected, approved_by=approved_by,
                snapshot=snapshot))
            if done.rowcount != 1:
                raise ShiftAlreadyOpen("this shift is not open any more")
        return ClosedShift(shift_id, z_no, snapshot)

    def z(self, till_id: int, z_no: int) -> str | None:
        """The frozen Z, as printed."""
        with self._engine.connect() as conn:
            return conn.execute(select(ShiftRow.snapshot).where(
                ShiftRow.till_id == till_id, ShiftRow.z_no == z_no)).scalar_one_or_none()

    def last_z(self, till_id: int) -> str | None:
        with self._engine.connect() as conn:
            return conn.execute(select(ShiftRow.snapshot).where(
                ShiftRow.till_id == till_id, ShiftRow.z_no.is_not(None))
                .order_by(ShiftRow.z_no.desc()).limit(1)).scalar_one_or_none()

    def z_numbers(self, till_id: int) -> list[int]:
        with self._engine.connect() as conn:
            return [int(z or 0) for z in conn.execute(select(ShiftRow.z_no).where(
                ShiftRow.till_id == till_id, ShiftRow.z_no.is_not(None))
                .order_by(ShiftRow.z_no)).scalars()]
