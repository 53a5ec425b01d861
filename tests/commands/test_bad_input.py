"""Bad input, command by command: one line on stderr naming what to fix, and exit 2.

Each row is a command line, the environment it runs in and the settings file it reads
(``{tmp}`` stands for a scratch folder holding ``plain``, a regular file, and ``folder``,
a directory). Nothing here reaches a database: every row must be refused before that.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tillcard.cli import main

UNREACHABLE = "postgresql://nobody@127.0.0.1:9/none"  # never contacted: refused before
BENCH = ["bench", "--db", UNREACHABLE]

ROWS = [
    # -- the settings file and its keys ---------------------------------------------------
    pytest.param(["verify"], {}, '[database]\ncentral_url = "not a url"\n', 2,
                 "till.toml: database.central_url: not a URL", id="central-url-not-a-url"),
    pytest.param(["verify"], {}, '[database]\ncentral_url = "http://db.canteen/tillcard"\n',
                 2, "till.toml: database.central_url: scheme 'http' is not PostgreSQL",
                 id="central-url-http"),
    pytest.param(["verify"], {}, '[database]\ncentral_url = "postgresql://"\n', 2,
                 "database.central_url: names no host and no database",
                 id="central-url-empty-postgresql"),
    pytest.param(["sync", "status"], {}, '[database]\ncentral_url = "postgres://till@db/"\n',
                 2, "database.central_url: names no database", id="central-url-no-database"),
    pytest.param(["verify"], {}, '[database]\nlocal = "{tmp}/plain/till.db"\n', 2,
                 "till.toml: database.local: cannot create", id="local-db-under-a-file"),
    pytest.param(["verify"], {}, '[database]\nlocal = "{tmp}/folder"\n', 2,
                 "database.local: {tmp}/folder is a directory", id="local-db-is-a-directory"),
    pytest.param(["verify"], {}, "[devices]\nprinter = 5\n", 2,
                 "till.toml: devices.printer: Input should be a valid string",
                 id="printer-not-a-string"),
    pytest.param(["verify"], {}, "[till\nid = 3\n", 2, "till.toml: not valid TOML",
                 id="toml-syntax"),
    pytest.param(["sync", "status"], {}, 'profile = "standalone"\n', 2,
                 "till.toml: profile: 'tillcard sync' needs profile", id="sync-standalone"),
    # -- --config itself ------------------------------------------------------------------
    pytest.param(["--config", "{tmp}/folder", "verify"], {}, None, 2,
                 "{tmp}/folder: is a directory", id="config-is-a-directory"),
    pytest.param(["--config", "{tmp}/nope.toml", "verify"], {}, None, 2,
                 "{tmp}/nope.toml: no such configuration file", id="config-missing"),
    pytest.param(["--config", "{tmp}/nope.toml", *BENCH], {}, None, 2,
                 "no such configuration file", id="config-missing-command-ignores-it"),
    # -- environment overrides ------------------------------------------------------------
    pytest.param(["verify"], {"TILLCARD_FOO__BAR": "1"}, None, 2,
                 "TILLCARD_FOO__BAR: no such setting section 'foo'", id="env-unknown-section"),
    pytest.param(["verify"], {"TILLCARD_TILL__COLOUR": "red"}, "[till]\nid = 2\n", 2,
                 "TILLCARD_TILL__COLOUR: no such setting 'till.colour'", id="env-unknown-key"),
    pytest.param(["verify"], {"TILLCARD_TILL__ID": "0"}, "[till]\nid = 2\n", 2,
                 "TILLCARD_TILL__ID: till.id: Input should be greater than or equal to 1",
                 id="env-bad-value"),
    pytest.param(["sync", "push"], {"TILLCARD_DATABASE__CENTRAL_URL": "postgresql://"},
                 'profile = "central"\n', 2,
                 "TILLCARD_DATABASE__CENTRAL_URL: database.central_url: names no host",
                 id="env-central-url"),
    pytest.param(["verify"], {"TILLCARD_DATABASE__LOCAL": "{tmp}/plain/x/till.db"}, None, 2,
                 "TILLCARD_DATABASE__LOCAL: database.local: cannot create",
                 id="env-local-db-under-a-file"),
    # -- bench's numbers ------------------------------------------------------------------
    pytest.param([*BENCH, "--cards", "0"], {}, None, 2, "argument --cards: must be at least 1",
                 id="bench-cards-0"),
    pytest.param(["bench", "--offline", "--entries", "-5"], {}, None, 2,
                 "argument --entries: must be at least 1", id="bench-offline-entries-negative"),
    pytest.param([*BENCH, "--tills", "0"], {}, None, 2, "argument --tills: must be at least 1",
                 id="bench-tills-0"),
    pytest.param([*BENCH, "--tills", "-3"], {}, None, 2, "argument --tills: must be at least 1",
                 id="bench-tills-negative"),
    pytest.param([*BENCH, "--seconds", "-1"], {}, None, 2,
                 "argument --seconds: must be a number above 0", id="bench-seconds-negative"),
    pytest.param([*BENCH, "--seconds", "inf"], {}, None, 2,
                 "argument --seconds: must be a number above 0", id="bench-seconds-inf"),
    pytest.param([*BENCH, "--procs", "0"], {}, None, 2, "argument --procs: must be at least 1",
                 id="bench-procs-0"),
    pytest.param([*BENCH, "--hot-cards", "-1"], {}, None, 2,
                 "argument --hot-cards: must be 0 or more", id="bench-hot-cards-negative"),
    pytest.param([*BENCH, "--cards", "10", "--hot-cards", "11"], {}, None, 2,
                 "argument --hot-cards: 11 is more than --cards (10)",
                 id="bench-more-hot-cards-than-cards"),
    pytest.param([*BENCH, "--cards", "ten"], {}, None, 2,
                 "argument --cards: not a whole number: 'ten'", id="bench-cards-not-a-number"),
    pytest.param(["bench"], {}, None, 2, "--db is required", id="bench-no-db"),
    # -- the command line in general ------------------------------------------------------
    pytest.param([*BENCH, "--frobnicate"], {}, None, 2,
                 "unrecognized arguments: --frobnicate", id="unknown-option"),
    pytest.param(["frobnicate"], {}, None, 2, "invalid choice: 'frobnicate'",
                 id="unknown-command"),
    pytest.param(["demo", "--data", "{tmp}/plain"], {}, None, 2,
                 "argument --data: {tmp}/plain is a file, not a folder", id="demo-data-a-file"),
    pytest.param(["demo", "--data", "{tmp}/plain/demo"], {}, None, 2,
                 "argument --data: cannot create {tmp}/plain/demo: {tmp}/plain is not a",
                 id="demo-data-under-a-file"),
    pytest.param(["verify", "--db", "http://db.canteen/tillcard"], {}, None, 2, "http",
                 id="verify-db-not-a-database-url"),
    # -- the database and device tools ----------------------------------------------------
    pytest.param(["verify", "--db", "{tmp}/missing.db"], {}, None, 2,
                 "tillcard verify: {tmp}/missing.db: no such database file",
                 id="verify-db-missing-file"),
    pytest.param(["db", "upgrade", "--db", "{tmp}/plain/till.db"], {}, None, 2,
                 "tillcard db upgrade: cannot create {tmp}/plain/till.db",
                 id="db-upgrade-under-a-file"),
    pytest.param(["db", "site", "--db", "{tmp}/missing.db", "--time-zone", "UTC"], {}, None,
                 2, "no such database file", id="db-site-missing-file"),
    pytest.param(["verify", "--db", "{tmp}/plain", "--anchor", "{tmp}/plain"], {}, None, 2,
                 "not an anchor file written by tillcard verify", id="verify-anchor-garbage"),
    pytest.param(["db", "till-login", "--db", UNREACHABLE, "--till", "3", "Till 3"], {}, None,
                 2, "a login is lower-case letters, digits and _", id="till-login-bad-name"),
    pytest.param(["devices", "read", "--timeout", "0"], {}, None, 2,
                 "argument --timeout: must be a number above 0", id="reader-timeout-0"),
    pytest.param(["devices", "test-print", "--status-timeout", "-1"], {}, None, 2,
                 "argument --status-timeout: must be a number above 0",
                 id="printer-status-timeout-negative"),
]


@pytest.mark.parametrize(("argv", "env", "config", "code", "expected"), ROWS)
def test_bad_input_is_one_line_and_exit_2(
        argv: list[str], env: dict[str, str], config: str | None, code: int, expected: str,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "plain").write_text("not a folder", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))  # no user file
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    for var in [v for v in os.environ if v.startswith("TILLCARD_") and "__" in v]:
        monkeypatch.delenv(var)
    for var, value in env.items():
        monkeypatch.setenv(var, value.format(tmp=tmp_path))
    args = [a.format(tmp=tmp_path) for a in argv]
    if config is not None:
        cfg = tmp_path / "till.toml"
        cfg.write_text(config.format(tmp=tmp_path), encoding="utf-8")
        args = ["--config", str(cfg), *args]

    assert main(args) == code

    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert "Traceback" not in captured.err
    assert len(lines) == 1, captured.err
    assert expected.format(tmp=tmp_path) in lines[0]
    assert lines[0].startswith("tillcard")
    assert captured.out == ""
