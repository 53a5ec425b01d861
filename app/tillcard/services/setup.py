"""Setting a till up: the wizard's and Settings' steps that wait on a disk, server or device.

The pages themselves are Qt (``ui.wizard``); everything here is plain Python so that a
test, a command or another front end can drive the same steps, the way Electrum's
wizard keeps its flow out of the GUI. A draft of the settings (``SetupDraft``) is edited
page by page; each key belongs to one page (``page_of``), which is how a bad value in a
file at start opens the page that can fix it. Database steps (test, migrate, roles, the
first admin) run against a ``DbTarget``; their failures say which of "wrong password",
"cannot reach", "not PostgreSQL" it was, because that is what the person at the till can
act on.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine

from tillcard.config import (
    RECEIPT_LANGUAGE,
    ConfigError,
    Profile,
    Settings,
    format_errors,
    load_settings,
)
from tillcard.config_writer import settings_to_toml, toml_value
from tillcard.domain.permissions import Permission
from tillcard.services.auth import PermissionDenied, SecretHasher, Session
from tillcard.services.setup_db import (
    AdminRequest,
    DbFault,
    DbReport,
    DbTarget,
    SetupFailed,
    check_database,
    create_roles,
    local_has_admin,
    run_migrations,
)
from tillcard.services.setup_devices import (
    PrintReport,
    ReaderList,
    list_readers,
    print_test_page,
)
from tillcard.services.users import UserAdmin, require_current
from tillcard.store import migrate
from tillcard.store.local_db import LocalLock, open_local
from tillcard.store.reference import ReferenceStore

# the steps split into setup_db and setup_devices, still importable from here
__all__ = [
    "AdminRequest",
    "ConfigProblem",
    "DbFault",
    "DbReport",
    "DbTarget",
    "Page",
    "PrintReport",
    "ReaderList",
    "SetupDraft",
    "SetupFailed",
    "SetupService",
    "check_database",
    "create_roles",
    "draft_from_file",
    "file_keys",
    "list_readers",
    "local_has_admin",
    "page_of",
    "print_test_page",
    "problems_of",
    "run_migrations",
]


class Page(StrEnum):
    """The wizard's pages, in order; Settings shows the same ones but the first admin."""

    PROFILE = "profile"
    ADMIN = "admin"
    TILL = "till"
    CLOCK = "clock"
    MEALS = "meals"
    CURRENCY = "currency"
    READER = "reader"
    PRINTER = "printer"
    DISPLAY = "display"
    LANGUAGE = "language"


# a key's page: the whole key first, then its section (keys no page shows go to the
# nearest: shift rules with the till, reports with the database)
_KEY_PAGES = {
    "profile": Page.PROFILE, "database": Page.PROFILE, "sync": Page.PROFILE,
    "reports": Page.PROFILE, "till": Page.TILL, "shift": Page.TILL, "site": Page.CLOCK,
    "counter": Page.MEALS, "currency": Page.CURRENCY, "devices": Page.READER,
    "devices.printer": Page.PRINTER, "receipt": Page.PRINTER,
    "devices.display": Page.DISPLAY, "ui": Page.LANGUAGE,
}
_SECTIONS = "|".join(k for k in _KEY_PAGES if "." not in k and k != "profile")
_PROBLEM = re.compile(rf"^(?P<source>.*?): (?P<key>profile|(?:{_SECTIONS})\.[\w.]+): "
                      r"(?P<reason>.*)$")


def page_of(key: str) -> Page:
    """The page that sets ``key`` (``section.name``, maybe deeper: ``receipt.header.0``)."""
    parts = key.split(".")
    return _KEY_PAGES.get(".".join(parts[:2])) or _KEY_PAGES.get(parts[0], Page.PROFILE)


@dataclass(frozen=True)
class ConfigProblem:
    """One line of a ``ConfigError``: the key (None: the file as a whole) and why."""

    key: str | None
    reason: str
    page: Page
    had: str | None = None  # the value the file gave, as TOML (None: none, or unknown)


def problems_of(error: ConfigError | str) -> list[ConfigProblem]:
    """The lines ``<source>: <key>: <reason>`` of a ConfigError, each with its page."""
    out = []
    for line in str(error).splitlines():
        m = _PROBLEM.match(line)
        if m:
            out.append(ConfigProblem(m["key"], m["reason"], page_of(m["key"])))
        elif line.strip():
            out.append(ConfigProblem(None, line, Page.PROFILE))
    return out


@dataclass
class SetupDraft:
    """The settings being edited: TOML-shaped data and the keys somebody chose."""

    data: dict[str, Any] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, settings: Settings, touched: set[str] | None = None) -> SetupDraft:
        data = settings.model_dump(mode="json")
        if data["receipt"]["language"] == RECEIPT_LANGUAGE[settings.ui.language]:
            del data["receipt"]["language"]  # implied: let a new ui.language carry it
        return cls(data, set(touched or ()))

    def get(self, key: str) -> Any:
        section, _, name = key.partition(".")
        table = self.data.get(section) if name else self.data
        if isinstance(table, dict) and (name or section) in table:
            return table[name or section]
        default = Settings().model_dump(mode="json")
        return default[section][name] if name else default[section]

    def set(self, key: str, value: Any) -> None:
        section, _, name = key.partition(".")
        self.touched.add(key)
        if not name:
            self.data[section] = value
            return
        table = self.data.setdefault(section, {})
        if not isinstance(table, dict):
            table = self.data[section] = {}
        table[name] = value

    def problems(self) -> list[ConfigProblem]:
        try:
            Settings.model_validate(self.data)
        except ValidationError as exc:
            return problems_of(format_errors(exc, Path("wizard")))
        return []

    def settings(self) -> Settings:
        """The draft as settings. Raises: ConfigError, one line per bad key."""
        try:
            return Settings.model_validate(self.data)
        except ValidationError as exc:
            raise ConfigError(format_errors(exc, Path("wizard"))) from None

    def toml(self) -> str:
        return settings_to_toml(self.settings(), self.touched)


