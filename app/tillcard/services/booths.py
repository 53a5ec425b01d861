"""Booth owners' revenue shares: read by managers, set by admins, always with a reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from tillcard.domain.permissions import Permission
from tillcard.services.auth import Session
from tillcard.store.booths import BoothShare, booth_shares, set_booth_share

MAX_BP = 10_000


class BoothShareError(ValueError):
    """A share that cannot be set: out of 0..100 %, no reason, an unknown booth."""


class BoothShares:
    def __init__(self, engine: Engine, now: Callable[[], datetime] | None = None) -> None:
        self._engine = engine
        self._now = now or (lambda: datetime.now(UTC))

    def list(self, session: Session) -> list[BoothShare]:
        session.require(Permission.REPORTS)
        return booth_shares(self._engine)

    def set(self, session: Session, booth: str, owner_bp: int, reason: str) -> int:
        """Set the owner's share in basis points; returns the share before.

        Raises:
            PermissionDenied: not an admin (reference data, like card types).
            BoothShareError: a share outside 0..10000, no reason, or no such booth.
        """
        session.require(Permission.CARD_TYPES)
        if isinstance(owner_bp, bool) or not isinstance(owner_bp, int) \
                or not 0 <= owner_bp <= MAX_BP:
            raise BoothShareError(f"a share is 0 to 100 %, got {owner_bp / 100} %")
        if not reason.strip():
            raise BoothShareError("say why the share changes (--reason)")
        known = {b.booth for b in booth_shares(self._engine)}
        if booth not in known:
            raise BoothShareError(f"no booth {booth!r}: booths are the tills' site names "
                                  f"({', '.join(sorted(known)) or 'none yet'})")
        return set_booth_share(self._engine, booth, owner_bp, session.user_id, self._now(),
                               reason.strip())
