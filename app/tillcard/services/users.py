"""Users and roles for admins: add, change password or PIN, disable (never delete), list.

Every action is checked against the acting admin's session and leaves an audit row in
the same transaction as the change. The audit says what changed, never a password, PIN
or hash. The first admin of a database is the one exception to "sign in first": while
the database has no admin at all, ``create_first_admin`` needs no session; after that it
is refused, so no default password exists outside the demo.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from tillcard.domain.permissions import Permission, Role
from tillcard.services.auth import PermissionDenied, SecretHasher, Session, check_pin
from tillcard.store.audit import AuditEvent
from tillcard.store.reference import ReferenceStore, UserRecord

__all__ = ["MIN_PASSWORD", "FirstAdminExists", "UserAdmin", "UserError", "UserInputError",
           "UserView",
           "check_password", "require_current"]

MIN_PASSWORD = 8
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
_UID = re.compile(r"^[0-9A-F]{8,32}$")
Clock = Callable[[], datetime]


class UserError(ValueError):
    """An action on users that cannot be done as asked; the message says why."""


class UserInputError(UserError):
    """A value that can never be right (a short password, a malformed login): fix the input."""


class FirstAdminExists(PermissionDenied):
    """A first admin without credentials, on a database that has an admin already."""


@dataclass(frozen=True)
class UserView:
    """What an admin sees of a user: never a hash."""

    id: int
    login: str
    name: str
    role: Role
    active: bool
    has_pin: bool
    staff_uid: str | None


def check_password(password: str) -> None:
    """Refuse a password a guess or a glance would find; the message says the rule."""
    if not password.strip():
        raise UserInputError("a password cannot be empty")
    if len(password) < MIN_PASSWORD:
        raise UserInputError(f"a password needs at least {MIN_PASSWORD} characters, got "
                        f"{len(password)}")


def require_current(refs: ReferenceStore, session: Session, what: Permission) -> None:
    """The session may do ``what``, and its user still may now.

    A back-office session lives for hours: an admin disabled or demoted meanwhile must
    not keep the rights the session was opened with.
    """
    session.require(what)
    user = refs.user(session.user_id)
    if user is None or not user.active or user.role != session.role.value:
        raise PermissionDenied(f"{session.name} is no longer an active {session.role}: "
                               "sign in again")


def _now() -> datetime:
    return datetime.now(UTC)


def _view(u: UserRecord) -> UserView:
    return UserView(u.id, u.login, u.name, Role(u.role), u.active, bool(u.pin_hash),
                    u.staff_uid)


def _describe(u: UserView) -> str:
    """A user's state for the audit's before/after: facts, never secrets."""
    card = u.staff_uid or "none"
    return (f"login={u.login} name={u.name} role={u.role} "
            f"{'active' if u.active else 'disabled'} pin={'set' if u.has_pin else 'none'} "
            f"staff_card={card}")


class UserAdmin:
    """Admins' use cases on users; ``till_id`` says where the actions happen (audit)."""

    def __init__(self, refs: ReferenceStore, hasher: SecretHasher, *,
                 till_id: int | None = None, clock: Clock = _now) -> None:
        self._refs = refs
        self._hasher = hasher
        self._till_id = till_id
        self._clock = clock

    # -- the first admin --------------------------------------------------------------

    def has_admin(self) -> bool:
        return self._refs.has_admin()

    def create_first_admin(self, login: str, name: str, password: str, *,
                           pin: str | None = None, staff_uid: str | None = None) -> int:
        """The database's first admin, without a session; refused once any admin exists."""
        if self._refs.has_admin():
            raise FirstAdminExists("this database has an admin already: sign in as an "
                                   "admin to add users")
        login, name, uid = self._check_new(login, name, password, pin, staff_uid)
        after = UserView(0, login, name, Role.ADMIN, True, pin is not None, uid)
        event = self._event(None, "user_first_admin", login, after=_describe(after),
                            detail="first admin, created without signing in")
        try:
            user_id = self._refs.add_first_admin(
                login, name, self._hasher.hash(password), staff_uid=uid, audit=event,
                pin_hash=self._hasher.hash(pin) if pin is not None else None)
        except IntegrityError:
            raise self._taken(login, uid) from None
        if user_id is None:  # another set-up won the race
            raise FirstAdminExists("this database has an admin already: sign in as an "
                                   "admin to add users")
        return user_id

    # -- admins' actions --------------------------------------------------------------

    def add(self, session: Session, login: str, name: str, role: Role, password: str, *,
            pin: str | None = None, staff_uid: str | None = None) -> int:
        self._require(session)
        login, name, uid = self._check_new(login, name, password, pin, staff_uid)
        after = UserView(0, login, name, role, True, pin is not None, uid)
        event = self._event(session, "user_add", login, after=_describe(after))
        try:
            return self._refs.add_user(
                login, name, role.value, self._hasher.hash(password), staff_uid=uid,
                pin_hash=self._hasher.hash(pin) if pin is not None else None, audit=event)
        except IntegrityError:
            raise self._taken(login, uid) from None

    def change_password(self, session: Session, login: str, password: str, *,
                        reason: str = "") -> None:
        """A new password; the user's wrong tries are forgotten (this is how one unlocks)."""
        self._require(session)
        user = self._user(login)
        check_password(password)
        self._refs.set_password_hash(
            user.id, self._hasher.hash(password), audit=self._event(
                session, "user_password", login, detail="password changed", reason=reason))
        self._refs.clear_failures(user.id)

    def set_pin(self, session: Session, login: str, pin: str | None, *,
                reason: str = "") -> None:
        """A new PIN for the till's sign-in, or none (``None``: the user leaves the tills)."""
        self._require(session)
        user = self._user(login)
        if pin is not None:
            self._check_pin(pin)
        before = _view(user)
        after = UserView(before.id, before.login, before.name, before.role, before.active,
                         pin is not None, before.staff_uid)
        self._refs.set_user_pin_hash(
            user.id, self._hasher.hash(pin) if pin is not None else None,
            audit=self._event(session, "user_pin", login, before=_describe(before),
                              after=_describe(after), reason=reason,
                              detail="PIN changed" if pin is not None else "PIN removed"))
        self._refs.clear_failures(user.id)

    def disable(self, session: Session, login: str, *, reason: str = "") -> bool:
        """Disable a user (kept for the journal and audit); ``False`` if already disabled."""
        return self._set_active(session, login, False, reason)

    def enable(self, session: Session, login: str, *, reason: str = "") -> bool:
        """Enable a disabled user again; ``False`` if already active."""
        return self._set_active(session, login, True, reason)

    def users(self, session: Session) -> list[UserView]:
        self._require(session)
        return [_view(u) for u in self._refs.users()]

    # -- helpers ----------------------------------------------------------------------

    def _set_active(self, session: Session, login: str, active: bool, reason: str) -> bool:
        self._require(session)
        user = self._user(login)
        if user.active == active:
            return False
        before = _view(user)
        after = UserView(before.id, before.login, before.name, before.role, active,
                         before.has_pin, before.staff_uid)
        event = self._event(session, "user_enable" if active else "user_disable", login,
                            before=_describe(before), after=_describe(after), reason=reason)
        if not self._refs.set_user_active(user.id, active, audit=event):
            raise UserError(f"{login} is the last active admin: add or enable another "
                            "admin first")
        return True

    def _require(self, session: Session) -> None:
        require_current(self._refs, session, Permission.USERS)

    def _user(self, login: str) -> UserRecord:
        user = self._refs.user_by_login(login)
        if user is None:
            raise UserError(f"no user {login!r}")
        return user

    def _check_new(self, login: str, name: str, password: str, pin: str | None,
                   staff_uid: str | None) -> tuple[str, str, str | None]:
        login, name = login.strip(), " ".join(name.split())
        if not _LOGIN.match(login):
            raise UserInputError(f"a login is letters, digits and . _ @ - (at most 80), got "
                            f"{login!r}")
        if not name or len(name) > 120:
            raise UserInputError("a user needs a name (at most 120 characters)")
        check_password(password)
        if pin is not None:
            self._check_pin(pin)
        uid = None
        if staff_uid is not None and staff_uid.strip():
            uid = staff_uid.strip().replace(":", "").replace(" ", "").upper()
            if not _UID.match(uid) or len(uid) % 2:
                raise UserInputError(f"a staff card's UID is 8 to 32 hex digits, got {staff_uid!r}")
        if self._refs.user_by_login(login) is not None or (
                uid is not None and self._refs.user_by_staff_uid(uid) is not None):
            raise self._taken(login, uid)
        return login, name, uid

    @staticmethod
    def _check_pin(pin: str) -> None:
        try:
            check_pin(pin)
        except ValueError as exc:
            raise UserInputError(str(exc)) from None

    def _taken(self, login: str, uid: str | None) -> UserError:
        if self._refs.user_by_login(login) is not None:
            return UserError(f"the login {login!r} is taken")
        owner = self._refs.user_by_staff_uid(uid) if uid else None
        if owner is not None:
            return UserError(f"staff card {uid} belongs to {owner.login}")
        return UserError(f"cannot add {login!r}: it clashes with another user")

    def _event(self, session: Session | None, action: str, login: str, *, before: str = "",
               after: str = "", detail: str = "", reason: str = "") -> AuditEvent:
        return AuditEvent(self._clock(), session.user_id if session else None, action,
                          f"user:{login}", detail, self._till_id, before, after, reason)