def draft_from_file(path: Path, problems: list[ConfigProblem]) -> SetupDraft:
    """What can be kept of a broken file: its good keys; the faulty ones at their default.

    A file that is not TOML at all (or not there) gives the defaults.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return SetupDraft()
    for p in problems:
        if p.key is not None:
            section, _, name = p.key.partition(".")
            table = data.get(section) if name else None
            if isinstance(table, dict):
                table.pop(name.split(".")[0], None)
            else:
                data.pop(section, None)
    touched = file_keys(data)
    for _ in range(len(data) + 1):  # drop whole sections that still fail, one by one
        try:
            return SetupDraft.of(Settings.model_validate(data), touched)
        except ValidationError as exc:
            data.pop(str(exc.errors()[0]["loc"][0]), None)
    return SetupDraft()


def file_keys(data: Mapping[str, Any]) -> set[str]:
    """The dotted keys a TOML file sets: kept on rewrite even at their default."""
    return {f"{section}.{name}" if isinstance(table, dict) else section
            for section, table in data.items()
            for name in (table if isinstance(table, dict) else [section])}


# -- writing the file -----------------------------------------------------------------

class SetupService:
    """Finishes a set-up: the first admin, then the settings file, written and checked.

    Two ways in: the first run (no session; only while the file is missing or broken,
    so a till that works cannot be rewritten by whoever sits at it) and Settings in the
    back office (an admin's session, checked here and again at each save).
    """

    def __init__(self, config_path: Path, hasher: SecretHasher, *,
                 session: Session | None = None, refs: ReferenceStore | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.config_path = config_path
        self._hasher = hasher
        self._session, self._refs = session, refs
        self._env = env
        if session is not None:
            self._require_admin()

    @property
    def first_run(self) -> bool:
        return self._session is None

    def _require_admin(self) -> None:
        assert self._session is not None
        if self._refs is not None:
            require_current(self._refs, self._session, Permission.USERS)
        else:
            self._session.require(Permission.USERS)  # settings are admins' like users

    def draft(self) -> tuple[SetupDraft, list[ConfigProblem]]:
        """The file's settings to start from, and what is wrong with it (if anything)."""
        path = self.config_path
        if not path.exists():
            return SetupDraft(), []
        try:
            settings = load_settings(path, env={})
        except ConfigError as exc:
            problems = problems_of(exc)
            return draft_from_file(path, problems), self.explain(problems)
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return SetupDraft.of(settings, file_keys(data)), []

    def explain(self, problems: list[ConfigProblem]) -> list[ConfigProblem]:
        """The problems with the values the file gave, so the page can show what was there."""
        try:
            data = tomllib.loads(self.config_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return problems
        out = []
        for p in problems:
            value: Any = data
            for part in (p.key or "").split(".") if p.key else []:
                value = value.get(part) if isinstance(value, dict) else None
            had = None
            if p.key and value is not None and not isinstance(value, dict):
                with contextlib.suppress(TypeError):
                    had = toml_value(value)
            out.append(ConfigProblem(p.key, p.reason, p.page, had))
        return out

    def _may_write(self) -> None:
        if self._session is not None:
            self._require_admin()
            return
        if self.config_path.exists():
            try:
                load_settings(self.config_path, env={})
            except ConfigError:
                return  # broken: the wizard is how it gets fixed
            raise PermissionDenied("this till is set up already: an admin changes its "
                                   "settings in the back office")

    def create_first_admin(self, settings: Settings, request: AdminRequest,
                           target: DbTarget | None) -> int:
        """The database's first admin: this till's own file, or the centre (migrated).

        Raises:
            SetupFailed: the centre cannot be reached or is not migrated.
            FirstAdminExists: there is an admin already.
            UserError: the login or password is not acceptable.
        """
        self._may_write()
        if settings.profile is Profile.CENTRAL:
            if target is None:
                raise SetupFailed(DbFault.BAD_URL, "no central database")
            with target.engine(self._env) as engine:
                if migrate.current_revision(engine) != migrate.head_revision(engine):
                    raise SetupFailed(DbFault.NOT_MIGRATED, "the database is not migrated")
                return self._first_admin(engine, settings, request)
        path = settings.local_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = LocalLock(path)
        lock.acquire()
        try:
            engine = open_local(path, settings.till.id)
            try:
                return self._first_admin(engine, settings, request)
            finally:
                engine.dispose()
        finally:
            lock.release()

    def _first_admin(self, engine: Engine, settings: Settings, request: AdminRequest
                     ) -> int:
        refs = ReferenceStore(engine)
        refs.ensure_till(settings.till.id, settings.till.name, settings.till.site)
        return UserAdmin(refs, self._hasher, till_id=settings.till.id).create_first_admin(
            request.login, request.name, request.password, pin=request.pin or None)

    def write(self, draft: SetupDraft) -> Settings:
        """Write the draft atomically; the file is read back with ``load_settings``.

        A temporary file beside the target is written, fsynced and read back first, so a
        crash or a bad value never leaves a half-written or unloadable settings file.

        Raises:
            ConfigError: the draft does not load (one line per bad key).
            PermissionDenied: not an admin, or the first run over a working file.
        """
        self._may_write()
        body = draft.toml()
        folder = self.config_path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tillcard-", suffix=".toml", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            settings = load_settings(Path(tmp), env={})
            os.replace(tmp, self.config_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return settings
