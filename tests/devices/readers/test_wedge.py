"""WedgeFilter: a reader's keystroke burst becomes card_read; hand typing is untouched."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from reader_support import StepClock

from tillcard.config import ConfigError, DeviceSettings, load_settings
from tillcard.ui.wedge import WedgeFilter

READER_SPEED = 0.008  # seconds between keys
HUMAN_SPEED = 0.180


class Till(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.amount = QLineEdit("12.50")
        self.returns = 0
        self.amount.returnPressed.connect(self._on_amount_return_pressed)
        QVBoxLayout(self).addWidget(self.amount)

    def _on_amount_return_pressed(self) -> None:
        self.returns += 1


@pytest.fixture
def clock() -> StepClock:
    return StepClock(READER_SPEED)


@pytest.fixture
def wedge(qapp: QApplication, clock: StepClock) -> Iterator[WedgeFilter]:
    wedge = WedgeFilter(clock=clock)
    qapp.installEventFilter(wedge)
    yield wedge
    qapp.removeEventFilter(wedge)
    wedge.deleteLater()


@pytest.fixture
def till(qtbot: QtBot) -> Till:
    till = Till()
    qtbot.addWidget(till)
    till.show()
    qtbot.waitExposed(till)
    till.amount.setFocus()
    till.amount.end(False)
    return till


def test_reader_burst_becomes_card_read(qtbot: QtBot, wedge: WedgeFilter, till: Till) -> None:
    with qtbot.waitSignal(wedge.card_read) as read:
        qtbot.keyClicks(till.amount, "0011259375")
        qtbot.keyClick(till.amount, Qt.Key.Key_Return)
    assert read.args == ["0011259375"]
    assert till.amount.text() == "12.50"
    assert till.returns == 0


def test_hex_burst_is_upper_cased(qtbot: QtBot, wedge: WedgeFilter, till: Till) -> None:
    with qtbot.waitSignal(wedge.card_read) as read:
        qtbot.keyClicks(till.amount, "04a1b2c3")
        qtbot.keyClick(till.amount, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert read.args == ["04A1B2C3"]
    assert till.amount.text() == "12.50"


def test_human_typing_passes_through(qtbot: QtBot, wedge: WedgeFilter, till: Till,
                                     clock: StepClock) -> None:
    reads: list[str] = []
    wedge.card_read.connect(reads.append)
    clock.step = HUMAN_SPEED
    till.amount.clear()
    qtbot.keyClicks(till.amount, "1234567")
    qtbot.keyClick(till.amount, Qt.Key.Key_Return)
    assert till.amount.text() == "1234567"
    assert till.returns == 1
    assert reads == []


def test_fast_but_short_burst_is_typing(qtbot: QtBot, wedge: WedgeFilter, till: Till) -> None:
    reads: list[str] = []
    wedge.card_read.connect(reads.append)
    qtbot.keyClicks(till.amount, "123")
    qtbot.keyClick(till.amount, Qt.Key.Key_Return)
    assert till.amount.text() == "12.50123"
    assert till.returns == 1
    assert reads == []


def test_burst_without_enter_is_replayed(qtbot: QtBot, wedge: WedgeFilter, till: Till) -> None:
    qtbot.keyClicks(till.amount, "9876543")
    assert till.amount.text() == "12.50"  # held back for now
    qtbot.waitUntil(lambda: till.amount.text() == "12.509876543", timeout=2000)


def test_burst_broken_by_other_key_is_replayed_in_order(qtbot: QtBot, wedge: WedgeFilter,
                                                        till: Till) -> None:
    till.amount.clear()
    qtbot.keyClicks(till.amount, "12.5")
    qtbot.keyClick(till.amount, Qt.Key.Key_Backspace)
    qtbot.keyClicks(till.amount, "75")
    qtbot.waitUntil(lambda: till.amount.text() == "12.75", timeout=2000)


def test_slow_key_ends_burst(qtbot: QtBot, wedge: WedgeFilter, till: Till,
                             clock: StepClock) -> None:
    reads: list[str] = []
    wedge.card_read.connect(reads.append)
    till.amount.clear()
    qtbot.keyClicks(till.amount, "123")
    clock.step = HUMAN_SPEED
    qtbot.keyClick(till.amount, Qt.Key.Key_4)
    clock.step = READER_SPEED
    qtbot.keyClicks(till.amount, "56")
    qtbot.keyClick(till.amount, Qt.Key.Key_Return)
    assert till.amount.text() == "123456"
    assert reads == []


def test_human_digit_then_card(qtbot: QtBot, wedge: WedgeFilter, till: Till,
                               clock: StepClock) -> None:
    till.amount.clear()
    clock.step = HUMAN_SPEED
    qtbot.keyClick(till.amount, Qt.Key.Key_5)
    clock.step = READER_SPEED
    clock.now += 1.0  # the customer's card comes a second later
    with qtbot.waitSignal(wedge.card_read) as read:
        qtbot.keyClicks(till.amount, "0004567890")
        qtbot.keyClick(till.amount, Qt.Key.Key_Return)
    assert read.args == ["0004567890"]
    qtbot.waitUntil(lambda: till.amount.text() == "5", timeout=2000)


def test_ctrl_keys_are_never_held(qtbot: QtBot, wedge: WedgeFilter, till: Till) -> None:
    till.amount.selectAll()
    qtbot.keyClick(till.amount, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(till.amount, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert till.amount.text() == "12.50"
    assert till.amount.selectedText() == "12.50"


def test_enter_shortcut_does_not_fire_mid_burst(qtbot: QtBot, wedge: WedgeFilter,
                                                till: Till) -> None:
    fired: list[bool] = []
    charge = QShortcut(QKeySequence(Qt.Key.Key_Return), till)
    charge.setContext(Qt.ShortcutContext.ApplicationShortcut)
    charge.activated.connect(lambda: fired.append(True))
    with qtbot.waitSignal(wedge.card_read):
        qtbot.keyClicks(till.amount, "0011259375")
        qtbot.keyClick(till.amount, Qt.Key.Key_Return)
    assert fired == []
    assert till.amount.text() == "12.50"


def test_wedge_thresholds_are_settings(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no user config file here
    assert (DeviceSettings().wedge_max_gap_ms, DeviceSettings().wedge_min_length) == (50, 6)
    settings = load_settings(None, env={
        "TILLCARD_DEVICES__READER": "wedge", "TILLCARD_DEVICES__WEDGE_MAX_GAP_MS": "30",
        "TILLCARD_DEVICES__WEDGE_MIN_LENGTH": "10"})
    assert (settings.devices.wedge_max_gap_ms, settings.devices.wedge_min_length) == (30, 10)
    config = tmp_path / "tillcard.toml"
    config.write_text('[devices]\nreader = "wedge"\nwedge_max_gap_ms = 0\nwedge_min_length = 99\n')
    with pytest.raises(ConfigError) as error:
        load_settings(config, env={})
    message = str(error.value)
    assert "devices.wedge_max_gap_ms: Input should be greater than or equal to 5" in message
    assert "devices.wedge_min_length: Input should be less than or equal to 32" in message
