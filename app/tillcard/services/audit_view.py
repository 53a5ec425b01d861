"""The audit trail for managers and admins: narrowed, newest first, a page at a time.

Who did what to cards and users is itself sensitive (names, reasons, before and after),
so reading it asks for ``Permission.AUDIT`` here, on every page, not in the screen. A
back-office session lasts hours: a user disabled or demoted meanwhile is refused too.
Days are the site's business days (its time zone and cut-off), as in every report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tillcard.domain.clock import SiteClock
from tillcard.domain.permissions import Permission
from tillcard.services.auth import PermissionDenied, Session
from tillcard.store.audit import (
    AUDIT_PAGE,
    AuditActor,
    AuditCursor,
    AuditFilter,
    AuditLine,
    AuditPage,
    AuditQueries,
)

__all__ = ["AuditActor", "AuditCursor", "AuditLine", "AuditPage", "AuditQuery",
           "AuditQueryError", "AuditView"]


class AuditQueryError(ValueError):
    """A filter that can match nothing by construction (the last day before the first)."""


@dataclass(frozen=True)
class AuditQuery:
    """What the office asks for; empty fields narrow nothing, days are inclusive."""

    action: str = ""
    subject: str = ""
    user_id: int | None = None
    first_day: date | None = None
    last_day: date | None = None


class AuditView:
    """``clock`` reads the site clock when a day range needs it (it may change)."""

    def __init__(self, queries: AuditQueries, clock: Callable[[], SiteClock]) -> None:
        self._queries = queries
        self._clock = clock

    def page(self, session: Session, query: AuditQuery, after: AuditCursor | None = None,
             limit: int = AUDIT_PAGE) -> AuditPage:
        self._require(session)
        return self._queries.page(self._filter(query), after, limit)

    def actions(self, session: Session) -> list[str]:
        self._require(session)
        return self._queries.actions()

    def actors(self, session: Session) -> list[AuditActor]:
        self._require(session)
        return self._queries.actors()

    def _filter(self, q: AuditQuery) -> AuditFilter:
        if q.first_day and q.last_day and q.first_day > q.last_day:
            raise AuditQueryError(f"the first day {q.first_day} is after the last day "
                                  f"{q.last_day}")
        since = until = None
        if q.first_day is not None or q.last_day is not None:
            clock = self._clock()
            if q.first_day is not None:
                since = clock.day_bounds(q.first_day)[0]
            if q.last_day is not None:
                until = clock.day_bounds(q.last_day)[1]
        return AuditFilter(q.action.strip(), q.subject.strip(), q.user_id, since, until)

    def _require(self, session: Session) -> None:
        session.require(Permission.AUDIT)
        standing = self._queries.standing(session.user_id)
        if standing is None or standing != (session.role.value, True):
            raise PermissionDenied(f"{session.name} is no longer an active {session.role}: "
                                   "sign in again")
