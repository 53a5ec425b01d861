"""The counter's widgets laid out for any screen from 1024 × 768 to 1920 × 1080; no behaviour.

The cashier window owns one ``CounterView`` as its central widget, fills it and wires its
buttons; this module only decides where things are and how big the type is.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.money import Currency
from tillcard.ui.keypad_widget import KeypadWidget
from tillcard.ui.panels import CardPanel, QuotePanel, apply_sizes
from tillcard.ui.texts import tr
from tillcard.ui.theme import REFERENCE_SIZE, CounterSizes

SIDE_BY_SIDE_ASPECT = 1.5  # wider than this (16:9, 16:10): card and quote side by side
SIDE_BY_SIDE_BOOST = 1.4  # … with the height to themselves, their type this much larger
STACKED_CARD_BOOST = 1.15  # one above the other: the card's type this much larger
KEYPAD_SHARE = (0.42, 0.56)  # keypad column: at most this share of the width, of the height


def _no_focus_button(text: str, name: str = "") -> QPushButton:
    b = QPushButton(text)
    if name:
        b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the counter
    return b


def _label(name: str, *, wrap: bool = False) -> QLabel:
    lab = QLabel("")
    lab.setObjectName(name)
    lab.setWordWrap(wrap)
    return lab


class CounterView(QWidget):
    """Status line, band, card, quote, keypad and the last sale, scaled to the view's size.

    Every resize picks the ``CounterSizes`` for the new size: one style sheet for the
    view (not the window, so dialogs keep the application's) and a pixel size for each
    fitting label. On a wide screen the card and the quote stand side by side; on a 4:3
    screen the quote stands under the card. The keypad keeps the right-hand column, as
    wide as its keys need to be for a finger and no wider.
    """

    def __init__(self, currency: Currency, *, large_type: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counter")
        self._large_type = large_type
        self.sizes: CounterSizes | None = None
        self._applied: tuple[CounterSizes, bool] | None = None
        outer = QVBoxLayout(self)
        outer.setSpacing(6)
        outer.addWidget(self._status_bar())
        self.band = _label("band", wrap=True)
        outer.addWidget(self.band)
        self.notice = _label("notice", wrap=True)
        outer.addWidget(self.notice)
        middle = QHBoxLayout()
        middle.setSpacing(12)
        self.card_panel = CardPanel(currency)
        self.quote_panel = QuotePanel(currency)
        self._info = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self._info.setSpacing(12)
        self._info.addWidget(self.card_panel, 2)
        self._info.addWidget(self.quote_panel, 3)
        middle.addLayout(self._info, 1)
        middle.addWidget(self._keys_column())
        outer.addLayout(middle, 1)
        outer.addWidget(self._bottom_bar())
        self._apply(CounterSizes.for_window(*REFERENCE_SIZE, large_type), side=False)

    def _status_bar(self) -> QWidget:
        bar = QWidget()
        bar.setObjectName("statusBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.who = _label("who")
        self.who.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.link_label = QLabel(tr("● local database"))
        self.printer_label = QLabel(tr("printer …"))
        self.printer_label.setObjectName("printerState")
        self.reader_label = QLabel(tr("reader …"))
        self.reader_label.setObjectName("readerState")
        self.clock_label = QLabel("")
        row.addWidget(self.who, 1)
        for w in (self.link_label, self.printer_label, self.reader_label, self.clock_label):
            row.addWidget(w)
        return bar

    def _keys_column(self) -> QWidget:
        column = QWidget()
        column.setObjectName("keysColumn")
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        self.keypad = KeypadWidget()
        self.keypad.setObjectName("keypad")
        if (grid := self.keypad.layout()) is not None:
            grid.setContentsMargins(0, 0, 0, 0)
        for b in (*self.keypad.buttons.values(), self.keypad.charge_button):
            b.setMinimumSize(48, 44)  # 768 high in large type: the type grows, not the keys
        self.cash_button = _no_focus_button(tr("CASH  (F4)"), "cash")
        self.cash_button.setMinimumHeight(44)
        box.addWidget(self.keypad, 1)
        box.addWidget(self.cash_button)
        self._keys = column
        return column

    def _bottom_bar(self) -> QWidget:
        bar = QWidget()
        bar.setObjectName("bottomBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.last_label = _label("lastSale", wrap=True)
        self.card_number_button = _no_focus_button(tr("Card no.  (F3)"), "cardNumberButton")
        self.x_button = _no_focus_button(tr("X report (F10)"))
        self.shift_button = _no_focus_button(tr("Shift (F11)"))
        self.lock_button = _no_focus_button(tr("Lock (F12)"))
        self.sign_out_button = _no_focus_button(tr("Sign out"))
        row.addWidget(self.last_label, 1)
        for b in (self.card_number_button, self.x_button, self.shift_button,
                  self.lock_button, self.sign_out_button):
            row.addWidget(b)
        return bar

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self.rescale()
        super().resizeEvent(event)

    def rescale(self) -> None:
        """Type, keypad width and arrangement for the view's present size."""
        w, h = self.width(), self.height()
        self._keys.setFixedWidth(round(min(KEYPAD_SHARE[0] * w, KEYPAD_SHARE[1] * h)))
        side = w >= SIDE_BY_SIDE_ASPECT * h
        self._info.setDirection(QBoxLayout.Direction.LeftToRight if side
                                else QBoxLayout.Direction.TopToBottom)
        self._apply(CounterSizes.for_window(w, h, self._large_type), side)

    def _apply(self, sizes: CounterSizes, side: bool) -> None:
        if (sizes, side) == self._applied:
            return
        self._applied = (sizes, side)
        self.sizes = sizes
        self.setStyleSheet(sizes.style())
        # side by side, the card and the quote have the height of the screen to themselves;
        # one above the other, the card still has room to spare over the quote's lines
        panels = sizes.boosted(SIDE_BY_SIDE_BOOST) if side else sizes
        apply_sizes(self.card_panel, panels if side else sizes.boosted(STACKED_CARD_BOOST))
        apply_sizes(self.quote_panel, panels)
        self.notice.setMinimumHeight(sizes.px("base") + 6)  # no jumping when one shows
