"""Who is at the till or in the back office, and what their role lets them do.

Passwords (back office) and PINs (tills: pick your name or tap a staff card, then the PIN)
are hashed with argon2. Five wrong tries lock a user out for a while, counted where the
sign-in happens (``sign_in_guard``, never replicated, so a pull cannot undo a lockout).
A manager's PIN approves what a cashier may not do alone (``approve``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tillcard.domain.permissions import Permission, Role, allows
from tillcard.store.reference import ReferenceStore, UserRecord

__all__ = ["Approval", "AuthService", "LoginFailed", "LockedOut", "PermissionDenied", "Role",
           "SecretHasher", "Session"]

_RANK = {Role.CASHIER: 0, Role.MANAGER: 1, Role.ADMIN: 2}
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)
MIN_PIN = 4
Clock = Callable[[], datetime]


class PermissionDenied(Exception):
    """The signed-in user's role does not allow this action."""


class FailReason(enum.StrEnum):
    """Why a sign-in or approval was refused; screens word it in the cashier's language."""

    WRONG_SECRET = "wrong_secret"
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_CARD = "unknown_card"
    DISABLED = "disabled"
    NO_MANAGER = "no_manager"
    LOCKED = "locked"


class LoginFailed(Exception):
    """Wrong name, password or PIN, or the user is disabled.

    The message is English for logs and the command line; ``reason``, ``name`` and
    ``tries_left`` let a screen say it in its own language.
    """

    def __init__(self, message: str, reason: FailReason = FailReason.WRONG_SECRET, *,
                 name: str = "", tries_left: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.name = name
        self.tries_left = tries_left


class LockedOut(LoginFailed):
    """Too many wrong tries: no sign-in until ``until``."""

    def __init__(self, name: str, until: datetime) -> None:
        super().__init__(f"{name} is locked out after {MAX_FAILURES} wrong tries, until "
                         f"{until.astimezone():%H:%M}", FailReason.LOCKED, name=name)
        self.until = until


@dataclass(frozen=True)
class Session:
    user_id: int
    login: str
    name: str
    role: Role

    def can(self, what: Permission) -> bool:
        return allows(self.role, what)

    def require(self, what: Role | Permission) -> None:
        """Raise unless this session may: a permission, or a role and everything above it."""
        ok = (_RANK[self.role] >= _RANK[what] if isinstance(what, Role)
              else allows(self.role, what))
        if not ok:
            raise PermissionDenied(f"{self.name} ({self.role}) may not do this ({what})")


@dataclass(frozen=True)
class Approval:
    """A manager who approved something, by PIN, and when."""

    user_id: int
    name: str
    at: datetime


class SecretHasher:
    """argon2id for passwords and PINs; a cheap profile can be injected for tests."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._h = hasher or PasswordHasher()

    def hash(self, secret: str) -> str:
        return self._h.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        try:
            return bool(self._h.verify(hashed, secret))
        except (VerificationError, InvalidHashError):
            return False


def _now() -> datetime:
    return datetime.now(UTC)


class AuthService:
    def __init__(self, refs: ReferenceStore, hasher: SecretHasher, clock: Clock = _now
                 ) -> None:
        self._refs = refs
        self._hasher = hasher
        self._clock = clock
        # wrong PINs at a prompt where no manager was picked: counted per till (this
        # service), or anyone could guess every manager's PIN there without a lockout
        self._anonymous_failures: list[datetime] = []

    # -- users ------------------------------------------------------------------------

    def create_user(self, login: str, name: str, role: Role, password: str, *,
                    pin: str | None = None, staff_uid: str | None = None) -> int:
        if len(password) < 4:
            raise ValueError("password must have at least 4 characters")
        pin_hash = None
        if pin is not None:
            check_pin(pin)
            pin_hash = self._hasher.hash(pin)
        return self._refs.add_user(login, name, role.value, self._hasher.hash(password),
                                   pin_hash=pin_hash, staff_uid=staff_uid)

    def till_users(self) -> list[UserRecord]:
        """Whom the till's sign-in screen lists: active users with a PIN."""
        return [u for u in self._refs.users() if u.active and u.pin_hash]

    # -- signing in -------------------------------------------------------------------

    def login(self, login: str, password: str) -> Session:
        """Back office: name and password."""
        user = self._refs.user_by_login(login)
        if user is None:
            raise LoginFailed("wrong user name or password", FailReason.UNKNOWN_USER)
        return self._check(user, password, user.password_hash)

    def sign_in_pin(self, user_id: int, pin: str) -> Session:
        """A till: the cashier picked their name, then keyed the PIN."""
        user = self._refs.user(user_id)
        if user is None:
            raise LoginFailed("wrong PIN")
        return self._check(user, pin, user.pin_hash)

    def sign_in_card(self, staff_uid: str, pin: str) -> Session:
        """A till or the back office: a staff card, then the PIN."""
        user = self._refs.user_by_staff_uid(staff_uid)
        if user is None:
            raise LoginFailed("this card belongs to no user", FailReason.UNKNOWN_CARD)
        return self._check(user, pin, user.pin_hash)

    def approve(self, pin: str, *, user_id: int | None = None,
                permission: Permission = Permission.APPROVE) -> Approval:
        """A manager's PIN for what a cashier may not do alone.

        With ``user_id`` (the manager picked their name or tapped their card) that user's
        PIN; without, any active user who may approve whose PIN it is.
        """
        candidates = ([u for u in [self._refs.user(user_id)] if u is not None]
                      if user_id is not None else
                      [u for u in self._refs.users() if allows(Role(u.role), permission)])
        for user in candidates:
            if not allows(Role(user.role), permission) or not user.active:
                continue
            if user_id is not None:
                session = self._check(user, pin, user.pin_hash)
                return Approval(session.user_id, session.name, self._clock())
            self._check_anonymous_lockout()
            if user.pin_hash and self._hasher.verify(user.pin_hash, pin):
                self._refs.clear_failures(user.id)
                self._anonymous_failures.clear()
                return Approval(user.id, user.name, self._clock())
        if user_id is None:
            self._check_anonymous_lockout()
            self._anonymous_failures.append(self._clock())
            self._check_anonymous_lockout()
        raise LoginFailed("no manager with this PIN", FailReason.NO_MANAGER)

    def _check_anonymous_lockout(self) -> None:
        now = self._clock()
        recent = [t for t in self._anonymous_failures if now - t < LOCKOUT]
        self._anonymous_failures = recent
        if len(recent) >= MAX_FAILURES:
            raise LockedOut("Manager approval", recent[0] + LOCKOUT)

    def _check(self, user: UserRecord, secret: str, hashed: str | None) -> Session:
        now = self._clock()
        locked = self._refs.locked_until(user.id)
        if locked is not None and locked > now:
            raise LockedOut(user.name, locked)
        if not user.active:
            raise LoginFailed(f"{user.name} is disabled", FailReason.DISABLED,
                              name=user.name)
        if not hashed or not self._hasher.verify(hashed, secret):
            failures = self._refs.add_failure(user.id, MAX_FAILURES, now + LOCKOUT)
            if failures >= MAX_FAILURES:
                raise LockedOut(user.name, now + LOCKOUT)
            left = MAX_FAILURES - failures
            raise LoginFailed(f"wrong password or PIN ({left} tries left)",
                              FailReason.WRONG_SECRET, name=user.name, tries_left=left)
        self._refs.clear_failures(user.id)
        return Session(user.id, user.login, user.name, Role(user.role))


def check_pin(pin: str) -> None:
    """A PIN is digits only (a till's PIN pad), at least four."""
    if not (pin.isascii() and pin.isdigit()) or len(pin) < MIN_PIN:
        raise ValueError(f"a PIN is {MIN_PIN} or more digits")
