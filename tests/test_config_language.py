"""One language setting: ``ui.language`` picks the screen and the receipts; the old
``receipt.language`` is still read so an existing till prints as before."""

from pathlib import Path

import pytest

from tillcard.bootstrap import receipt_settings
from tillcard.config import ConfigError, Settings, UiSettings, load_settings
from tillcard.devices.printer.labels import LABELS
from tillcard.domain.money import Currency


@pytest.fixture(autouse=True)
def _no_user_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def settings_from(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Settings:
    f = tmp_path / "till.toml"
    f.write_text(text, encoding="utf-8")
    return load_settings(f, env=env or {})


def receipt_sale_label(settings: Settings) -> str:
    """The title a sale's receipt prints under, as the printer is configured at start."""
    return LABELS[receipt_settings(settings, Currency()).language]["sale"]


def test_english_by_default_on_screen_and_receipts(tmp_path: Path):
    s = settings_from(tmp_path, "")
    assert s.ui.language == "en" and s.receipt.language == "en"
    assert receipt_sale_label(s) == "SALE"


def test_ui_language_sets_the_receipts_too(tmp_path: Path):
    s = settings_from(tmp_path, '[ui]\nlanguage = "zh_CN"\n')
    assert s.ui.language == "zh_CN" and s.receipt.language == "zh"
    assert receipt_sale_label(s) == "消费小票"


def test_the_environment_sets_both_as_well(tmp_path: Path):
    s = settings_from(tmp_path, "[receipt]\nwidth_mm = 58\n",
                      env={"TILLCARD_UI__LANGUAGE": "zh_CN"})
    assert s.receipt.language == "zh" and s.receipt.width_mm == 58


def test_the_old_receipt_key_alone_still_prints_chinese(tmp_path: Path):
    """A till configured before ui.language drove receipts keeps its Chinese receipts."""
    s = settings_from(tmp_path, '[receipt]\nlanguage = "zh"\n')
    assert s.ui.language == "en" and s.receipt.language == "zh"
    assert receipt_sale_label(s) == "消费小票"


def test_the_old_receipt_key_wins_for_receipts_when_both_are_given(tmp_path: Path):
    s = settings_from(tmp_path, '[ui]\nlanguage = "zh_CN"\n[receipt]\nlanguage = "en"\n')
    assert s.ui.language == "zh_CN" and s.receipt.language == "en"


def test_the_receipt_key_takes_the_screen_spelling_too(tmp_path: Path):
    s = settings_from(tmp_path, '[receipt]\nlanguage = "zh_CN"\n')
    assert s.receipt.language == "zh"


def test_built_in_code_follows_the_same_rule():
    """Settings made in code (the demo, the wizard) get the receipts of their screen."""
    assert Settings(ui=UiSettings(language="zh_CN")).receipt.language == "zh"
    assert Settings().receipt.language == "en"


@pytest.mark.parametrize(("text", "message"), [
    ('[ui]\nlanguage = "fr"\n', "ui.language: Input should be 'en' or 'zh_CN'"),
    ('[receipt]\nlanguage = "fr"\n', "receipt.language: Input should be 'en' or 'zh'"),
    ("ui = 3\n", "ui: Input should be a valid dictionary"),
])
def test_a_bad_language_names_its_key_alone(tmp_path: Path, text: str, message: str):
    with pytest.raises(ConfigError) as exc:
        settings_from(tmp_path, text)
    assert message in str(exc.value)
    assert len(str(exc.value).splitlines()) == 1  # no second error made up by the fill-in
