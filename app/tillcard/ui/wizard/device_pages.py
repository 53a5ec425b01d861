"""The devices: card reader (find, tap to test), receipt printer (test page), display."""

from __future__ import annotations

from urllib.parse import quote

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from tillcard.config import ConfigError
from tillcard.devices.display import URI_EXAMPLES as DISPLAY_EXAMPLES
from tillcard.devices.printer.connections import URI_EXAMPLES as PRINTER_EXAMPLES
from tillcard.devices.printer.settings import profile_names
from tillcard.devices.readers.base import CardPresented, CardReader, ReaderState
from tillcard.devices.readers.factory import URI_FORMS, WedgeReader
from tillcard.services.setup import (
    Page,
    PrintReport,
    ReaderList,
    SetupDraft,
    print_test_page,
    problems_of,
)
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.texts import printer_status_text, reader_state_text, tr
from tillcard.ui.theme import MONEY_FAMILIES
from tillcard.ui.wizard.base import SetupContext, SetupPage


class ReaderPage(SetupPage):
    """Which reader: the PC/SC readers pcscd sees, or a URI; a tap proves it reads."""

    page = Page.READER

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        f = self.form()
        self.uri = QLineEdit()
        self.uri.setObjectName("readerUri")
        self.uri.setToolTip("\n".join(URI_FORMS))
        f.addRow(tr("Reader"), self.uri)
        self.found = QListWidget()
        self.found.setObjectName("pcscReaders")
        self.found.setMaximumHeight(110)
        f.addRow(tr("PC/SC readers"), self.found)
        self.find_button = QPushButton(tr("Find readers"))
        self.tap_button = QPushButton(tr("Tap a card to test"))
        row = QHBoxLayout()
        row.addWidget(self.find_button)
        row.addWidget(self.tap_button)
        row.addStretch(1)
        self.body.addLayout(row)
        self.result = QLabel()
        self.result.setObjectName("readerResult")
        self.result.setWordWrap(True)
        self.body.addWidget(self.result)
        self.note(tr("simulated: the demo's reader. wedge: a reader that types like a "
                     "keyboard. A USB NFC reader (ACR122U) needs pcscd running."))
        self._reader: CardReader | None = None
        self._bridge = ReaderBridge(self)
        self._bridge.card_presented.connect(self._on_bridge_card_presented)
        self._bridge.state_changed.connect(self._on_bridge_state_changed)
        self.find_button.clicked.connect(self._on_find_clicked)
        self.tap_button.clicked.connect(self._on_tap_clicked)
        self.found.currentTextChanged.connect(self._on_found_current_text_changed)

    def title(self) -> str:
        return tr("Card reader")

    def load(self, draft: SetupDraft) -> None:
        self.uri.setText(str(draft.get("devices.reader")))

    def save(self, draft: SetupDraft) -> None:
        draft.set("devices.reader", self.uri.text().strip())

    def entered(self) -> None:
        self._on_find_clicked()

    def left(self) -> None:
        self._stop()

    def _on_find_clicked(self) -> None:
        self.find_button.setEnabled(False)
        self.run(self.ctx.find_readers, self._on_readers, self._on_error)

    def _on_readers(self, found: ReaderList) -> None:
        self.find_button.setEnabled(True)
        self.found.clear()
        self.found.addItems(found.names)
        if found.problem:
            self.result.setText(tr("No PC/SC readers: {reason}").format(reason=found.problem))
        elif not found.names:
            self.result.setText(tr("pcscd runs but sees no reader: plug one in, then Find "
                                   "readers."))

    def _on_error(self, exc: BaseException) -> None:
        self.find_button.setEnabled(True)
        self.result.setText(str(exc))

    def _on_found_current_text_changed(self, name: str) -> None:
        if name:
            self.uri.setText(f"pcsc://?name={quote(name)}")

    def _on_tap_clicked(self) -> None:
        self._stop()
        try:
            reader = self.ctx.open_reader(self.uri.text().strip())
        except ValueError as exc:
            self.result.setText(str(exc))
            return
        if isinstance(reader, WedgeReader):
            self.result.setText(tr("A keyboard-wedge reader types the card's number: it is "
                                   "tested at the counter."))
            return
        self._reader = reader
        self.result.setStyleSheet("")
        self.result.setText(tr("Waiting for a card…"))
        reader.start(self._bridge.sink)

    def _on_bridge_card_presented(self, event: CardPresented) -> None:
        if self._reader is None:
            return
        self.result.setText(tr("Card read: {uid}").format(uid=event.uid))
        self.result.setStyleSheet("color: #2e7d32; font-weight: bold;")
        self._stop()

    def _on_bridge_state_changed(self, state: ReaderState) -> None:
        if self._reader is not None and not state.ok:
            self.result.setText(reader_state_text(state))

    def _stop(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.stop()


class PrinterPage(SetupPage):
    """The receipt printer: where it is, its model and paper; a test page proves it."""

    page = Page.PRINTER

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        f = self.form()
        self.uri = QLineEdit()
        self.uri.setObjectName("printerUri")
        self.uri.setToolTip("\n".join(PRINTER_EXAMPLES))
        self.model = QComboBox()
        self.model.setObjectName("printerModel")
        self.model.setEditable(True)
        self.model.addItems(["default", *profile_names()])
        self.w58, self.w80 = QRadioButton("58 mm"), QRadioButton("80 mm")
        self.w58.setObjectName("paper58")
        self.w80.setObjectName("paper80")
        group = QButtonGroup(self)
        widths = QHBoxLayout()
        for b in (self.w58, self.w80):
            group.addButton(b)
            widths.addWidget(b)
        widths.addStretch(1)
        self.cjk = QComboBox()
        self.cjk.addItem(tr("Chinese-market printer (GB18030)"), "gb18030")
        self.cjk.addItem(tr("International Epson model (FS mode)"), "fs")
        f.addRow(tr("Printer"), self.uri)
        f.addRow(tr("Model"), self.model)
        f.addRow(tr("Paper"), widths)
        f.addRow(tr("Chinese text"), self.cjk)
        self.test_button = QPushButton(tr("Print a test page"))
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        self.body.addLayout(row)
        self.result = QLabel()
        self.result.setObjectName("printerResult")
        self.result.setWordWrap(True)
        self.body.addWidget(self.result)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setFamilies([*MONEY_FAMILIES, font.family()])  # CJK cells two columns wide
        self.preview.setFont(font)
        self.preview.setMinimumHeight(340)
        self.preview.hide()
        self.body.addWidget(self.preview)
        self.test_button.clicked.connect(self._on_test_clicked)

    def title(self) -> str:
        return tr("Receipt printer")

    def load(self, draft: SetupDraft) -> None:
        self.uri.setText(str(draft.get("devices.printer")))
        self.model.setCurrentText(str(draft.get("receipt.profile")))
        self.w58.setChecked(int(draft.get("receipt.width_mm")) == 58)
        self.w80.setChecked(int(draft.get("receipt.width_mm")) != 58)
        self.cjk.setCurrentIndex(max(0, self.cjk.findData(draft.get("receipt.cjk_mode"))))

    def save(self, draft: SetupDraft) -> None:
        draft.set("devices.printer", self.uri.text().strip())
        draft.set("receipt.profile", self.model.currentText().strip() or "default")
        draft.set("receipt.width_mm", 58 if self.w58.isChecked() else 80)
        draft.set("receipt.cjk_mode", str(self.cjk.currentData()))

    def _on_test_clicked(self) -> None:
        self.save(self.ctx.draft)
        try:
            settings = self.ctx.draft.settings()
        except ConfigError as exc:
            self.result.setText("\n".join(f"{p.key}: {p.reason}" for p in problems_of(exc)))
            return
        self.test_button.setEnabled(False)
        self.result.setText(tr("Printing…"))
        self.run(lambda: print_test_page(settings), self._on_printed, self._on_failed)

    def _on_printed(self, report: PrintReport) -> None:
        self.test_button.setEnabled(True)
        words = printer_status_text(report.status)
        self.result.setText(tr("Test page printed.") if report.ok else
                            tr("Printer: {status} {detail}").format(status=words,
                                                                     detail=report.detail))
        self.preview.setPlainText(report.text)
        self.preview.setVisible(bool(report.text))

    def _on_failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.result.setText(str(exc))


class DisplayPage(SetupPage):
    """The customer display: none, the simulated one, or a serial pole display."""

    page = Page.DISPLAY

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        f = self.form()
        self.uri = QComboBox()
        self.uri.setObjectName("displayUri")
        self.uri.setEditable(True)
        self.uri.addItems(["", *DISPLAY_EXAMPLES])
        f.addRow(tr("Customer display"), self.uri)
        self.note(tr("A pole display faces the customer and shows the amount and the "
                     "balance after. Empty: none."))

    def title(self) -> str:
        return tr("Customer display")

    def load(self, draft: SetupDraft) -> None:
        self.uri.setCurrentText(str(draft.get("devices.display")))

    def save(self, draft: SetupDraft) -> None:
        text = self.uri.currentText().strip()
        draft.set("devices.display", "" if text == "none" else text)
