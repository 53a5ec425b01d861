"""The set-up steps that talk to a database: test it, migrate it, give it roles and an admin.

Their failures say which of "wrong password", "cannot reach", "not PostgreSQL" it was,
because that is what the person at the till can act on. Split from ``services.setup``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from tillcard.config import (
    central_url_problem,
)
from tillcard.services.auth import check_pin
from tillcard.services.users import check_password
from tillcard.store import migrate, roles
from tillcard.store.engine import make_engine
from tillcard.store.reference import ReferenceStore

# -- the database ---------------------------------------------------------------------

class DbFault(StrEnum):
    """Why a database step failed, in terms the person setting up can act on."""

    BAD_URL = "bad_url"
    WRONG_PASSWORD = "wrong_password"
    NO_PASSWORD = "no_password"
    UNREACHABLE = "unreachable"
    NOT_POSTGRES = "not_postgres"
    NO_DATABASE = "no_database"
    NO_SUCH_USER = "no_such_user"
    REFUSED = "refused"
    NOT_MIGRATED = "not_migrated"
    OTHER = "other"


class SetupFailed(Exception):
    """A set-up step that did not work; ``fault`` says what kind, the message the detail."""

    def __init__(self, fault: DbFault, detail: str) -> None:
        super().__init__(detail)
        self.fault = fault
        self.detail = detail


_SIGNS: tuple[tuple[DbFault, tuple[str, ...]], ...] = (
    (DbFault.WRONG_PASSWORD, ("password authentication failed",)),
    (DbFault.NO_PASSWORD, ("no password supplied",)),
    (DbFault.NO_SUCH_USER, ("role \"",)),
    (DbFault.NO_DATABASE, ("database \"",)),
    (DbFault.REFUSED, ("no pg_hba.conf entry",)),
    (DbFault.NOT_POSTGRES, ("invalid response to ssl negotiation", "expected authentication "
                            "request", "server closed the connection unexpectedly",
                            "unsupported frontend protocol", "invalid length of startup")),
    (DbFault.UNREACHABLE, ("connection refused", "timeout expired", "could not translate",
                           "failed to resolve", "unreachable", "no route to host",
                           "connection timed out")),
)


def classify(exc: BaseException) -> SetupFailed:
    """A driver's error as a SetupFailed whose fault a screen can word."""
    detail = str(getattr(exc, "orig", None) or exc).strip()
    lowered = detail.lower()
    for fault, signs in _SIGNS:
        if any(sign in lowered for sign in signs):
            return SetupFailed(fault, detail)
    return SetupFailed(DbFault.OTHER, detail)


@dataclass(frozen=True)
class DbTarget:
    """A central database as the wizard reaches it: the URL, and the password for now.

    The password is typed (kept only in memory) or read from the environment variable
    the till will read at start; it is never written to the settings file.
    """

    url: str
    password: str = ""
    password_env: str = ""
    sslmode: str = "prefer"
    timeout_s: int = 5

    @staticmethod
    def url_of(host: str, port: int, database: str, user: str) -> str:
        return URL.create("postgresql", username=user or None, host=host or None,
                          port=port or None, database=database or None).render_as_string()

    @staticmethod
    def parts_of(url: str) -> tuple[str, int, str, str]:
        """``(host, port, database, user)`` of a URL; empty parts for an empty or bad one."""
        try:
            u = make_url(url)
        except (ValueError, ArgumentError):
            return "", 5432, "", ""
        return u.host or "", u.port or 5432, u.database or "", u.username or ""

    @contextlib.contextmanager
    def engine(self, env: Mapping[str, str] | None = None) -> Iterator[Engine]:
        """An engine for one step, disposed after it; no pooled connection outlives it."""
        problem = central_url_problem(self.url)
        if problem:
            raise SetupFailed(DbFault.BAD_URL, problem)
        env = os.environ if env is None else env
        password = self.password or (env.get(self.password_env, "") if self.password_env
                                     else "")
        u = make_url(self.url)
        if password and not u.password:
            u = u.set(password=password)
        engine = make_engine(u.render_as_string(hide_password=False), poolclass=NullPool,
                             connect_args={"connect_timeout": self.timeout_s,
                                           "sslmode": self.sslmode})
        try:
            yield engine
        except DBAPIError as exc:
            raise classify(exc) from None
        finally:
            engine.dispose()


@dataclass(frozen=True)
class DbReport:
    """What a connection test found: the server, the schema's revision, admins, roles."""

    server: str
    revision: str | None
    head: str | None
    has_admin: bool | None  # None: no Tillcard tables yet
    roles: bool

    @property
    def needs_migration(self) -> bool:
        return self.revision != self.head


def check_database(target: DbTarget, env: Mapping[str, str] | None = None) -> DbReport:
    """Connect, and say what is there. Raises: SetupFailed (``fault`` says what kind)."""
    with target.engine(env) as engine:
        with engine.connect() as conn:
            server = str(conn.execute(text("SELECT version()")).scalar_one())
            if not server.startswith("PostgreSQL"):
                raise SetupFailed(DbFault.NOT_POSTGRES, server)
            found = conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = ANY(:r)"),
                                 {"r": list(roles.ROLES)}).scalar_one()
        revision = migrate.current_revision(engine)
        has_admin = ReferenceStore(engine).has_admin() if revision is not None else None
        return DbReport(" ".join(server.split()[:2]), revision, migrate.head_revision(engine),
                        has_admin, found == len(roles.ROLES))


def run_migrations(target: DbTarget, env: Mapping[str, str] | None = None) -> DbReport:
    """Bring the schema to this version's head (the person agreed); what is there now."""
    with target.engine(env) as engine:
        migrate.upgrade(engine)
    return check_database(target, env)


def create_roles(target: DbTarget, env: Mapping[str, str] | None = None) -> list[str]:
    """The group roles and their grants (``tillcard db roles``); idempotent."""
    with target.engine(env) as engine:
        return roles.create_roles(engine)


# -- the first admin ------------------------------------------------------------------

@dataclass(frozen=True)
class AdminRequest:
    """The first admin the wizard is to create; ``pin`` lets them sign in at a till."""

    login: str
    name: str
    password: str
    pin: str | None = None

    def problem(self) -> str | None:
        """Why this cannot be an account, checked before anything is written."""
        if not self.login.strip():
            return "a login is needed"
        try:
            check_password(self.password)
            if self.pin:
                check_pin(self.pin)
        except ValueError as exc:
            return str(exc)
        return None


def local_has_admin(path: Path) -> bool:
    """Whether a till's own file already has an admin (no file: none)."""
    if not path.is_file():
        return False
    engine = make_engine(str(path), poolclass=NullPool)
    try:
        if migrate.current_revision(engine) is None:
            return False
        return ReferenceStore(engine).has_admin()
    except DBAPIError:
        return False  # unreadable: the till's start says why, not the wizard
    finally:
        engine.dispose()
