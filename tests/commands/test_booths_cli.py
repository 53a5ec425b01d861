"""``tillcard booths``: an admin sets a booth owner's share, audited; the report splits by it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from tests.commands import test_users_cli
from tests.commands.test_users_cli import Cli, one_line
from tillcard.domain.cards import CardType
from tillcard.domain.permissions import Role
from tillcard.domain.reports import ReportKind
from tillcard.services.auth import Session
from tillcard.services.reports import ReportService
from tillcard.store.day_totals import facts
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.schema import AuditRow
from tillcard.store.site import site_rules

NOODLES = "Noodle Bar 面馆"
db, cli = test_users_cli.db, test_users_cli.cli  # the same fixtures: both engines


def test_an_admin_sets_a_share_and_the_booths_report_splits_by_it(cli: Cli) -> None:
    cli.first_admin()
    refs = cli.refs()
    refs.ensure_till(3, "Till 3", NOODLES)
    code, out, err = cli.as_root("booths", "share", NOODLES, "25%", "--reason",
                                 "lease 2027 租约")
    assert (code, err) == (0, ""), err
    assert "owner 0.00 % → 25.00 %" in out
    code, out, _ = cli.as_root("booths")
    assert f"{NOODLES}\t1 till(s)\towner 25.00 %" in out
    with cli.engine().connect() as conn:
        audit = conn.execute(select(AuditRow.action, AuditRow.reason, AuditRow.after)
                             .where(AuditRow.action == "booth_share")).one()
    assert audit.reason == "lease 2027 租约"
    assert '"owner_bp": 2500' in audit.after

    engine = cli.engine()
    card = refs.add_card("N1", refs.add_holder("王小明"),
                         refs.add_card_type(CardType("staff", "Staff")))
    now = datetime.now(UTC)
    ledger = Ledger(engine)
    ledger.recharge(uuid.uuid4(), 3, card, 10_000, now)
    assert ledger.sale(SaleRequest(uuid.uuid4(), 3, card, 1_000, now)).entry is not None
    today = site_rules(engine).clock.business_day(now)
    report = ReportService(engine, facts=facts).run(
        Session(1, "root", "Zhao Min", Role.ADMIN), ReportKind.BOOTHS, today, today)
    [row] = [r for r in report.rows if r[0] == NOODLES]
    owner = [c.key for c in report.columns].index("owner_part")
    site = [c.key for c in report.columns].index("site_part")
    assert (row[site], row[owner]) == (750, 250)


def test_refusals_are_one_line(cli: Cli) -> None:
    cli.first_admin()
    cli.refs().ensure_till(3, "Till 3", NOODLES)
    code, _, err = cli.as_root("booths", "share", NOODLES, "120", "--reason", "x")
    assert code == 2
    assert "0 to 100" in one_line(err)
    code, _, err = cli.as_root("booths", "share", "Nowhere", "10", "--reason", "x")
    assert code == 2
    assert "no booth 'Nowhere'" in one_line(err)
    code, _, err = cli.as_root("booths", "share", NOODLES, "10", "--reason", " ")
    assert code == 2
    assert "why" in one_line(err)


def test_a_manager_reads_but_may_not_set(cli: Cli) -> None:
    import pytest

    from tillcard.services.auth import PermissionDenied
    from tillcard.services.booths import BoothShares

    cli.first_admin()
    cli.refs().ensure_till(3, "Till 3", NOODLES)
    shares = BoothShares(cli.engine())
    manager = Session(2, "wang", "Wang Fang", Role.MANAGER)
    assert [b.booth for b in shares.list(manager)] == [NOODLES]
    with pytest.raises(PermissionDenied):
        shares.set(manager, NOODLES, 5_000, "mine now")
    assert shares.list(manager)[0].owner_bp == 0
