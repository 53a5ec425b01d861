"""The card office's functions against hostile logins: only an admin's, for its own till.

A till PC's login (role ``tillcard_till``, made as ``tests/security/test_till_attacks.py``
makes it) and a manager's login try every function of migration 0013, with typed empty
arguments and with arguments that would move real money; an admin's login tries another
till's chain, a cashier's user id, and the internal helpers that write entries and audit
rows. Nothing moves, and ``verify`` stays clean.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import OFFICE, Books
from tests.pg import CentreClock, till_login_engine
from tillcard.domain.cards import CardType
from tillcard.domain.meals import MealWindow
from tillcard.domain.office import IssueRequest
from tillcard.store.engine import make_engine
from tillcard.store.ledger import NotPermitted
from tillcard.store.migrations.sql_0013 import ADMIN, INTERNAL
from tillcard.store.pg_office import PgOffice
from tillcard.store.reference import CardTypeSetup, ReferenceStore
from tillcard.store.roles import create_roles
from tillcard.store.schema import AuditRow, MealWindowRow, PurseRow
from tillcard.store.verify import verify

pytestmark = pytest.mark.postgres

NO_EXECUTE = "42501"


@dataclass
class Site:
    owner: Books
    till: Engine  # till 1's own login, role tillcard_till
    manager: Engine  # role tillcard_manager
    admin: Engine  # role tillcard_admin, bound to the office's till
    admin_user: int
    card: int

    def money(self) -> tuple[int, int]:
        with self.owner.engine.connect() as conn:
            total = conn.execute(select(func.sum(PurseRow.cash + PurseRow.bonus
                                                 + PurseRow.allowance))).scalar_one()
            audit = conn.execute(select(func.count()).select_from(AuditRow)).scalar_one()
        return int(total), int(audit)

    def clean(self, before: tuple[int, int]) -> None:
        assert self.money() == before
        rep = verify(self.owner.engine)
        assert rep.ok, rep.problems[:5]


LOGINS: list[str] = []  # dropped by the fixture: logins outlive throwaway databases


def _login(url: str, owner: Engine, role: str, till: int | None) -> Engine:
    login = f"{role.removeprefix('tillcard_')}_{uuid.uuid4().hex[:8]}"
    LOGINS.append(login)
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN"))
        conn.execute(text(f"GRANT {role} TO {login}"))
    if till is not None:
        ReferenceStore(owner).bind_login(till, login)
    return make_engine(make_url(url).set(username=login).render_as_string(
        hide_password=False))


@pytest.fixture
def site(pg_books: Books, pg_url: str, centre_clock: CentreClock) -> Iterator[Site]:
    centre_clock.set(None)
    create_roles(pg_books.engine)
    admin_user = pg_books.refs.add_user("office-admin", "Zhao Lei", "admin", "not-a-hash")
    card = pg_books.card("7001", "bonus")
    engines = (till_login_engine(pg_url, pg_books.engine, till_id=1),
               _login(pg_url, pg_books.engine, "tillcard_manager", None),
               _login(pg_url, pg_books.engine, "tillcard_admin", OFFICE))
    PgOffice(engines[2], OFFICE).recharge(admin_user, uuid.uuid4(), card, 10_000,
                                          datetime.now(UTC))
    yield Site(pg_books, *engines, admin_user=admin_user, card=card)
    for e in engines:
        e.dispose()
    with pg_books.engine.begin() as conn:
        while LOGINS:
            conn.execute(text(f"DROP ROLE IF EXISTS {LOGINS.pop()}"))


def test_an_admin_login_edits_meal_windows_in_the_types_editor(site: Site):
    """The card types editor writes meal windows as the admin's own login."""
    refs = ReferenceStore(site.admin)
    lunch = MealWindow("Lunch", 11 * 60, 13 * 60, count_limit=1, fixed_price=1_200)
    type_id = refs.add_card_type(CardType("canteen", "Canteen", meal_windows=(lunch,)))
    assert refs.update_card_type(CardTypeSetup(CardType("canteen", "Canteen")))
    with site.owner.engine.connect() as conn:
        left = conn.execute(select(func.count()).select_from(MealWindowRow).where(
            MealWindowRow.card_type_id == type_id)).scalar_one()
    assert left == 0


