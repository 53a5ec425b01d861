"""The set-up steps without Qt: TOML out and back, problems to pages, the database's answers."""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.pg import LOGINS
from tillcard.config import ConfigError, Settings, load_settings
from tillcard.config_writer import settings_to_toml
from tillcard.services.auth import AuthService, PermissionDenied, Role, Session
from tillcard.services.setup import (
    AdminRequest,
    DbFault,
    DbTarget,
    Page,
    SetupDraft,
    SetupFailed,
    SetupService,
    check_database,
    create_roles,
    draft_from_file,
    page_of,
    print_test_page,
    problems_of,
    run_migrations,
)
from tillcard.store.engine import make_engine
from tillcard.store.reference import ReferenceStore

GOOD_PASSWORD = "right-horse-battery"  # noqa: S105 - a throwaway login's


# -- helpers the UI tests share ---------------------------------------------------------

@dataclass
class Owner:
    """A database and a login with a password that owns it (and may create roles)."""

    url: str  # without the password
    password: str
    host: str
    port: int
    database: str
    user: str


def make_owner(admin_url: str, database: str, *, remember: bool) -> Owner:
    """A login that owns ``database`` on the server of ``admin_url`` (a superuser's)."""
    login = f"wiz_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(admin_url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {login} LOGIN CREATEROLE PASSWORD "
                              f"'{GOOD_PASSWORD}'"))
            if remember:
                LOGINS.append(login)  # dropped when the session ends
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                  {"d": database}).first()
            if exists is None:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
            conn.execute(text(f'ALTER DATABASE "{database}" OWNER TO {login}'))
    finally:
        admin.dispose()
    u = make_url(admin_url)
    url = DbTarget.url_of(u.host or "127.0.0.1", u.port or 5432, database, login)
    return Owner(url, GOOD_PASSWORD, u.host or "127.0.0.1", u.port or 5432, database, login)


@pytest.fixture
def owner(pg_url: str) -> Owner:
    """The shared server (trust on loopback: any password passes), a password login."""
    return make_owner(pg_url, make_url(pg_url).database or "", remember=True)


