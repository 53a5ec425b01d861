"""The cashier window fed by real readers: pcscd + vpcd + virtual cards, a keyboard wedge,
and the typed card number when no reader can help.
"""

from __future__ import annotations

import contextlib
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "devices" / "readers"))

from pcscd_proc import READER_0
from reader_support import (  # noqa: F401 (fixtures)
    CardSlots,
    Pcscd,
    StepClock,
    cards_fixture,
    pcscd_fixture,
)
from vpcd_card import ATR_ULTRALIGHT

from tests.conftest import NOW, Books
from tillcard.config import DeviceSettings
from tillcard.devices.printer.queue import PrintQueue
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.devices.printer.simulated import SimulatedPrinter
from tillcard.devices.readers.pcsc import SERVICE_DOWN, PcscReader
from tillcard.domain.money import Currency
from tillcard.launch import start_reader
from tillcard.services.auth import Role, Session
from tillcard.services.checkout import CheckoutService
from tillcard.services.flow import Phase
from tillcard.services.receipts import ReceiptBuilder
from tillcard.services.views import TillInfo
from tillcard.ui.bridges import PrinterBridge, ReaderBridge
from tillcard.ui.card_number_dialog import CardNumberDialog, normalize_card_number
from tillcard.ui.cashier_window import CashierWindow
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.wedge import WedgeFilter

# chip UID or reader number -> (printed number, holder, cash in minor units)
WANG = "04A1B2C3D4E5F6"
LI = "A1A2A3A4A5A6A7"
HUANG = "0011259375"  # an EM4100 tag as a 125 kHz wedge reader types it
CARDS = {WANG: ("8800000001", "王芳", 5_000), LI: ("8800000002", "Li Na", 12_340),
         HUANG: ("8800000003", "黄磊", 8_000)}
READER_OK = f"▣ reader ok: {READER_0}"
UNREADABLE_BAND = "Card not readable — tap it again, or F3 to type its number"
READER_SPEED = 0.008  # seconds between keys
HUMAN_SPEED = 0.180
PCSC_WAIT_MS = 5_000  # pcscd notices a card within 0.4-0.5 s; a loaded machine is slower


@pytest.fixture
def grace_ms() -> int:
    """The window's card-clear grace; a test parametrizes it when it needs a longer one."""
    return 300


@dataclass
class Front:
    window: CashierWindow
    bridge: ReaderBridge

    def holder(self) -> str:
        return self.window.card_panel.holder.text()

    def balance(self) -> str:
        return self.window.card_panel.balance.text()


@pytest.fixture
def front(qtbot: QtBot, books: Books, hasher, grace_ms: int) -> Iterator[Front]:
    for uid, (number, name, cash) in CARDS.items():
        card = books.refs.add_card(number, books.refs.add_holder(name), books.types["standard"],
                                   uid=uid)
        books.ledger.recharge(uuid.uuid4(), 1, card, cash, NOW)
    cashier = books.refs.add_user("cashier", "李娜", Role.CASHIER.value, "-")
    till = TillInfo(1, "Till 1", "Site")
    queue = PrintQueue(SimulatedPrinter(), ReceiptSettings())
    checkout = CheckoutService(books.ledger, books.refs, queue, till, hasher,
                               ReceiptBuilder(till))
    tasks = TaskRunner()
    bridge = ReaderBridge()
    window = CashierWindow(checkout, Session(cashier, "cashier", "李娜", Role.CASHIER), tasks,
                           bridge, PrinterBridge(), Currency("CNY", "zh_CN"),
                           max_minor=100_000_000, paid_banner_ms=200,
                           card_clear_grace_ms=grace_ms)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield Front(window, bridge)
    window.close()
    tasks.shutdown()
    queue.close()


@pytest.fixture
def pcsc(front: Front, pcscd: Pcscd) -> Iterator[PcscReader]:
    """A real PcscReader on the first vpcd slot, feeding the window's bridge."""
    reader = PcscReader(READER_0, health_period=0.1, reader_poll=0.2,
                        retry_delays=(0.1, 0.2, 0.5))
    reader.start(front.bridge.sink)
    yield reader
    reader.stop()


