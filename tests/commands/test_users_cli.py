"""``tillcard users …`` run for real, on a SQLite file and on a throwaway PostgreSQL database.

Who acts comes from the environment (or a terminal); without either the command stops
with one line. The commands use the real argon2 profile, so each test does few sign-ins.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tillcard.cli import main
from tillcard.commands.credentials import NO_CREDENTIALS
from tillcard.services.auth import AuthService, LoginFailed, SecretHasher
from tillcard.store.audit import AuditLog
from tillcard.store.engine import make_engine
from tillcard.store.reference import ReferenceStore

ROOT_PASSWORD = "root password 1"
SECRET_VARS = ("TILLCARD_USER", "TILLCARD_PASSWORD", "TILLCARD_NEW_PASSWORD",
               "TILLCARD_NEW_PIN")


@dataclass
class Cli:
    """Runs ``tillcard`` in this process against one database, as no one until told."""

    db: str
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]
    engines: list[Engine] = field(default_factory=list)

    def run(self, *argv: str, **env: str) -> tuple[int, str, str]:
        with self.monkeypatch.context() as m:
            for var in SECRET_VARS:
                m.delenv(var, raising=False)
            for var, value in env.items():
                m.setenv(var, value)
            m.setattr(sys, "stdin", io.StringIO(""))  # no terminal: nobody to ask
            code = main([*argv, "--db", self.db])
        out, err = self.capsys.readouterr()
        return code, out, err

    def as_root(self, *argv: str, **env: str) -> tuple[int, str, str]:
        return self.run(*argv, TILLCARD_USER="root", TILLCARD_PASSWORD=ROOT_PASSWORD, **env)

    def first_admin(self) -> None:
        code, out, err = self.run("users", "add", "root", "--name", "Zhao Min", "--role",
                                  "admin", TILLCARD_NEW_PASSWORD=ROOT_PASSWORD)
        assert (code, err) == (0, ""), err
        assert "the first admin" in out

    def engine(self) -> Engine:
        """The test's own look at the database (the command opens and closes its own)."""
        if not self.engines:
            self.engines.append(make_engine(self.db))
        return self.engines[0]

    def refs(self) -> ReferenceStore:
        return ReferenceStore(self.engine())

    def audit(self) -> AuditLog:
        return AuditLog(self.engine())


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
       ) -> str:
    """A database made by ``tillcard db upgrade``: a SQLite file or a throwaway PostgreSQL."""
    url = (str(tmp_path / "office.db") if request.param == "sqlite"
           else request.getfixturevalue("pg_url"))
    assert main(["db", "upgrade", "--db", url]) == 0
    capsys.readouterr()
    return str(url)


@pytest.fixture
def cli(db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> Iterator[Cli]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))  # no user config
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    c = Cli(db, monkeypatch, capsys)
    yield c
    for engine in c.engines:
        engine.dispose()


def test_first_admin_without_credentials_then_a_second_is_refused(cli: Cli) -> None:
    code, _, err = cli.run("users", "add", "boss", "--name", "Boss", "--role", "cashier",
                           TILLCARD_NEW_PASSWORD="cashier pass")
    assert code == 1
    assert "no admin yet: add the first one with --role admin" in one_line(err)

    cli.first_admin()

    code, out, err = cli.run("users", "add", "root2", "--name", "Intruder", "--role",
                             "admin", TILLCARD_NEW_PASSWORD="intruder pass")
    assert (code, out) == (1, "")
    assert one_line(err) == f"tillcard users add: {NO_CREDENTIALS}"
    refs = cli.refs()
    assert [u.login for u in refs.users()] == ["root"]
    assert [e.action for e in cli.audit().events()] == ["user_first_admin"]


