"""A till's standing at the centre: its lease on its till id, and starting over.

Not money: plain calls of migration 0008's functions, once per sync cycle or by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text


@dataclass(frozen=True)
class Lease:
    """The centre's answer to a till asking for (or renewing) its till id."""

    granted: bool
    head: tuple[int, str]  # the centre's head of the till's chain
    holder_host: str | None = None  # who holds it, when refused
    until: datetime | None = None


def take_lease(engine: Engine, till_id: int, holder: str, host: str, seconds: int,
               unsent: int) -> Lease:
    """Take or renew the lease; ``seconds=0`` gives it back (a clean stop)."""
    doc = _call(engine, "SELECT tillcard_lease(:t, :h, :host, :s, :u)",
                t=till_id, h=holder, host=host, s=seconds, u=unsent)
    until = doc.get("until")
    return Lease(bool(doc["granted"]), (int(doc["head_seq"]), str(doc["head_hash"])),
                 doc.get("holder_host"),
                 None if until is None else datetime.fromisoformat(until))


def reprovision(engine: Engine, till_id: int, holds_unsent: int, note: str
                ) -> dict[str, Any]:
    """Record at the centre that this till starts over from the centre's chain head."""
    return _call(engine, "SELECT tillcard_reprovision(:t, :n, :note)",
                 t=till_id, n=holds_unsent, note=note)


def _call(engine: Engine, sql: str, **params: Any) -> dict[str, Any]:
    with engine.begin() as conn:
        doc = conn.execute(text(sql), params).scalar_one()
    assert isinstance(doc, dict)
    return doc
