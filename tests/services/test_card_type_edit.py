"""Editing a card type: every setting round-trips, meal windows are rewritten in place,
the audit names only what changed, bad values and overlapping windows are refused, and
only an admin (still active) may — on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from sqlalchemy import Engine, select

from tests.conftest import NOW, Books, make_books
from tillcard.domain.cards import BonusTier, CardType, RechargeRule
from tillcard.domain.meals import MealWindow
from tillcard.domain.money import Currency
from tillcard.domain.permissions import Role
from tillcard.domain.rules import RefusalCode
from tillcard.services.auth import AuthService, PermissionDenied, SecretHasher, Session
from tillcard.services.card_types import (
    CardTypeAdmin,
    CardTypeError,
    CardTypeInputError,
    CardTypeSetup,
)
from tillcard.services.users import UserAdmin
from tillcard.store.audit import AuditLog
from tillcard.store.ledger import SaleRequest
from tillcard.store.schema import MealWindowRow

PASSWORD = "correct horse"
LUNCH = MealWindow("Lunch", 11 * 60, 13 * 60 + 30, count_limit=1, fixed_price=1_200)
BREAKFAST = MealWindow("Breakfast", 7 * 60, 9 * 60)
SUPPER = MealWindow("Supper", 17 * 60, 24 * 60, count_limit=2)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    value: Engine = request.getfixturevalue("sqlite_engine" if request.param == "sqlite"
                                            else "pg_engine")
    return value


class Site:
    def __init__(self, engine: Engine, hasher: SecretHasher) -> None:
        self.books: Books = make_books(engine)
        self.refs = self.books.refs
        self.audit = AuditLog(engine)
        self.auth = AuthService(self.refs, hasher, clock=lambda: NOW)
        self.users = UserAdmin(self.refs, hasher, clock=lambda: NOW)
        self.users.create_first_admin("root", "Zhao Min", PASSWORD)
        self.admin = self.auth.login("root", PASSWORD)
        self.types = CardTypeAdmin(self.refs, currency=Currency(), till_id=7,
                                   clock=lambda: NOW)

    def session_as(self, role: Role) -> Session:
        if role is Role.ADMIN:
            return self.admin
        login = f"a-{role}"
        if self.refs.user_by_login(login) is None:
            self.users.add(self.admin, login, f"A {role}", role, PASSWORD)
        return self.auth.login(login, PASSWORD)

    def setup(self, code: str) -> CardTypeSetup:
        return next(s for s in self.types.setups(self.admin) if s.card_type.code == code)

    def windows(self, code: str) -> list[tuple[int, str]]:
        type_id = self.books.types[code]
        with self.books.engine.connect() as conn:
            return [(r.position, r.name) for r in conn.execute(
                select(MealWindowRow.position, MealWindowRow.name)
                .where(MealWindowRow.card_type_id == type_id)
                .order_by(MealWindowRow.position))]


@pytest.fixture
def site(engine: Engine, hasher: SecretHasher) -> Site:
    return Site(engine, hasher)


def full_edit(ct: CardType) -> CardType:
    return replace(ct, name="Staff canteen", discount_bp=1_250, per_txn_limit=2_000,
                   daily_amount_limit=6_000, daily_count_limit=3, pin_above=1_500,
                   offline_limit=4_000, validity_days=365,
                   recharge=RechargeRule(500, (BonusTier(10_000, 1_000),
                                               BonusTier(20_000, 3_000)), 60),
                   meal_windows=(BREAKFAST, LUNCH, SUPPER), refuse_outside_windows=True,
                   spend_order=("allowance", "bonus", "cash"), allowance_reset="period")


def test_every_setting_of_a_type_is_edited_and_read_back(site: Site) -> None:
    old = site.setup("staff")
    new = CardTypeSetup(full_edit(old.card_type), deposit=2_000, card_fee=500)

    assert site.types.update(site.admin, new, reason="new canteen rules") is True

    assert site.setup("staff") == new
    assert next(t for t in site.refs.card_types() if t.code == "staff") == new.card_type
    assert site.windows("staff") == [(1, "Breakfast"), (2, "Lunch"), (3, "Supper")]
    [event] = [e for e in site.audit.events("card_type:staff")]
    assert (event.action, event.user_id, event.till_id, event.at, event.reason) == (
        "card_type_edit", site.admin.user_id, 7, NOW, "new canteen rules")
    assert "discount=10.00%" in event.before and "discount=12.50%" in event.after
    assert "deposit=0.00" in event.before and "deposit=20.00" in event.after
    assert ("meal_windows=Breakfast 07:00–09:00; Lunch 11:00–13:30 x1 @12.00; "
            "Supper 17:00–24:00 x2") in event.after
    assert "bonus_tiers=100.00:10.00,200.00:30.00" in event.after


def test_the_audit_names_only_what_changed(site: Site) -> None:
    old = site.setup("standard")
    new = replace(old, card_type=replace(old.card_type, per_txn_limit=5_000))

    assert site.types.update(site.admin, new)

    [event] = site.audit.events("card_type:standard")
    assert (event.before, event.after) == ("per_sale_limit=none", "per_sale_limit=50.00")


def test_an_edit_that_changes_nothing_writes_nothing(site: Site) -> None:
    assert site.types.update(site.admin, site.setup("bonus")) is False
    assert site.audit.events("card_type:bonus") == []


def test_windows_are_rewritten_in_place_and_fewer_drop_the_rest(site: Site) -> None:
    old = site.setup("standard")
    three = replace(old, card_type=replace(old.card_type,
                                           meal_windows=(SUPPER, BREAKFAST, LUNCH)))
    site.types.update(site.admin, three)
    assert site.windows("standard") == [(1, "Breakfast"), (2, "Lunch"), (3, "Supper")]

    one = replace(old, card_type=replace(old.card_type, meal_windows=(
        replace(LUNCH, name="Dinner", start_min=18 * 60, end_min=20 * 60),)))
    site.types.update(site.admin, one)

    assert site.windows("standard") == [(1, "Dinner")]
    assert site.setup("standard").card_type.meal_windows == one.card_type.meal_windows
    site.types.update(site.admin, old)
    assert site.windows("standard") == []


def test_cards_of_the_type_follow_the_edit_at_once(site: Site) -> None:
    card = site.books.card("9001", "standard", cash=10_000)
    old = site.setup("standard")
    site.types.update(site.admin, replace(old, card_type=replace(
        old.card_type, per_txn_limit=1_000)))

    out = site.books.ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 1_500, NOW,
                                             cashier_id=1))

    assert out.refusal is not None and out.refusal.code is RefusalCode.OVER_TXN_LIMIT


def test_overlapping_windows_are_refused_and_nothing_is_written(site: Site) -> None:
    old = site.setup("staff")
    late_lunch = MealWindow("Late lunch", 13 * 60, 14 * 60)
    bad = replace(old, card_type=replace(old.card_type, meal_windows=(LUNCH, late_lunch)))

    with pytest.raises(CardTypeInputError, match="'Lunch' and 'Late lunch' overlap"):
        site.types.update(site.admin, bad)

    assert site.setup("staff") == old
    assert site.windows("staff") == []
    assert site.audit.events("card_type:staff") == []


@pytest.mark.parametrize(("change", "message"), [
    ({"deposit": -1}, "a deposit is 0 or more"),
    ({"card_fee": -5}, "a card fee is 0 or more"),
    ({"per_txn_limit": 0}, "a per-sale limit is above 0"),
    ({"daily_count_limit": -1}, "a daily count limit is above 0"),
    ({"validity_days": 0}, "a validity in days is above 0"),
    ({"name": "  "}, "needs a name"),
    ({"recharge": RechargeRule(0, (BonusTier(100, 10), BonusTier(100, 20)))},
     "two bonus tiers start at the same amount"),
    ({"recharge": RechargeRule(0, (), 0)}, "expiry in days is above 0"),
    ({"meal_windows": (replace(LUNCH, fixed_price=0),)}, "fixed price of 'Lunch'"),
    ({"meal_windows": (replace(LUNCH, count_limit=0),)}, "count limit of 'Lunch'"),
    ({"meal_windows": tuple(MealWindow(f"W{i}", i * 60, i * 60 + 30) for i in range(6))},
     "at most 5 meal windows"),
])
def test_values_no_till_could_sell_with_are_refused(site: Site, change: dict[str, object],
                                                    message: str) -> None:
    old = site.setup("staff")
    fees = {k: v for k, v in change.items() if k in ("deposit", "card_fee")}
    rest = {k: v for k, v in change.items() if k not in fees}
    bad = replace(old, card_type=replace(old.card_type, **rest), **fees)  # type: ignore[arg-type]
    with pytest.raises(CardTypeInputError, match=message):
        site.types.update(site.admin, bad)
    assert site.setup("staff") == old


def test_unknown_and_walk_in_types_are_refused(site: Site) -> None:
    with pytest.raises(CardTypeError, match="no card type 'ghost'"):
        site.types.update(site.admin, CardTypeSetup(CardType("ghost", "Ghost")))
    walk_in = next(t for t in site.refs.card_type_setups() if t.card_type.code == "walk_in")
    with pytest.raises(CardTypeError, match="nothing to edit"):
        site.types.update(site.admin, replace(walk_in, deposit=100))
    assert "walk_in" not in [s.card_type.code for s in site.types.setups(site.admin)]


def test_a_new_type_takes_its_deposit_and_fee(site: Site) -> None:
    ct = CardType("visitor", "Visitor", meal_windows=(LUNCH,))
    site.types.add(site.admin, ct, deposit=1_000, card_fee=200)
    assert site.setup("visitor") == CardTypeSetup(ct, 1_000, 200)


@pytest.mark.parametrize("role", list(Role))
def test_only_an_admin_reads_adds_or_edits_types(site: Site, role: Role) -> None:
    """The permission matrix for what the editor adds: setups, update, add with fees."""
    session = site.session_as(role)
    old = site.setup("standard")
    edit = replace(old, deposit=300)
    calls = {
        "setups": lambda: site.types.setups(session),
        "update": lambda: site.types.update(session, edit),
        "add": lambda: site.types.add(session, CardType(f"t-{role}", "T"), deposit=1),
    }
    for name, call in calls.items():
        if role is Role.ADMIN:
            call()
        else:
            with pytest.raises(PermissionDenied):
                call()
            assert site.setup("standard") == old, name
    assert (site.setup("standard").deposit == 300) is (role is Role.ADMIN)


def test_a_disabled_admin_keeps_no_rights_from_an_old_session(site: Site) -> None:
    site.users.add(site.admin, "root2", "Qian Li", Role.ADMIN, PASSWORD)
    other = site.auth.login("root2", PASSWORD)
    site.users.disable(site.admin, "root2")
    old = site.setup("standard")
    with pytest.raises(PermissionDenied, match="sign in again"):
        site.types.update(other, replace(old, deposit=1))
    assert site.setup("standard") == old
