"""The audit list: newest first, keyset pages that never skip or repeat a line, filters in
SQL (wildcards taken literally, business days by the site clock), and only managers and
admins — still active — may read it; on SQLite and on the real PostgreSQL, where a
manager's own login reads it through the columns it is granted."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.conftest import NOW, make_books
from tests.pg import LOGINS
from tillcard.domain.clock import SiteClock
from tillcard.domain.permissions import Role
from tillcard.domain.site import SiteRules
from tillcard.services.audit_view import AuditQuery, AuditQueryError, AuditView
from tillcard.services.auth import AuthService, PermissionDenied, SecretHasher, Session
from tillcard.services.users import UserAdmin
from tillcard.store.audit import AuditEvent, AuditLog, AuditQueries
from tillcard.store.engine import make_engine
from tillcard.store.roles import create_roles
from tillcard.store.site import set_rules, site_rules

PASSWORD = "correct horse"
CLOCK = SiteClock("Asia/Shanghai", 4 * 60)  # business days start at 04:00


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    value: Engine = request.getfixturevalue("sqlite_engine" if request.param == "sqlite"
                                            else "pg_engine")
    return value


class Site:
    """An admin, a manager and a cashier, and a trail of seven audit rows."""

    def __init__(self, engine: Engine, hasher: SecretHasher) -> None:
        books = make_books(engine)  # tills 1, 2 and 99
        set_rules(engine, SiteRules(CLOCK))
        self.engine, self.refs = engine, books.refs
        self.auth = AuthService(self.refs, hasher, clock=lambda: NOW)
        self.users = UserAdmin(self.refs, hasher, clock=lambda: NOW)
        self.users.create_first_admin("root", "Zhao Min", PASSWORD)  # audit row 1
        self.admin = self.auth.login("root", PASSWORD)
        self.sessions = {Role.ADMIN: self.admin}
        for role in (Role.MANAGER, Role.CASHIER):
            self.users.add(self.admin, f"a-{role}", f"A {role}", role, PASSWORD)  # 2, 3
            self.sessions[role] = self.auth.login(f"a-{role}", PASSWORD)
        m = self.sessions[Role.MANAGER].user_id
        log, root = AuditLog(engine), self.admin.user_id
        for event in (
            AuditEvent(at("2026-11-20T10:00"), root, "card_issued", "card 100_1%", "", 1),
            AuditEvent(at("2026-11-21T03:30"), m, "card_freeze", "card 10091x", "", 2,
                       "status=active", "status=frozen", "lost in the canteen"),
            AuditEvent(at("2026-11-21T09:00"), root, "card_type_edit", "card_type:staff",
                       "", None, "discount=10.00%", "discount=12.50%", "new rules"),
            AuditEvent(at("2026-11-22T12:00"), m, "card_unfreeze", "card 10091x", "", 2),
            AuditEvent(at("2026-11-22T12:00"), m, "card_freeze", "CARD 777", "", 2),
        ):
            log.record(event)
        self.view = AuditView(AuditQueries(engine), lambda: site_rules(engine).clock)


@pytest.fixture
def site(engine: Engine, hasher: SecretHasher) -> Site:
    return Site(engine, hasher)


def subjects(site: Site, query: AuditQuery = AuditQuery(),  # noqa: B008
             session: Session | None = None) -> list[str]:
    return [line.subject for line in site.view.page(session or site.admin, query).lines]


def test_newest_first_with_names_and_till_beside_the_ids(site: Site) -> None:
    page = site.view.page(site.admin, AuditQuery())
    assert [line.subject for line in page.lines] == [
        "user:a-cashier", "user:a-manager", "user:root",  # at NOW, the 23rd
        "CARD 777", "card 10091x", "card_type:staff", "card 10091x", "card 100_1%"]
    assert page.after is None
    freeze = page.lines[6]
    assert (freeze.action, freeze.user_name, freeze.till_name, freeze.before, freeze.after,
            freeze.reason) == ("card_freeze", "A manager", "Till 2", "status=active",
                               "status=frozen", "lost in the canteen")
    first_admin = page.lines[2]
    assert (first_admin.user_id, first_admin.user_name, first_admin.till_name) == (
        None, "", "")


def test_keyset_pages_walk_every_line_once_even_at_equal_times(site: Site) -> None:
    whole = site.view.page(site.admin, AuditQuery()).lines
    walked, after, pages = [], None, 0
    while True:
        page = site.view.page(site.admin, AuditQuery(), after, limit=3)
        walked.extend(page.lines)
        pages += 1
        if page.after is None:
            break
        after = page.after
    assert [line.id for line in walked] == [line.id for line in whole]
    assert pages == 3
    tie = site.view.page(site.admin, AuditQuery(), limit=4)  # the two lines at 12:00
    assert tie.after is not None and tie.lines[-1].subject == "CARD 777"
    after_tie = site.view.page(site.admin, AuditQuery(), tie.after, limit=1)
    assert [line.subject for line in after_tie.lines] == ["card 10091x"]


def test_filters_narrow_in_the_database(site: Site) -> None:
    assert subjects(site, AuditQuery(action="card_freeze")) == ["CARD 777", "card 10091x"]
    assert subjects(site, AuditQuery(subject="card 777")) == ["CARD 777"]  # any case
    # "_" and "%" are the typed characters, not wildcards: 10091x would match 100_1
    assert subjects(site, AuditQuery(subject="100_1%")) == ["card 100_1%"]
    assert subjects(site, AuditQuery(subject="  10091 ")) == ["card 10091x", "card 10091x"]
    manager = site.sessions[Role.MANAGER].user_id
    assert subjects(site, AuditQuery(user_id=manager, action="card_freeze",
                                     subject="10091")) == ["card 10091x"]
    assert subjects(site, AuditQuery(subject="nothing like it")) == []


def test_days_are_the_sites_business_days(site: Site) -> None:
    """03:30 on the 21st belongs to the 20th: the site's day starts at 04:00."""
    day20 = AuditQuery(first_day=date(2026, 11, 20), last_day=date(2026, 11, 20))
    assert subjects(site, day20) == ["card 10091x", "card 100_1%"]
    assert subjects(site, AuditQuery(first_day=date(2026, 11, 21),
                                     last_day=date(2026, 11, 22))) == [
        "CARD 777", "card 10091x", "card_type:staff"]
    assert len(subjects(site, AuditQuery(first_day=date(2026, 11, 21)))) == 6
    assert subjects(site, AuditQuery(last_day=date(2026, 11, 20))) == [
        "card 10091x", "card 100_1%"]
    with pytest.raises(AuditQueryError, match="after the last day"):
        site.view.page(site.admin, AuditQuery(first_day=date(2026, 11, 22),
                                              last_day=date(2026, 11, 21)))


