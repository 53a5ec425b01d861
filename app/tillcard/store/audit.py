"""The append-only audit trail: who did what, where, why, outside the money path's own rows.

A void's money is in the journal; who approved it and why is here. The table refuses
UPDATE and DELETE (migration 0009), so a record once written stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, and_, func, insert, or_, select

from tillcard.store.schema import AuditRow, TillRow, UserRow

AUDIT_PAGE = 100  # lines per page of the back office's audit list


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


@dataclass(frozen=True)
class AuditFilter:
    """What the audit list narrows to; an empty field narrows nothing.

    ``subject`` matches anywhere in the subject, any case; ``since`` is inclusive and
    ``until`` exclusive (instants, so the caller decides what a day is).
    """

    action: str = ""
    subject: str = ""
    user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditLine:
    """One audit row as the back office shows it: names beside the ids."""

    id: int
    at: datetime
    user_id: int | None
    user_name: str
    action: str
    subject: str
    detail: str
    till_id: int | None
    till_name: str
    before: str
    after: str
    reason: str


AuditCursor = tuple[datetime, int]  # (at, id) of the last line of a page


@dataclass(frozen=True)
class AuditPage:
    lines: tuple[AuditLine, ...]
    after: AuditCursor | None  # ask again with this for older lines; None: no more


@dataclass(frozen=True)
class AuditActor:
    """Someone the list can be narrowed to (no secrets: managers read this too)."""

    id: int
    login: str
    name: str


def _like(text: str) -> str:
    """A LIKE pattern that finds ``text`` literally, wildcards and all."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(f: AuditFilter) -> list[ColumnElement[bool]]:
    a = AuditRow
    conds: list[ColumnElement[bool]] = []
    if f.action:
        conds.append(a.action == f.action)
    if f.subject.strip():
        conds.append(func.lower(a.subject).like(_like(f.subject.strip().lower()),
                                                 escape="\\"))
    if f.user_id is not None:
        conds.append(a.user_id == f.user_id)
    if f.since is not None:
        conds.append(a.at >= f.since)
    if f.until is not None:
        conds.append(a.at < f.until)
    return conds


class AuditQueries:
    """The audit trail read back: newest first, a page at a time, narrowed in SQL.

    Keyset pages on ``(at, id)``: the next page starts below the last line shown, so a
    long trail costs the same per page and rows written meanwhile never shift a page.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def page(self, f: AuditFilter, after: AuditCursor | None = None,
             limit: int = AUDIT_PAGE) -> AuditPage:
        if limit < 1:
            raise ValueError(f"a page holds at least one line, not {limit}")
        a = AuditRow
        q = (select(a.id, a.at, a.user_id, func.coalesce(UserRow.name, ""), a.action,
                    a.subject, a.detail, a.till_id, func.coalesce(TillRow.name, ""),
                    a.before, a.after, a.reason)
             .outerjoin(UserRow, UserRow.id == a.user_id)
             .outerjoin(TillRow, TillRow.id == a.till_id)
             .where(*_where(f)))
        if after is not None:
            at, row_id = after
            q = q.where(or_(a.at < at, and_(a.at == at, a.id < row_id)))
        q = q.order_by(a.at.desc(), a.id.desc()).limit(limit + 1)
        with self._engine.connect() as conn:
            rows = conn.execute(q).all()
        lines = tuple(AuditLine(*r) for r in rows[:limit])  # type: ignore[call-arg]
        more = len(rows) > limit and lines
        return AuditPage(lines, (lines[-1].at, lines[-1].id) if more else None)

    def actions(self) -> list[str]:
        """Every action the trail holds, for the list's filter."""
        with self._engine.connect() as conn:
            return list(conn.execute(select(AuditRow.action).distinct()
                                     .order_by(AuditRow.action)).scalars())

    def actors(self) -> list[AuditActor]:
        """Every user, by name (only the columns a manager may read at the centre)."""
        with self._engine.connect() as conn:
            return [AuditActor(r.id, r.login, r.name) for r in conn.execute(
                select(UserRow.id, UserRow.login, UserRow.name).order_by(UserRow.name,
                                                                        UserRow.id))]

    def standing(self, user_id: int) -> tuple[str, bool] | None:
        """A user's role and whether they are active now; ``None``: no such user."""
        with self._engine.connect() as conn:
            r = conn.execute(select(UserRow.role, UserRow.active)
                             .where(UserRow.id == user_id)).first()
            return None if r is None else (str(r.role), bool(r.active))
