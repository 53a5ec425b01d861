"""Who is at the till, and what their role lets them do; secrets hashed with argon2."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tillcard.store.reference import ReferenceStore


class Role(enum.StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"
    ADMIN = "admin"


_RANK = {Role.CASHIER: 0, Role.MANAGER: 1, Role.ADMIN: 2}


class PermissionDenied(Exception):
    """The signed-in user's role does not allow this action."""


class LoginFailed(Exception):
    """Wrong login or password, or the user is disabled."""


@dataclass(frozen=True)
class Session:
    user_id: int
    login: str
    name: str
    role: Role

    def require(self, role: Role) -> None:
        """Raise unless this session's role is ``role`` or above; checked in every service."""
        if _RANK[self.role] < _RANK[role]:
            raise PermissionDenied(f"{self.name} ({self.role}) may not do this; needs {role}")


class SecretHasher:
    """argon2id for passwords and card PINs; a cheap profile can be injected for tests."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._h = hasher or PasswordHasher()

    def hash(self, secret: str) -> str:
        return self._h.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        try:
            return bool(self._h.verify(hashed, secret))
        except (VerificationError, InvalidHashError):
            return False


class AuthService:
    def __init__(self, refs: ReferenceStore, hasher: SecretHasher) -> None:
        self._refs = refs
        self._hasher = hasher

    def create_user(self, login: str, name: str, role: Role, password: str) -> int:
        if len(password) < 4:
            raise ValueError("password must have at least 4 characters")
        return self._refs.add_user(login, name, role.value, self._hasher.hash(password))

    def login(self, login: str, password: str) -> Session:
        user = self._refs.user_by_login(login)
        if user is None or not user.active or not self._hasher.verify(user.password_hash,
                                                                       password):
            raise LoginFailed("wrong user name or password")
        return Session(user.id, user.login, user.name, Role(user.role))
