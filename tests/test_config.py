from pathlib import Path

import pytest

from tillcard.config import ConfigError, Profile, load_settings


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
