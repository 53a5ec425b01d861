"""The ``site`` row: the site clock and the maximum amount, read and set in one place."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select, update

from tillcard.domain.clock import SiteClock
from tillcard.domain.site import SiteRules
from tillcard.store.schema import SiteRow


def load_rules(conn: Connection) -> SiteRules:
    """The site's rules; a database without its ``site`` row is a broken one."""
    row = conn.execute(select(SiteRow.time_zone, SiteRow.day_cutoff_min,
                              SiteRow.max_amount).where(SiteRow.id == 1)).first()
    if row is None:
        raise RuntimeError("the database has no site row: run `tillcard db upgrade`")
    return SiteRules(SiteClock(row.time_zone, row.day_cutoff_min), row.max_amount)


def site_rules(engine: Engine) -> SiteRules:
    with engine.connect() as conn:
        return load_rules(conn)


def set_rules(engine: Engine, rules: SiteRules) -> bool:
    """Write the site's rules; ``True`` when something changed (tills pull it)."""
    with engine.begin() as conn:
        if load_rules(conn) == rules:
            return False
        conn.execute(update(SiteRow).where(SiteRow.id == 1).values(
            time_zone=rules.clock.time_zone, day_cutoff_min=rules.clock.cutoff_minutes,
            max_amount=rules.max_amount, updated_at=datetime.now(UTC)))
    return True