def test_admin_adds_changes_disables_and_lists_users(cli: Cli) -> None:
    cli.first_admin()

    code, out, err = cli.as_root("users", "add", "li.na", "--name", "Li Na", "--role",
                                 "cashier", "--pin", "--staff-card", "04a1b2c3",
                                 TILLCARD_NEW_PASSWORD="cashier pass 1",
                                 TILLCARD_NEW_PIN="1357")
    assert (code, err) == (0, "")
    assert out == "added li.na (Li Na), cashier\n"

    code, out, err = cli.as_root("users", "passwd", "li.na", "--reason", "forgot",
                                 TILLCARD_NEW_PASSWORD="cashier pass 2")
    assert (code, out, err) == (0, "password of li.na changed\n", "")
    auth = AuthService(cli.refs(), SecretHasher())
    assert auth.login("li.na", "cashier pass 2").name == "Li Na"
    assert auth.sign_in_card("04A1B2C3", "1357").login == "li.na"

    code, out, err = cli.as_root("users", "disable", "li.na", "--reason", "left")
    assert (code, out, err) == (0, "li.na disabled\n", "")
    with pytest.raises(LoginFailed, match="disabled"):
        auth.login("li.na", "cashier pass 2")

    code, out, err = cli.as_root("users", "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 2
    li = next(line for line in lines if line.startswith("li.na"))
    assert li.split() == ["li.na", "Li", "Na", "cashier", "disabled", "pin", "yes", "card",
                          "04A1B2C3"]
    events = cli.audit().events("user:li.na")
    assert [(e.action, e.reason) for e in events] == [
        ("user_add", ""), ("user_password", "forgot"), ("user_disable", "left")]
    root_id = cli.refs().user_by_login("root").id  # type: ignore[union-attr]
    assert {e.user_id for e in events} == {root_id}
    assert all("cashier pass" not in f"{e.before}{e.after}{e.detail}" for e in events)


def test_list_as_json_shows_no_secret(cli: Cli) -> None:
    cli.first_admin()
    code, out, _ = cli.as_root("users", "list", "--json")
    assert code == 0
    assert '"login": "root"' in out and '"role": "admin"' in out
    assert "argon2" not in out and ROOT_PASSWORD not in out


def test_no_terminal_and_no_environment_is_one_line_and_exit_1(cli: Cli) -> None:
    cli.first_admin()
    for argv in (["users", "list"], ["users", "disable", "root"], ["card-types", "list"]):
        code, out, err = cli.run(*argv, TILLCARD_USER="root")  # a name, no password
        assert (code, out) == (1, "")
        assert one_line(err).endswith(NO_CREDENTIALS)


def test_wrong_password_then_locked_out(cli: Cli) -> None:
    cli.first_admin()
    for left in (4, 3, 2, 1):
        code, _, err = cli.run("users", "list", TILLCARD_USER="root",
                               TILLCARD_PASSWORD="not it at all")
        assert code == 1
        assert one_line(err) == ("tillcard users list: cannot sign in as root: wrong "
                                 f"password or PIN ({left} tries left)")
    code, _, err = cli.run("users", "list", TILLCARD_USER="root",
                           TILLCARD_PASSWORD="not it at all")
    assert code == 1
    assert "cannot sign in as root: Zhao Min is locked out after 5 wrong tries" in one_line(err)
    code, _, err = cli.as_root("users", "list")  # the right password, still locked
    assert code == 1 and "locked out" in one_line(err)


def test_a_cashier_and_a_manager_may_not(cli: Cli) -> None:
    cli.first_admin()
    for login, role in (("li.na", "cashier"), ("wang", "manager")):
        code, _, _ = cli.as_root("users", "add", login, "--name", login, "--role", role,
                                 TILLCARD_NEW_PASSWORD=f"{role} pass 1")
        assert code == 0
    for login, role in (("li.na", "cashier"), ("wang", "manager")):
        for argv in (["users", "list"], ["users", "disable", "root"],
                     ["users", "add", "x", "--name", "X", "--role", "admin"]):
            code, out, err = cli.run(*argv, TILLCARD_USER=login,
                                     TILLCARD_PASSWORD=f"{role} pass 1",
                                     TILLCARD_NEW_PASSWORD="x password")
            assert (code, out) == (1, "")
            assert f"{login} ({role}) may not do this (users)" in one_line(err)
    assert cli.refs().user_by_login("x") is None
    assert cli.refs().user_by_login("root").active  # type: ignore[union-attr]


@pytest.mark.parametrize(("env", "argv", "code", "message"), [
    ({"TILLCARD_NEW_PASSWORD": "short"}, ["users", "add", "a", "--name", "A", "--role",
                                          "cashier"], 2,
     "tillcard users add: a password needs at least 8 characters, got 5"),
    ({}, ["users", "add", "a", "--name", "A", "--role", "cashier"], 1,
     "tillcard users add: no new password: set TILLCARD_NEW_PASSWORD, or run this on a "
     "terminal to be asked"),
    ({"TILLCARD_NEW_PASSWORD": "long enough"}, ["users", "add", "a", "--name", "A",
                                                "--role", "cashier", "--pin"], 1,
     "no new PIN: set TILLCARD_NEW_PIN"),
    ({"TILLCARD_NEW_PASSWORD": "long enough", "TILLCARD_NEW_PIN": "12"},
     ["users", "add", "a", "--name", "A", "--role", "cashier", "--pin"], 2,
     "tillcard users add: a PIN is 4 or more digits"),
    ({"TILLCARD_NEW_PASSWORD": "long enough"}, ["users", "add", "a b", "--name", "A",
                                                "--role", "cashier"], 2,
     "a login is letters, digits"),
    ({"TILLCARD_NEW_PASSWORD": "long enough"}, ["users", "add", "root", "--name", "A",
                                                "--role", "cashier"], 1,
     "tillcard users add: the login 'root' is taken"),
    ({"TILLCARD_NEW_PASSWORD": "long enough"}, ["users", "passwd", "ghost"], 1,
     "tillcard users passwd: no user 'ghost'"),
    ({}, ["users", "disable", "root"], 1,
     "tillcard users disable: root is the last active admin"),
])
def test_refusals_are_one_line(cli: Cli, env: dict[str, str], argv: list[str], code: int,
                               message: str) -> None:
    cli.first_admin()
    got, out, err = cli.as_root(*argv, **env)
    assert (got, out) == (code, "")
    assert message in one_line(err)
    assert [u.login for u in cli.refs().users()] == ["root"]


def test_a_terminal_is_asked_for_name_password_and_the_new_one_twice(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.first_admin()
    answers = iter([ROOT_PASSWORD, "typed password", "typed password"])
    asked: list[str] = []

    def getpass(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("getpass.getpass", getpass)
    with monkeypatch.context() as m:
        for var in SECRET_VARS:
            m.delenv(var, raising=False)
        m.setattr(sys, "stdin", Tty("root\n"))
        code = main(["users", "add", "wang", "--name", "Wang", "--role", "manager",
                     "--db", cli.db])
    out, err = cli.capsys.readouterr()
    assert code == 0, err
    assert err == "User: "
    assert asked == ["Password for root: ", "New password: ", "New password again: "]
    assert AuthService(cli.refs(), SecretHasher()).login("wang", "typed password").login == (
        "wang")


def test_two_different_new_passwords_on_a_terminal(cli: Cli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["first try 1", "second try 2"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(answers))

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    with monkeypatch.context() as m:
        for var in SECRET_VARS:
            m.delenv(var, raising=False)
        m.setattr(sys, "stdin", Tty(""))
        code = main(["users", "add", "root", "--name", "Root", "--role", "admin",
                     "--db", cli.db])
    _, err = cli.capsys.readouterr()
    assert code == 2
    assert one_line(err) == "tillcard users add: the two passwords differ"
    assert cli.refs().users() == []


def test_a_database_never_upgraded_or_missing(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    assert main(["users", "list", "--db", str(empty)]) == 1
    assert "no Tillcard tables yet: run 'tillcard db upgrade'" in one_line(
        capsys.readouterr().err)
    assert main(["users", "list", "--db", str(tmp_path / "nope.db")]) == 2
    assert "nope.db: no such database file" in one_line(capsys.readouterr().err)


def test_the_real_command_without_a_terminal(tmp_path: Path) -> None:
    """As cron or a script runs it: a subprocess, stdin not a terminal, no credentials."""
    db = str(tmp_path / "office.db")
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARS}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "d")}

    def tillcard(*argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tillcard", *argv, "--db", db],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              env=env | extra, timeout=120, check=False)

    assert tillcard("db", "upgrade").returncode == 0
    first = tillcard("users", "add", "root", "--name", "Root", "--role", "admin",
                     TILLCARD_NEW_PASSWORD=ROOT_PASSWORD)
    assert first.returncode == 0, first.stderr
    refused = tillcard("users", "list")
    assert refused.returncode == 1
    assert one_line(refused.stderr) == f"tillcard users list: {NO_CREDENTIALS}"
    listed = tillcard("users", "list", TILLCARD_USER="root", TILLCARD_PASSWORD=ROOT_PASSWORD)
    assert listed.returncode == 0 and listed.stdout.startswith("root ")


def test_the_real_command_on_a_real_terminal(tmp_path: Path) -> None:
    """A pseudo-terminal as the controlling terminal: getpass asks there, nothing echoes."""
    import fcntl
    import pty
    import select
    import termios

    db = str(tmp_path / "office.db")
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARS}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "d"),
            "TILLCARD_NEW_PASSWORD": ROOT_PASSWORD}
    base = [sys.executable, "-m", "tillcard"]
    for argv in (["db", "upgrade"], ["users", "add", "root", "--name", "Root", "--role",
                                     "admin"]):
        subprocess.run([*base, *argv, "--db", db], env=env, check=True, timeout=120,
                       capture_output=True, stdin=subprocess.DEVNULL)
    del env["TILLCARD_NEW_PASSWORD"]
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*base, "users", "add", "wang", "--name", "Wang", "--role", "manager", "--db", db],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    seen = b""

    def answer(prompt: str, reply: str) -> None:
        nonlocal seen
        while prompt.encode() not in seen:
            ready, _, _ = select.select([master], [], [], 60)
            assert ready, f"no {prompt!r} within a minute; saw {seen!r}"
            seen += os.read(master, 1024)
        seen = seen[seen.index(prompt.encode()) + len(prompt):]
        os.write(master, f"{reply}\n".encode())

    try:
        answer("User: ", "root")
        answer("Password for root: ", ROOT_PASSWORD)
        answer("New password: ", "manager pass 1")
        answer("New password again: ", "manager pass 1")
        assert proc.wait(timeout=120) == 0
        rest = b""
        while select.select([master], [], [], 0)[0]:
            try:
                rest += os.read(master, 1024)
            except OSError:  # the child closed its end
                break
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert b"added wang (Wang), manager" in seen + rest
    assert ROOT_PASSWORD.encode() not in seen + rest and b"manager pass" not in seen + rest
    engine = make_engine(db)
    try:
        session = AuthService(ReferenceStore(engine), SecretHasher()).login(
            "wang", "manager pass 1")
    finally:
        engine.dispose()
    assert session.role.value == "manager"