@contextlib.contextmanager
def started_wedge(app: QApplication, front: Front, devices: DeviceSettings,
                  **clock: Callable[[], float]) -> Iterator[WedgeFilter]:
    """The configured wedge, wired as the till wires it (launch.start_reader)."""
    reader, wedge = start_reader(app, devices, front.bridge, **clock)
    assert wedge is not None
    try:
        yield wedge
    finally:
        app.removeEventFilter(wedge)
        reader.stop()
        wedge.deleteLater()


@pytest.fixture
def wedge(qapp: QApplication, front: Front) -> Iterator[StepClock]:
    """A wedge reader with the default thresholds; yields the clock its filter reads."""
    clock = StepClock(READER_SPEED)
    with started_wedge(qapp, front, DeviceSettings(reader="wedge"), wedge_clock=clock):
        yield clock


def wait_shown(qtbot: QtBot, front: Front, uid: str, timeout: int = PCSC_WAIT_MS) -> None:
    _number, name, cash = CARDS[uid]
    balance = f"{cash // 100:,}.{cash % 100:02d}"
    qtbot.waitUntil(lambda: (front.holder(), front.balance()) == (name, balance),
                    timeout=timeout)


def wait_reader_ok(qtbot: QtBot, front: Front) -> None:
    qtbot.waitUntil(lambda: front.window.reader_label.text() == READER_OK, timeout=PCSC_WAIT_MS)
    assert front.window.reader_label.property("ok") is True


def type_line(qtbot: QtBot, target: QWidget, text: str) -> None:
    """Keys then Enter, at whatever speed the wedge's clock says."""
    qtbot.keyClicks(target, text)
    qtbot.keyClick(target, Qt.Key.Key_Return)


def wedge_tap(qtbot: QtBot, front: Front, number: str) -> None:
    type_line(qtbot, front.window, number)
    wait_shown(qtbot, front, number)