@contextlib.contextmanager
def password_server() -> Iterator[tuple[str, Owner]]:
    """A server of the test's own that checks passwords (scram), with an owner login.

    The shared server trusts loopback, so a wrong password would pass there.
    """
    from tests.sync.private_pg import PrivateServer, _bindir

    bindir = _bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb) on this machine")
    root = Path(tempfile.mkdtemp(prefix="tillcard-pg-"))
    srv = PrivateServer(bindir, root)
    try:
        srv.init()
        (srv.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "host all postgres 127.0.0.1/32 trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8")
        srv.start()
        yield srv.url, make_owner(srv.url, "site", remember=False)
    finally:
        with contextlib.suppress(Exception):
            srv.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def not_postgres() -> Iterator[int]:
    """A port where a web server answers: something, but not PostgreSQL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                conn.recv(1024)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        sock.close()
        thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the TOML ---------------------------------------------------------------------------

def test_toml_holds_only_choices_and_reads_back_the_same() -> None:
    settings = Settings.model_validate({
        "profile": "central",
        "till": {"id": 3, "name": "收银台 3", "site": "一号窗口 \"东\""},
        "database": {"central_url": "postgresql://till3@db.site/tillcard"},
        "receipt": {"header": ["王记食堂", "Tel 123"], "width_mm": 58},
        "ui": {"language": "zh_CN"},
        "sync": {"call_timeout_s": 2.5},
    })
    text_ = settings_to_toml(settings, keep={"currency.code"})
    data = tomllib.loads(text_)
    assert Settings.model_validate(data) == settings
    assert data["till"] == {"id": 3, "name": "收银台 3", "site": "一号窗口 \"东\""}
    assert data["currency"] == {"code": "CNY"}  # kept: the wizard asked about it
    assert "language" not in data["receipt"]  # implied by ui.language, never pinned
    assert "shift" not in data and "locale" not in data["currency"]


def test_a_deprecated_receipt_language_that_differs_is_kept() -> None:
    settings = Settings.model_validate({"ui": {"language": "zh_CN"},
                                        "receipt": {"language": "en"}})
    data = tomllib.loads(settings_to_toml(settings))
    assert data["receipt"]["language"] == "en"
    assert Settings.model_validate(data) == settings


# -- problems and pages -------------------------------------------------------------------

def test_each_bad_key_names_its_page(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('profile = "nowhere"\n[till]\nid = 0\nname = "收银台"\n'
                    '[receipt]\nwidth_mm = 60\n[ui]\nlanguage = "fr"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    found = {p.key: p.page for p in problems_of(err.value)}
    assert found == {"profile": Page.PROFILE, "till.id": Page.TILL,
                     "receipt.width_mm": Page.PRINTER, "ui.language": Page.LANGUAGE}
    draft = draft_from_file(path, problems_of(err.value))
    assert draft.get("till.name") == "收银台"  # the good keys survive
    assert draft.get("till.id") == 1 and draft.problems() == []


def test_a_file_that_is_not_toml_opens_the_first_page(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text("[till\nid = 2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path, env={})
    (problem,) = problems_of(err.value)
    assert problem.key is None and problem.page is Page.PROFILE
    assert "not valid TOML" in problem.reason
    assert draft_from_file(path, [problem]).data == {}


def test_keys_map_to_pages() -> None:
    assert page_of("devices.printer") is Page.PRINTER
    assert page_of("devices.wedge_max_gap_ms") is Page.READER
    assert page_of("receipt.header.0") is Page.PRINTER
    assert page_of("site.day_cutoff") is Page.CLOCK


# -- writing ------------------------------------------------------------------------------

def test_write_is_checked_and_refuses_a_working_file(tmp_path: Path, hasher) -> None:
    path = tmp_path / "conf" / "tillcard.toml"
    service = SetupService(path, hasher)
    draft = SetupDraft()
    draft.set("till.name", "收银台 2")
    draft.set("till.id", 0)
    with pytest.raises(ConfigError, match="till.id"):
        service.write(draft)
    assert not path.parent.exists()  # nothing written, not even the folder
    draft.set("till.id", 2)
    draft.set("database.local", str(tmp_path))  # a folder: only load_settings sees it
    with pytest.raises(ConfigError, match="database.local"):
        service.write(draft)
    assert list(path.parent.iterdir()) == []  # the checked temporary file is gone
    draft.set("database.local", "")
    assert service.write(draft).till.name == "收银台 2"
    assert load_settings(path, env={}).till.id == 2
    with pytest.raises(PermissionDenied, match="set up already"):
        SetupService(path, hasher).write(draft)  # the first run cannot overwrite it


def test_settings_are_an_admins(tmp_path: Path, hasher, books) -> None:
    path = tmp_path / "tillcard.toml"
    path.write_text('[till]\nname = "Till 1"\n', encoding="utf-8")
    cashier = Session(1, "books-cashier", "Li Na", Role.CASHIER)
    with pytest.raises(PermissionDenied):
        SetupService(path, hasher, session=cashier, refs=books.refs)
    admin_id = books.refs.add_user("boss", "Boss", "admin", hasher.hash("long-password"))
    admin = Session(admin_id, "boss", "Boss", Role.ADMIN)
    service = SetupService(path, hasher, session=admin, refs=books.refs)
    draft, problems = service.draft()
    assert problems == [] and "till.name" in draft.touched
    draft.set("till.site", "二号窗口")
    service.write(draft)
    assert tomllib.loads(path.read_text(encoding="utf-8"))["till"] == {
        "name": "Till 1", "site": "二号窗口"}
    books.refs.add_user("boss2", "Boss 2", "admin", hasher.hash("long-password"))
    assert books.refs.set_user_active(admin_id, False)  # disabled meanwhile: refused
    with pytest.raises(PermissionDenied):
        service.write(draft)


def test_test_page_on_the_simulated_printer() -> None:
    settings = Settings.model_validate({"devices": {"printer": "simulated"},
                                        "till": {"name": "收银台 1"}})
    report = print_test_page(settings)
    assert report.ok
    assert "收银台 1" in report.text
    bad = print_test_page(Settings.model_validate({"devices": {"printer": "bogus://x"}}))
    assert not bad.ok and "bad printer URI" in bad.detail


# -- the central database ------------------------------------------------------------------

def test_an_address_where_nothing_listens_is_unreachable() -> None:
    target = DbTarget(DbTarget.url_of("127.0.0.1", free_port(), "site", "me"), timeout_s=2)
    with pytest.raises(SetupFailed) as err:
        check_database(target, env={})
    assert err.value.fault is DbFault.UNREACHABLE


def test_a_web_server_is_not_postgres() -> None:
    with not_postgres() as port:
        target = DbTarget(DbTarget.url_of("127.0.0.1", port, "site", "me"), timeout_s=2)
        with pytest.raises(SetupFailed) as err:
            check_database(target, env={})
    assert err.value.fault is DbFault.NOT_POSTGRES, err.value.detail


def test_a_url_that_is_not_postgres_is_refused() -> None:
    with pytest.raises(SetupFailed) as err:
        check_database(DbTarget("mysql://db.site/x"), env={})
    assert err.value.fault is DbFault.BAD_URL


@pytest.mark.postgres
def test_wrong_password_then_right_one() -> None:
    with password_server() as (_admin, owner):
        wrong = DbTarget(owner.url, "not-it", timeout_s=5)
        with pytest.raises(SetupFailed) as err:
            check_database(wrong, env={})
        assert err.value.fault is DbFault.WRONG_PASSWORD
        from_env = DbTarget(owner.url, password_env="WIZ_PW", timeout_s=5)
        report = check_database(from_env, env={"WIZ_PW": owner.password})
        assert report.server.startswith("PostgreSQL") and report.revision is None
        missing = DbTarget(DbTarget.url_of(owner.host, owner.port, "nope", owner.user),
                           owner.password, timeout_s=5)
        with pytest.raises(SetupFailed) as err:
            check_database(missing, env={})
        assert err.value.fault is DbFault.NO_DATABASE


@pytest.mark.postgres
def test_migrate_roles_first_admin_on_the_centre(owner: Owner, hasher, tmp_path: Path
                                                 ) -> None:
    target = DbTarget(owner.url, owner.password)
    before = check_database(target, env={})
    assert before.needs_migration and before.has_admin is None
    after = run_migrations(target, env={})
    assert not after.needs_migration and after.has_admin is False
    assert any("grants" in line for line in create_roles(target, env={}))
    assert check_database(target, env={}).roles
    settings = Settings.model_validate({"profile": "central",
                                        "database": {"central_url": owner.url}})
    service = SetupService(tmp_path / "t.toml", hasher, env={})
    service.create_first_admin(settings, AdminRequest("chief", "陈主管", "long-password"),
                               target)
    engine = make_engine(make_url(owner.url).set(password=owner.password)
                         .render_as_string(hide_password=False))
    try:
        session = AuthService(ReferenceStore(engine), hasher).login("chief", "long-password")
    finally:
        engine.dispose()
    assert session.role is Role.ADMIN and session.name == "陈主管"