def test_the_filter_choices(site: Site) -> None:
    assert site.view.actions(site.admin) == [
        "card_freeze", "card_issued", "card_type_edit", "card_unfreeze", "user_add",
        "user_first_admin"]
    assert [(a.login, a.name) for a in site.view.actors(site.admin)] == [
        ("a-cashier", "A cashier"), ("a-manager", "A manager"), ("books-cashier", "Li Na"),
        ("books-manager", "Wang Fang"), ("root", "Zhao Min")]


@pytest.mark.parametrize("role", list(Role))
def test_managers_and_admins_read_the_trail_cashiers_are_refused(site: Site,
                                                                 role: Role) -> None:
    session = site.sessions[role]
    calls = {"page": lambda: site.view.page(session, AuditQuery()),
             "actions": lambda: site.view.actions(session),
             "actors": lambda: site.view.actors(session)}
    for name, call in calls.items():
        if role is Role.CASHIER:
            with pytest.raises(PermissionDenied, match="may not do this"):
                call()
        else:
            assert call(), name


def test_a_disabled_manager_reads_no_more_with_an_old_session(site: Site) -> None:
    manager = site.sessions[Role.MANAGER]
    assert subjects(site, session=manager)
    site.users.disable(site.admin, manager.login)
    with pytest.raises(PermissionDenied, match="sign in again"):
        site.view.page(manager, AuditQuery())
    site.users.enable(site.admin, manager.login)
    assert subjects(site, session=manager)


@pytest.fixture
def manager_login(pg_engine: Engine, pg_url: str) -> Iterator[Engine]:
    """A login in the centre's manager role: no password hashes, no writes but audit."""
    create_roles(pg_engine)
    login = f"manager_{uuid.uuid4().hex[:8]}"
    with pg_engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN"))
        conn.execute(text(f"GRANT tillcard_manager TO {login}"))
    LOGINS.append(login)  # dropped when the session ends
    engine = make_engine(make_url(pg_url).set(username=login).render_as_string(
        hide_password=False))
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_a_managers_own_login_reads_the_trail_at_the_centre(
        pg_engine: Engine, manager_login: Engine, hasher: SecretHasher) -> None:
    site = Site(pg_engine, hasher)
    view = AuditView(AuditQueries(manager_login), lambda: site_rules(manager_login).clock)
    manager = site.sessions[Role.MANAGER]
    page = view.page(manager, AuditQuery(first_day=date(2026, 11, 20),
                                         last_day=date(2026, 11, 20)))
    assert [line.user_name for line in page.lines] == ["A manager", "Zhao Min"]
    assert "card_freeze" in view.actions(manager)
    assert "root" in [a.login for a in view.actors(manager)]
