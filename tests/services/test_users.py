"""Users and roles: every action, every refusal, the audit it leaves, and who may do what."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from tests.conftest import NOW
from tillcard.domain.cards import CardType
from tillcard.domain.permissions import Role
from tillcard.services.auth import (
    MAX_FAILURES,
    AuthService,
    LockedOut,
    LoginFailed,
    PermissionDenied,
    SecretHasher,
    Session,
)
from tillcard.services.card_types import CardTypeAdmin, CardTypeError, CardTypeInputError
from tillcard.services.users import (
    MIN_PASSWORD,
    FirstAdminExists,
    UserAdmin,
    UserError,
    UserInputError,
)
from tillcard.store.audit import AuditLog
from tillcard.store.reference import ReferenceStore

PASSWORD = "correct horse"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    value: Engine = request.getfixturevalue("sqlite_engine" if request.param == "sqlite"
                                            else "pg_engine")
    return value


class Site:
    """A database with one admin signed in, and the services on it."""

    def __init__(self, engine: Engine, hasher: SecretHasher) -> None:
        self.refs = ReferenceStore(engine)
        self.audit = AuditLog(engine)
        self.auth = AuthService(self.refs, hasher, clock=lambda: NOW)
        self.users = UserAdmin(self.refs, hasher, till_id=7, clock=lambda: NOW)
        self.users.create_first_admin("root", "Zhao Min", PASSWORD)
        self.admin = self.auth.login("root", PASSWORD)

    def session_as(self, role: Role) -> Session:
        if role is Role.ADMIN:
            return self.admin
        login = f"a-{role}"
        if self.refs.user_by_login(login) is None:
            self.users.add(self.admin, login, f"A {role}", role, PASSWORD)
        return self.auth.login(login, PASSWORD)

    def secrets_in_audit(self) -> str:
        return " ".join(f"{e.detail} {e.before} {e.after} {e.reason}"
                        for e in self.audit.events())


@pytest.fixture
def site(engine: Engine, hasher: SecretHasher) -> Site:
    return Site(engine, hasher)


# -- the first admin ----------------------------------------------------------------


def test_first_admin_without_a_session_then_never_again(sqlite_engine: Engine,
                                                        hasher: SecretHasher) -> None:
    refs = ReferenceStore(sqlite_engine)
    users = UserAdmin(refs, hasher, clock=lambda: NOW)
    assert not users.has_admin()

    users.create_first_admin("root", "Zhao Min", PASSWORD, pin="2468",
                             staff_uid="04:a1:b2:c3")

    assert users.has_admin()
    session = AuthService(refs, hasher).login("root", PASSWORD)
    assert session.role is Role.ADMIN
    assert AuthService(refs, hasher).sign_in_card("04A1B2C3", "2468").login == "root"
    with pytest.raises(FirstAdminExists, match="has an admin already"):
        users.create_first_admin("root2", "Intruder", PASSWORD)
    assert refs.user_by_login("root2") is None
    [event] = AuditLog(sqlite_engine).events()
    assert (event.action, event.subject, event.user_id) == ("user_first_admin", "user:root",
                                                            None)
    assert "role=admin" in event.after and "pin=set" in event.after


def test_a_disabled_admin_still_counts_as_the_first(site: Site) -> None:
    site.users.add(site.admin, "root2", "Qian Li", Role.ADMIN, PASSWORD)
    site.users.disable(site.admin, "root2")
    with pytest.raises(FirstAdminExists):
        site.users.create_first_admin("sneaky", "Sneaky", PASSWORD)


def test_first_admin_refused_when_another_set_up_won_the_race(sqlite_engine: Engine,
                                                              hasher: SecretHasher) -> None:
    """The check under the lock is what counts: has_admin() read just before is stale."""
    refs = ReferenceStore(sqlite_engine)
    users = UserAdmin(refs, hasher)
    assert refs.add_first_admin("one", "One", hasher.hash(PASSWORD)) is not None
    assert refs.add_first_admin("two", "Two", hasher.hash(PASSWORD)) is None
    assert [u.login for u in refs.users()] == ["one"]
    with pytest.raises(FirstAdminExists):
        users.create_first_admin("three", "Three", PASSWORD)


# -- adding users -------------------------------------------------------------------


def test_add_a_cashier_with_pin_and_staff_card(site: Site) -> None:
    user_id = site.users.add(site.admin, "li.na", "  Li   Na ", Role.CASHIER, PASSWORD,
                             pin="1357", staff_uid="0a1b2c3d")

    [view] = [u for u in site.users.users(site.admin) if u.login == "li.na"]
    assert (view.id, view.name, view.role, view.active, view.has_pin, view.staff_uid) == (
        user_id, "Li Na", Role.CASHIER, True, True, "0A1B2C3D")
    assert site.auth.sign_in_pin(user_id, "1357").name == "Li Na"
    assert site.auth.sign_in_card("0A1B2C3D", "1357").login == "li.na"
    event = site.audit.events("user:li.na")[-1]
    assert (event.action, event.user_id, event.till_id, event.at) == (
        "user_add", site.admin.user_id, 7, NOW)
    assert "role=cashier" in event.after and "staff_card=0A1B2C3D" in event.after


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"password": ""}, "cannot be empty"),
    ({"password": "        "}, "cannot be empty"),
    ({"password": "short"}, f"at least {MIN_PASSWORD} characters, got 5"),
    ({"login": "has space"}, "a login is letters"),
    ({"login": ""}, "a login is letters"),
    ({"name": "   "}, "needs a name"),
    ({"pin": "12a4"}, "4 or more digits"),
    ({"pin": "123"}, "4 or more digits"),
    ({"staff_uid": "not-hex!"}, "8 to 32 hex digits"),
    ({"staff_uid": "0A1B2C3"}, "8 to 32 hex digits"),
])
def test_add_refuses_bad_input(site: Site, kwargs: dict[str, str], message: str) -> None:
    args = {"login": "new", "name": "New", "password": PASSWORD, **kwargs}
    before = len(site.audit.events())
    with pytest.raises(UserInputError, match=message):
        site.users.add(site.admin, args["login"], args["name"], Role.CASHIER,
                       args["password"], pin=kwargs.get("pin"),
                       staff_uid=kwargs.get("staff_uid"))
    assert site.refs.user_by_login(args["login"]) is None
    assert len(site.audit.events()) == before


def test_add_refuses_a_taken_login_or_staff_card(site: Site) -> None:
    site.users.add(site.admin, "li.na", "Li Na", Role.CASHIER, PASSWORD,
                   staff_uid="0A1B2C3D")
    with pytest.raises(UserError, match="login 'li.na' is taken"):
        site.users.add(site.admin, "li.na", "Other", Role.MANAGER, PASSWORD)
    with pytest.raises(UserError, match="staff card 0A1B2C3D belongs to li.na"):
        site.users.add(site.admin, "wang", "Wang", Role.CASHIER, PASSWORD,
                       staff_uid="0a:1b:2c:3d")
    assert [u.login for u in site.refs.users()].count("li.na") == 1
    assert site.refs.user_by_login("wang") is None


# -- passwords, PINs, disable and enable --------------------------------------------


def test_change_password_unlocks_and_is_audited_without_secrets(site: Site) -> None:
    site.users.add(site.admin, "li.na", "Li Na", Role.MANAGER, PASSWORD)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(LoginFailed):
            site.auth.login("li.na", "wrong guess")
    with pytest.raises(LockedOut):
        site.auth.login("li.na", "wrong guess")

    site.users.change_password(site.admin, "li.na", "a new secret", reason="forgot it")

    assert site.auth.login("li.na", "a new secret").login == "li.na"
    with pytest.raises(LoginFailed):
        site.auth.login("li.na", PASSWORD)
    event = site.audit.events("user:li.na")[-1]
    assert (event.action, event.detail, event.reason) == ("user_password",
                                                          "password changed", "forgot it")
    text = site.secrets_in_audit()
    assert "a new secret" not in text and PASSWORD not in text and "$argon2" not in text


def test_change_password_refuses_short_and_unknown(site: Site) -> None:
    site.users.add(site.admin, "li.na", "Li Na", Role.CASHIER, PASSWORD)
    with pytest.raises(UserInputError, match="at least 8"):
        site.users.change_password(site.admin, "li.na", "1234567")
    with pytest.raises(UserError, match="no user 'nobody'"):
        site.users.change_password(site.admin, "nobody", "a new secret")
    assert site.auth.login("li.na", PASSWORD).login == "li.na"


def test_set_and_remove_a_pin(site: Site) -> None:
    user_id = site.users.add(site.admin, "li.na", "Li Na", Role.CASHIER, PASSWORD)
    assert all(u.id != user_id for u in site.auth.till_users())

    site.users.set_pin(site.admin, "li.na", "9753")
    assert site.auth.sign_in_pin(user_id, "9753").login == "li.na"
    assert any(u.id == user_id for u in site.auth.till_users())

    site.users.set_pin(site.admin, "li.na", None, reason="moved to the office")
    with pytest.raises(LoginFailed):
        site.auth.sign_in_pin(user_id, "9753")
    events = [e for e in site.audit.events("user:li.na") if e.action == "user_pin"]
    assert [e.detail for e in events] == ["PIN changed", "PIN removed"]
    assert "pin=none" in events[0].before and "pin=set" in events[0].after
    assert "9753" not in site.secrets_in_audit()
    with pytest.raises(UserInputError, match="digits"):
        site.users.set_pin(site.admin, "li.na", "12")


def test_disable_keeps_the_user_and_refuses_sign_in_then_enable(site: Site) -> None:
    user_id = site.users.add(site.admin, "li.na", "Li Na", Role.CASHIER, PASSWORD, pin="1357")

    assert site.users.disable(site.admin, "li.na", reason="left the company")
    assert site.users.disable(site.admin, "li.na") is False  # nothing to do, no audit

    with pytest.raises(LoginFailed, match="disabled"):
        site.auth.login("li.na", PASSWORD)
    assert all(u.id != user_id for u in site.auth.till_users())
    view = next(u for u in site.users.users(site.admin) if u.login == "li.na")
    assert view.active is False
    assert site.users.enable(site.admin, "li.na")
    assert site.auth.login("li.na", PASSWORD).user_id == user_id
    actions = [(e.action, e.reason) for e in site.audit.events("user:li.na")]
    assert actions == [("user_add", ""), ("user_disable", "left the company"),
                       ("user_enable", "")]


def test_the_last_active_admin_cannot_be_disabled(site: Site) -> None:
    with pytest.raises(UserError, match="last active admin"):
        site.users.disable(site.admin, "root")
    assert site.refs.user_by_login("root").active  # type: ignore[union-attr]
    site.users.add(site.admin, "root2", "Qian Li", Role.ADMIN, PASSWORD)
    assert site.users.disable(site.admin, "root")  # another admin is left
    assert [e.action for e in site.audit.events("user:root")] == ["user_first_admin",
                                                                  "user_disable"]


def test_a_disabled_or_demoted_admin_session_is_refused(site: Site) -> None:
    site.users.add(site.admin, "root2", "Qian Li", Role.ADMIN, PASSWORD)
    other = site.auth.login("root2", PASSWORD)
    site.users.disable(site.admin, "root2")
    with pytest.raises(PermissionDenied, match="no longer an active admin"):
        site.users.users(other)
    rebuilt = Session(site.admin.user_id, "root", "Zhao Min", Role.ADMIN)
    assert site.users.users(rebuilt)  # the same user, still an active admin: fine
    impostor = Session(10_000, "ghost", "Ghost", Role.ADMIN)
    with pytest.raises(PermissionDenied):
        site.users.users(impostor)


def test_listing_shows_no_secret(site: Site) -> None:
    site.users.add(site.admin, "li.na", "Li Na", Role.CASHIER, PASSWORD, pin="1357")
    views = site.users.users(site.admin)
    assert {u.login for u in views} == {"root", "li.na"}
    assert not any("$argon2" in repr(u) for u in views)


# -- the permission matrix: every action x every role ----------------------------------

ACTIONS: dict[str, Callable[[UserAdmin, Session], object]] = {
    "add": lambda s, who: s.add(who, "newbie", "Newbie", Role.CASHIER, PASSWORD),
    "change_password": lambda s, who: s.change_password(who, "target", "a new secret"),
    "set_pin": lambda s, who: s.set_pin(who, "target", "8642"),
    "disable": lambda s, who: s.disable(who, "target"),
    "enable": lambda s, who: s.enable(who, "target"),
    "users": lambda s, who: s.users(who),
}
ALLOWED = {Role.ADMIN}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(sqlite_engine: Engine, hasher: SecretHasher, role: Role,
                           action: str) -> None:
    site = Site(sqlite_engine, hasher)
    site.users.add(site.admin, "target", "Target", Role.CASHIER, PASSWORD)
    if action == "enable":
        site.users.disable(site.admin, "target")
    who = site.session_as(role)
    before = len(site.audit.events())

    if role in ALLOWED:
        ACTIONS[action](site.users, who)
        assert len(site.audit.events()) == before + (action != "users")
    else:
        with pytest.raises(PermissionDenied, match="may not"):
            ACTIONS[action](site.users, who)
        assert len(site.audit.events()) == before
        assert site.refs.user_by_login("newbie") is None


def test_every_public_action_is_in_the_matrix() -> None:
    public = {n for n in dir(UserAdmin) if not n.startswith("_")}
    assert public - set(ACTIONS) == {"create_first_admin", "has_admin"}


# -- card types -----------------------------------------------------------------------


def test_card_types_add_and_list_admin_only(site: Site) -> None:
    types = CardTypeAdmin(site.refs, till_id=7, clock=lambda: NOW)
    type_id = types.add(site.admin, CardType("staff", "Staff", discount_bp=1_250,
                                             per_txn_limit=5_000))

    assert type_id > 0
    [listed] = [t for t in types.card_types(site.admin) if t.code == "staff"]
    assert (listed.discount_bp, listed.per_txn_limit, listed.daily_amount_limit) == (
        1_250, 5_000, None)
    [event] = site.audit.events("card_type:staff")
    assert event.action == "card_type_add" and event.user_id == site.admin.user_id
    assert "discount=12.50%" in event.after and "per_sale_limit=50.00" in event.after
    with pytest.raises(CardTypeError, match="exists already"):
        types.add(site.admin, CardType("staff", "Staff again"))
    with pytest.raises(CardTypeInputError, match="code is letters"):
        types.add(site.admin, CardType("has space", "X"))
    for role in (Role.CASHIER, Role.MANAGER):
        who = site.session_as(role)
        with pytest.raises(PermissionDenied, match="may not"):
            types.add(who, CardType("other", "Other"))
        with pytest.raises(PermissionDenied, match="may not"):
            types.card_types(who)
    assert "other" not in [t.code for t in site.refs.card_types()]