def _typed_nulls(signature: str) -> str:
    """``SELECT f(NULL::t1, NULL::t2, ...)`` for a signature ``f(t1, t2, ...)``."""
    name, args = re.fullmatch(r"(\w+)\((.*)\)", signature).groups()  # type: ignore[union-attr]
    return f"SELECT {name}({', '.join(f'NULL::{t.strip()}' for t in args.split(','))})"


def _refused(engine: Engine, sql: str, state: str, **params: object) -> None:
    with pytest.raises(DBAPIError) as err, engine.begin() as conn:
        conn.execute(text(sql), params)
    assert getattr(err.value.orig, "sqlstate", None) == state, sql


def test_a_till_or_manager_login_can_call_no_office_function(site: Site):
    before = site.money()
    for engine in (site.till, site.manager):
        for signature in (*ADMIN, *INTERNAL):
            _refused(engine, _typed_nulls(signature), NO_EXECUTE)
        # with arguments that would move money, as the office's own user and till
        for sql in (
                "SELECT tillcard_office_recharge(gen_random_uuid(), 1, :u, :c, 100000)",
                "SELECT tillcard_office_recharge(gen_random_uuid(), 99, :u, :c, 100000)",
                "SELECT tillcard_office_allowance(1, :u, 'bonus', '2026-11', 100000)",
                "SELECT tillcard_office_add_back(gen_random_uuid(), 1, :u, "
                "gen_random_uuid(), 'x', true)",
                "SELECT tillcard_office_entry(gen_random_uuid(), 1, 'recharge', :c, 100000, "
                "'[]', NULL, 0, NULL, 100000, 0, NULL, NULL, now(), 0)",
                "SELECT tillcard_office_close(gen_random_uuid(), 1, :u, :c, 'x')"):
            _refused(engine, sql, NO_EXECUTE, u=site.admin_user, c=site.card)
    # and through the store a back office would use
    for engine, till in ((site.till, 1), (site.manager, OFFICE)):
        with pytest.raises(NotPermitted):
            PgOffice(engine, till).recharge(site.admin_user, uuid.uuid4(), site.card,
                                            100_000, datetime.now(UTC))
        with pytest.raises(NotPermitted):
            PgOffice(engine, till).grant_allowance(site.admin_user, "bonus", "2026-11",
                                                   100_000, datetime.now(UTC))
    site.clean(before)


def test_an_admin_login_acts_only_on_its_own_till_as_an_admin_user(site: Site):
    before = site.money()
    # another till's chain
    with pytest.raises(NotPermitted):
        PgOffice(site.admin, 1).recharge(site.admin_user, uuid.uuid4(), site.card, 1_000,
                                         datetime.now(UTC))
    # a user id that is no admin (the cashier, the manager), or none at all
    for user in (1, 2, 999):
        with pytest.raises(NotPermitted):
            PgOffice(site.admin, OFFICE).grant_allowance(user, "bonus", "2026-11", 1_000,
                                                         datetime.now(UTC))
        with pytest.raises(NotPermitted):
            PgOffice(site.admin, OFFICE).issue(user, uuid.uuid4(), IssueRequest(
                "7002", "Someone", "standard"), datetime.now(UTC))
    # the helpers that write entries and audit rows are the functions' only
    for signature in INTERNAL:
        _refused(site.admin, _typed_nulls(signature), NO_EXECUTE)
    _refused(site.admin, "SELECT tillcard_office_entry(gen_random_uuid(), 99, 'recharge', "
             ":c, 100000, '[]', NULL, 0, NULL, 100000, 0, NULL, NULL, now(), 0)",
             NO_EXECUTE, c=site.card)
    # and the centre's clock is not the office's to move
    _refused(site.admin, "SELECT set_config('tillcard.fake_now', '2000-01-01', false), "
             "tillcard_office_close(gen_random_uuid(), 99, :u, :c, 'x')", "TC403",
             u=site.admin_user, c=site.card)
    site.clean(before)


def test_every_office_function_is_a_definer_with_a_pinned_path_and_no_public_execute(
        site: Site):
    with site.owner.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT p.oid::regprocedure::text AS sig, p.prosecdef, p.proconfig, "
            "has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec "
            "FROM pg_proc p WHERE p.proname LIKE 'tillcard_office%'")).all()
    assert len(rows) == len(ADMIN) + len(INTERNAL)
    for r in rows:
        assert r.prosecdef, r.sig
        assert r.proconfig == ["search_path=pg_catalog, public, pg_temp"], r.sig
        assert not r.public_exec, r.sig
