"""The site's booths and each booth owner's share of its revenue (``booth_shares``).

A booth is the ``site`` name of its tills; a share is set by an admin and audited in the
same transaction, so the booths report's split always has its why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select, update

from tillcard.store.day_totals import BOOTH_SHARES
from tillcard.store.schema import AuditRow, TillRow


@dataclass(frozen=True)
class BoothShare:
    booth: str
    tills: int  # tills named with this booth
    owner_bp: int  # the owner's part of its revenue, basis points (0: all the site's)


def booth_shares(engine: Engine) -> list[BoothShare]:
    """Every booth a till names or a share was set for, by name."""
    with engine.connect() as conn:
        tills: dict[str, int] = {}
        for (booth,) in conn.execute(select(TillRow.site)):
            if booth:
                tills[booth] = tills.get(booth, 0) + 1
        shares = {r[0]: r[1] for r in conn.execute(select(BOOTH_SHARES.c.booth,
                                                          BOOTH_SHARES.c.owner_bp))}
    return [BoothShare(b, tills.get(b, 0), shares.get(b, 0))
            for b in sorted(set(tills) | set(shares))]


def set_booth_share(engine: Engine, booth: str, owner_bp: int, user_id: int, at: datetime,
                    reason: str) -> int:
    """Set (0: remove) a booth owner's share with its audit line; the share before."""
    t = BOOTH_SHARES.c
    with engine.begin() as conn:
        before = conn.execute(select(t.owner_bp).where(t.booth == booth)).scalar_one_or_none()
        if owner_bp == 0:
            conn.execute(delete(BOOTH_SHARES).where(t.booth == booth))
        elif before is None:
            conn.execute(insert(BOOTH_SHARES).values(booth=booth, owner_bp=owner_bp))
        else:
            conn.execute(update(BOOTH_SHARES).where(t.booth == booth)
                         .values(owner_bp=owner_bp))
        conn.execute(insert(AuditRow).values(
            at=at, user_id=user_id, action="booth_share", subject=f"booth {booth}"[:80],
            detail="", before=json.dumps({"owner_bp": before or 0}),
            after=json.dumps({"owner_bp": owner_bp}), reason=reason))
    return before or 0