def open_card_number_dialog(qtbot: QtBot, front: Front) -> CardNumberDialog:
    qtbot.keyClick(front.window, Qt.Key.Key_F3)
    dialog = front.window.findChild(CardNumberDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    assert dialog.edit.text() == ""
    return dialog


def type_card_number(qtbot: QtBot, front: Front, typed: str) -> CardNumberDialog:
    dialog = open_card_number_dialog(qtbot, front)
    type_line(qtbot, dialog.edit, typed)
    return dialog


# -- PC/SC: pcscd + vpcd + a virtual card -> PcscReader -> the window -----------------------


@pytest.mark.pcsc
def test_insert_shows_holder_and_balance(qtbot: QtBot, front: Front, pcsc: PcscReader,
                                         cards: CardSlots) -> None:
    wait_reader_ok(qtbot, front)
    assert front.window.band.text() == "Waiting for a card"
    cards(WANG)
    wait_shown(qtbot, front, WANG)
    assert front.window.card_panel.number.text() == "•••• 0001"
    assert front.window.band.property("state") == "card"


@pytest.mark.pcsc
def test_remove_clears_after_the_grace(qtbot: QtBot, front: Front, pcsc: PcscReader,
                                       cards: CardSlots, grace_ms: int) -> None:
    card = cards(LI, ATR_ULTRALIGHT)
    wait_shown(qtbot, front, LI)
    for ch in "12":
        qtbot.keyClick(front.window, ch)
    with qtbot.waitSignal(front.bridge.card_removed, timeout=PCSC_WAIT_MS):
        cards.remove(card)
    removed = time.monotonic()
    assert front.holder() == "Li Na"  # still shown during the grace
    qtbot.waitUntil(lambda: front.holder() == "Tap a card", timeout=PCSC_WAIT_MS)
    assert time.monotonic() - removed >= 0.9 * grace_ms / 1000
    assert front.balance() == ""
    assert front.window.band.text() == "Waiting for a card"
    assert front.window.flow.keypad.expression == "12"  # the amount stays


@pytest.mark.pcsc
@pytest.mark.parametrize("grace_ms", [1500])
def test_swap_two_cards_shows_the_second(qtbot: QtBot, front: Front, pcsc: PcscReader,
                                         cards: CardSlots, grace_ms: int) -> None:
    first = cards(WANG)
    wait_shown(qtbot, front, WANG)
    with qtbot.waitSignal(front.bridge.card_removed, timeout=PCSC_WAIT_MS):
        cards.remove(first)
    removed = time.monotonic()
    cards(LI, ATR_ULTRALIGHT)
    wait_shown(qtbot, front, LI)
    # The first card's grace timer must not clear the second card when it runs out.
    left_ms = round((removed + grace_ms / 1000 - time.monotonic()) * 1000)
    if left_ms > 0:
        qtbot.wait(left_ms + 200)  # checking that nothing happens takes time
    assert (front.holder(), front.balance()) == ("Li Na", "123.40")


@pytest.mark.pcsc
@pytest.mark.parametrize("grace_ms", [1500])
def test_unreadable_card_says_so_shows_no_card_and_typing_helps(
        qtbot: QtBot, front: Front, pcsc: PcscReader, cards: CardSlots) -> None:
    w = front.window
    good = cards(WANG)
    wait_shown(qtbot, front, WANG)
    cards.remove(good)
    with qtbot.waitSignal(front.bridge.card_unreadable, timeout=PCSC_WAIT_MS):
        bad = cards("11223344", error_sw=b"\x6a\x81")
    # at once, not after the last card's grace: this is not the last customer's card
    assert (front.holder(), front.balance()) == ("Tap a card", "")
    assert w.band.text() == UNREADABLE_BAND
    assert w.band.property("state") == "refused"
    qtbot.waitUntil(lambda: w.reader_label.property("ok") is False, timeout=PCSC_WAIT_MS)
    assert w.reader_label.text() == ("✖ card not readable: GET DATA answered 6A81 "
                                     "(function not supported)")
    qtbot.keyClick(w, Qt.Key.Key_Return)  # Enter with no card: nothing to charge
    assert w.flow.phase is Phase.WAITING and w.band.text() == UNREADABLE_BAND
    dialog = type_card_number(qtbot, front, "8800000001")
    assert not dialog.isVisible()
    wait_shown(qtbot, front, WANG)
    assert w.band.text() == "Key the amount, Enter to charge"
    cards.remove(bad)
    cards(LI, ATR_ULTRALIGHT)
    wait_shown(qtbot, front, LI)
    assert w.reader_label.text() == READER_OK


@pytest.mark.pcsc
def test_pcscd_killed_and_restarted(qtbot: QtBot, front: Front, pcsc: PcscReader,
                                    pcscd: Pcscd, cards: CardSlots) -> None:
    process = pcscd.restart_or_skip()
    w = front.window
    wait_reader_ok(qtbot, front)
    cards(WANG)
    wait_shown(qtbot, front, WANG)
    try:
        process.kill()
        qtbot.waitUntil(lambda: w.reader_label.text() == f"✖ {SERVICE_DOWN}", timeout=10_000)
        assert w.reader_label.property("ok") is False
        qtbot.waitUntil(lambda: front.holder() == "Tap a card", timeout=PCSC_WAIT_MS)
    finally:
        if not process.running:
            process.start()
    wait_reader_ok(qtbot, front)
    cards(LI, ATR_ULTRALIGHT)
    wait_shown(qtbot, front, LI)


# -- keyboard wedge: the application-wide filter, wired as the till wires it ---------------


def test_wedge_burst_at_reader_speed_is_a_tap_not_an_amount(qtbot: QtBot, front: Front,
                                                           wedge: StepClock) -> None:
    w = front.window
    qtbot.waitUntil(lambda: w.reader_label.text() == "▣ keyboard wedge", timeout=2000)
    wedge.step = HUMAN_SPEED  # the cashier keys the amount first
    qtbot.keyClick(w, Qt.Key.Key_5)
    qtbot.waitUntil(lambda: w.flow.keypad.expression == "5", timeout=2000)
    wedge.now += 2.0  # the customer's card comes later, at reader speed
    wedge.step = READER_SPEED
    wedge_tap(qtbot, front, HUANG)
    assert w.flow.keypad.expression == "5"  # no digit of the number reached the amount
    assert w.flow.phase is Phase.CARD  # and its Enter did not charge
    assert w.quote_panel.charge.text() == "CHARGE  5.00"


def test_wedge_keys_at_human_speed_go_to_the_amount(qtbot: QtBot, front: Front,
                                                    wedge: StepClock) -> None:
    w = front.window
    wedge_tap(qtbot, front, HUANG)
    wedge.step = HUMAN_SPEED
    type_line(qtbot, w, "123456")  # as long as a card number, but typed by a person
    assert w.flow.keypad.expression == "123456"
    assert w.flow.phase is Phase.REFUSED
    assert w.band.text().startswith("Insufficient balance — short 123,376.00")
    assert front.holder() == "黄磊"  # no card was looked up from the typing


def test_wedge_thresholds_come_from_the_settings(qtbot: QtBot, qapp: QApplication,
                                                 front: Front) -> None:
    """Real clock: keys sent back to back are far faster than any gap limit."""
    w = front.window
    devices = DeviceSettings(reader="wedge", wedge_max_gap_ms=200, wedge_min_length=8)
    with started_wedge(qapp, front, devices):
        type_line(qtbot, w, "123456")  # a card number by default, too short with these
        qtbot.waitUntil(lambda: w.flow.keypad.expression == "123456", timeout=2000)
        qtbot.keyClick(w, Qt.Key.Key_Escape)
        wedge_tap(qtbot, front, HUANG)
        assert w.flow.keypad.expression == ""


def test_wedge_tap_closes_the_card_number_dialog(qtbot: QtBot, front: Front,
                                                 wedge: StepClock) -> None:
    dialog = open_card_number_dialog(qtbot, front)
    type_line(qtbot, dialog.edit, HUANG)
    wait_shown(qtbot, front, HUANG)
    assert not dialog.isVisible()
    assert dialog.edit.text() == ""  # the burst went to the reader, not the field


def test_wedge_card_is_forgotten_after_its_sale(qtbot: QtBot, front: Front,
                                                wedge: StepClock) -> None:
    """A wedge never reports removal: the next amount must not go on this card."""
    w = front.window
    wedge_tap(qtbot, front, HUANG)
    wedge.step = HUMAN_SPEED
    qtbot.keyClick(w, Qt.Key.Key_8)
    qtbot.keyClick(w, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.flow.phase is Phase.PAID, timeout=3000)
    assert w.band.text() == "Paid 8.00 — new balance 72.00"
    qtbot.waitUntil(lambda: front.holder() == "Tap a card", timeout=3000)
    assert w.band.text() == "Waiting for a card"


# -- the typed card number -------------------------------------------------------------------


def test_typed_card_number_shows_the_card(qtbot: QtBot, front: Front) -> None:
    dialog = type_card_number(qtbot, front, "8800 0000 03")
    wait_shown(qtbot, front, HUANG)
    assert not dialog.isVisible()
    assert front.window.band.text() == "Key the amount, Enter to charge"


def test_typed_number_from_a_chinese_input_method(qtbot: QtBot, front: Front) -> None:
    qtbot.mouseClick(front.window.card_number_button, Qt.MouseButton.LeftButton)
    dialog = front.window.findChild(CardNumberDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    commit = QInputMethodEvent()
    commit.setCommitString("８８００\u3000００００\u3000０１")  # full-width, as an IME commits
    QApplication.sendEvent(dialog.edit, commit)
    assert dialog.edit.text() == "８８００\u3000００００\u3000０１"
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    wait_shown(qtbot, front, WANG)


def test_typed_unknown_number_is_refused(qtbot: QtBot, front: Front) -> None:
    w = front.window
    type_card_number(qtbot, front, "12345")
    qtbot.waitUntil(lambda: w.band.text() == "Unknown card 12345", timeout=3000)
    assert w.band.property("state") == "refused"
    assert front.holder() == "Tap a card"


def test_typed_number_through_the_wedge_filter_at_human_speed(qtbot: QtBot, front: Front,
                                                              wedge: StepClock) -> None:
    wedge.step = HUMAN_SPEED
    type_card_number(qtbot, front, "8800000002")
    wait_shown(qtbot, front, LI)


def test_empty_card_number_keeps_asking(qtbot: QtBot, front: Front) -> None:
    dialog = type_card_number(qtbot, front, "   ")
    assert dialog.isVisible()
    assert front.window.band.text() == "Waiting for a card"
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


@pytest.mark.parametrize(("typed", "number"), [
    ("8800000001", "8800000001"), (" 8800 0000 01 ", "8800000001"),
    ("８８００\u3000００００\u3000０１", "8800000001"), ("ab12", "ab12")])
def test_normalize_card_number(typed: str, number: str) -> None:
    assert normalize_card_number(typed) == number