@pytest.fixture
def pg_db(pg_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["db", "upgrade", "--db", pg_url]) == 0
    capsys.readouterr()
    return pg_url


@pytest.fixture
def login_in_role(pg_db: str) -> Iterator[Callable[[str], str]]:
    """URLs that log in as new database logins in a group role (trust auth: no password).

    Logins belong to the server, not the throwaway database: dropped afterwards.
    """
    import uuid

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from tillcard.store.roles import create_roles

    owner = make_engine(pg_db)
    create_roles(owner)
    made: list[str] = []

    def login_in(group: str) -> str:
        login = f"{group.removeprefix('tillcard_')}_{uuid.uuid4().hex[:8]}"
        with owner.begin() as conn:
            conn.execute(text(f"CREATE ROLE {login} LOGIN"))
            conn.execute(text(f"GRANT {group} TO {login}"))
        made.append(login)
        return make_url(pg_db).set(username=login).render_as_string(hide_password=False)

    yield login_in
    with owner.begin() as conn:
        for login in made:
            conn.execute(text(f"DROP ROLE {login}"))
    owner.dispose()


def test_a_database_login_without_the_rights_is_one_line(
        login_in_role: Callable[[str], str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A manager's database login cannot write users, whatever the application allows."""
    cli = Cli(login_in_role("tillcard_manager"), monkeypatch, capsys)
    code, out, err = cli.run("users", "add", "root", "--name", "Root", "--role", "admin",
                             TILLCARD_NEW_PASSWORD=ROOT_PASSWORD)
    assert (code, out) == (1, "")
    assert one_line(err) == ("tillcard users add: the database refused: permission denied "
                             "for table users")


def test_an_admin_database_login_runs_the_commands(
        login_in_role: Callable[[str], str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(login_in_role("tillcard_admin"), monkeypatch, capsys)
    cli.first_admin()
    code, _, err = cli.as_root("users", "add", "li.na", "--name", "Li Na", "--role",
                               "cashier", TILLCARD_NEW_PASSWORD="cashier pass 1")
    assert (code, err) == (0, ""), err
    code, _, err = cli.as_root("card-types", "add", "vip", "--name", "VIP")
    assert (code, err) == (0, ""), err


def test_without_db_the_configured_database_is_used(
        db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A central till's configuration names the centre; a standalone one its own file."""
    cfg = tmp_path / "till.toml"
    if "://" in db:
        cfg.write_text(f'profile = "central"\n[database]\ncentral_url = "{db}"\n',
                       encoding="utf-8")
    else:
        cfg.write_text(f'[database]\nlocal = "{db}"\n', encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    for var in SECRET_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    monkeypatch.setenv("TILLCARD_NEW_PASSWORD", ROOT_PASSWORD)
    assert main(["--config", str(cfg), "users", "add", "root", "--name", "Root", "--role",
                 "admin"]) == 0
    monkeypatch.setenv("TILLCARD_USER", "root")
    monkeypatch.setenv("TILLCARD_PASSWORD", ROOT_PASSWORD)
    assert main(["--config", str(cfg), "users", "list"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "the first admin" in out and "\nroot " in out
    engine = make_engine(db)
    try:
        assert [u.login for u in ReferenceStore(engine).users()] == ["root"]
    finally:
        engine.dispose()
