from pathlib import Path

import pytest

from tillcard.config import ConfigError, Profile, load_settings, source_of


@pytest.fixture(autouse=True)
def _no_user_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def test_defaults_without_a_file(tmp_path: Path):
    s = load_settings(None, env={})
    assert s.profile is Profile.STANDALONE and s.till.id == 1


def test_file_and_environment_override(tmp_path: Path):
    f = tmp_path / "t.toml"
    f.write_text('[till]\nid = 3\nname = "Till 3"\n[receipt]\nlanguage = "zh"\n',
                 encoding="utf-8")
    s = load_settings(f, env={"TILLCARD_TILL__NAME": "三号收银台"})
    assert s.till.id == 3 and s.till.name == "三号收银台" and s.receipt.language == "zh"


@pytest.mark.parametrize(("text", "message"), [
    ("[till]\nid = 0\n", "till.id: Input should be greater than or equal to 1"),
    ("[receipt]\nwidth_mm = 60\n", "receipt.width_mm"),
    ("[till]\ncolour = 'red'\n", "till.colour: Extra inputs are not permitted"),
    ("[till\nid = 3", "not valid TOML"),
])
def test_bad_values_name_the_key(tmp_path: Path, text: str, message: str):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(f, env={})
    assert message in str(exc.value)


def test_missing_explicit_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "nope.toml", env={})


@pytest.mark.parametrize(("env", "message"), [
    ({"TILLCARD_FOO__BAR": "1"}, "TILLCARD_FOO__BAR: no such setting section 'foo'"),
    ({"TILLCARD_TILL__COLOUR": "red"}, "TILLCARD_TILL__COLOUR: no such setting 'till.colour'"),
    ({"TILLCARD_TILL__ID__X": "1"}, "TILLCARD_TILL__ID__X: no such setting 'till.id__x'"),
    ({"TILLCARD_TILL__ID": "0"},
     "TILLCARD_TILL__ID: till.id: Input should be greater than or equal to 1"),
    ({"TILLCARD_TILL__ID": "three"}, "TILLCARD_TILL__ID: till.id: Input should be a valid"),
    ({"TILLCARD_DATABASE__CENTRAL_URL": "postgresql://"},
     "TILLCARD_DATABASE__CENTRAL_URL: database.central_url: names no host and no database"),
])
def test_environment_errors_name_the_variable(tmp_path: Path, env: dict[str, str],
                                              message: str):
    f = tmp_path / "t.toml"
    f.write_text("[till]\nid = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(f, env=env)
    assert str(exc.value).startswith(message)
    assert str(f) not in str(exc.value)  # the file is not to blame


def test_file_errors_name_the_file_beside_environment_errors(tmp_path: Path):
    f = tmp_path / "t.toml"
    f.write_text("[till]\nid = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(f, env={"TILLCARD_UI__PAID_BANNER_MS": "5"})
    assert str(exc.value).splitlines() == [
        f"{f}: till.id: Input should be greater than or equal to 1",
        "TILLCARD_UI__PAID_BANNER_MS: ui.paid_banner_ms: Input should be greater than or "
        "equal to 200",
    ]


def test_variables_without_a_section_are_not_settings(tmp_path: Path):
    env = {name: "x" for name in ("TILLCARD_TEST_DATABASE_URL", "TILLCARD_DB_PASSWORD",
                                  "TILLCARD_CRASH_AT", "TILLCARD_USER", "TILLCARD_PASSWORD",
                                  "TILLCARD_NEW_PASSWORD", "TILLCARD_PROFILE", "OTHER__X")}
    assert load_settings(None, env=env).profile is Profile.STANDALONE


@pytest.mark.parametrize("url", [
    "postgresql://till3@db.canteen/tillcard", "postgres://till3@db.canteen:5433/tillcard",
    "postgresql+psycopg://till3@10.0.0.5/tillcard?sslmode=require",
    "postgresql:///tillcard?host=/run/postgresql",
])
def test_central_urls_that_name_a_server(url: str):
    s = load_settings(None, env={"TILLCARD_DATABASE__CENTRAL_URL": url})
    assert s.database.central_url == url


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "not a URL"),
    ("http://db.canteen/tillcard", "scheme 'http' is not PostgreSQL"),
    ("mysql+pymysql://till@db/tillcard", "scheme 'mysql+pymysql' is not PostgreSQL"),
    ("postgresql://", "names no host and no database"),
    ("postgresql://till@db.canteen", "names no database"),
    ("postgresql://till@/tillcard", "names no host"),
    ("postgresql://till@db:port/tillcard", "not a URL"),
])
def test_central_urls_refused(tmp_path: Path, url: str, message: str):
    f = tmp_path / "t.toml"
    f.write_text(f'[database]\ncentral_url = "{url}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(f, env={})
    assert str(exc.value).startswith(f"{f}: database.central_url: {message}")
    assert len(str(exc.value).splitlines()) == 1


def test_config_path_that_is_a_directory(tmp_path: Path):
    with pytest.raises(ConfigError, match="is a directory, not a configuration file"):
        load_settings(tmp_path, env={})


def test_local_database_under_a_regular_file(tmp_path: Path):
    (tmp_path / "plain").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_settings(None, env={"TILLCARD_DATABASE__LOCAL": str(tmp_path / "plain/a/t.db")})
    assert str(exc.value) == (f"TILLCARD_DATABASE__LOCAL: database.local: cannot create "
                              f"{tmp_path}/plain/a/t.db: {tmp_path}/plain is not a directory")


def test_local_database_folder_that_can_be_created_is_fine(tmp_path: Path):
    local = tmp_path / "not" / "yet" / "till.db"
    s = load_settings(None, env={"TILLCARD_DATABASE__LOCAL": str(local)})
    assert s.local_db_path() == local
    assert not local.parent.exists()  # made by bootstrap, not by reading the settings


def test_source_of_a_setting(tmp_path: Path):
    f = tmp_path / "t.toml"
    env = {"TILLCARD_DATABASE__LOCAL": "/x.db"}
    assert source_of("database.local", f, env) == "TILLCARD_DATABASE__LOCAL"
    assert source_of("database.central_url", f, env) == str(f)


@pytest.mark.parametrize(("text", "message"), [
    ('[site]\ntime_zone = "Mars/Olympus"\n', "site.time_zone: unknown time zone 'Mars/Olympus'"),
    ('[site]\nday_cutoff = "4am"\n', "site.day_cutoff: day cut-off must look like HH:MM"),
    ('[site]\nday_cutoff = "24:00"\n', "site.day_cutoff: day cut-off must be 00:00..23:59"),
])
def test_bad_site_clock_names_the_key(tmp_path: Path, text: str, message: str):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(cfg, env={})


def test_a_standalone_till_writes_its_site_clock_into_its_database(tmp_path: Path):
    from tillcard.bootstrap import build_till
    from tillcard.store.site import site_rules

    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[site]\ntime_zone = "Asia/Shanghai"\nday_cutoff = "03:30"\n'
                   f'[database]\nlocal = "{tmp_path / "till.db"}"\n'
                   f'[devices]\nprinter = "simulated"\n', encoding="utf-8")
    till = build_till(load_settings(cfg, env={}))
    try:
        clock = site_rules(till.engine).clock
        assert (clock.time_zone, clock.cutoff_minutes) == ("Asia/Shanghai", 210)
        from datetime import date, datetime
        from zoneinfo import ZoneInfo

        before_cutoff = datetime(2026, 11, 24, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        assert till.ledger.business_day(before_cutoff) == date(2026, 11, 23)
    finally:
        till.close()
