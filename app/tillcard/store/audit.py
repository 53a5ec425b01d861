"""The append-only audit trail: who did what, where, why, outside the money path's own rows.

A void's money is in the journal; who approved it and why is here. The table refuses
UPDATE and DELETE (migration 0009), so a record once written stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select

from tillcard.store.schema import AuditRow


@dataclass(frozen=True)
class AuditEvent:
    at: datetime
    user_id: int | None
    action: str
    subject: str
    detail: str = ""
    till_id: int | None = None
    before: str = ""
    after: str = ""
    reason: str = ""


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, event: AuditEvent) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(AuditRow).values(
                at=event.at, user_id=event.user_id, action=event.action,
                subject=event.subject, detail=event.detail, till_id=event.till_id,
                before=event.before, after=event.after, reason=event.reason))

    def events(self, subject: str | None = None) -> list[AuditEvent]:
        q = select(AuditRow).order_by(AuditRow.id)
        if subject is not None:
            q = q.where(AuditRow.subject == subject)
        with self._engine.connect() as conn:
            return [AuditEvent(r.at, r.user_id, r.action, r.subject, r.detail, r.till_id,
                               r.before, r.after, r.reason)
                    for r in conn.execute(q)]
