"""Import cards from a CSV file: a preview of every row or every problem, then all or nothing.

The check runs on the worker against the database too (numbers and UIDs in use, card
types), so what the preview shows is what the import will do; Import stays disabled
until the file is clean, and a file refused at the last moment shows its rows again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from tillcard.domain.card_import import CardImport, RowProblem
from tillcard.domain.money import Currency, format_number
from tillcard.services.card_import import ImportRefused, ImportReport
from tillcard.ui.office.action_dialog import ActionDialog, Work
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

Check = Callable[[bytes], CardImport]
Run = Callable[[bytes], ImportReport]


class ImportDialog(ActionDialog):
    """Choose a file, read the preview, import. ``succeeded`` carries the ImportReport."""

    def __init__(self, tasks: TaskRunner, check: Check, run: Run, currency: Currency,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, tr("Import cards"), tr("Import"), parent)
        self._check, self._run, self._cur = check, run, currency
        self._data: bytes | None = None
        self.setMinimumWidth(760)
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setPlaceholderText(tr("a CSV file: card_number, uid, holder_name, "
                                        "member_no, phone, card_type, opening_balance"))
        self.choose = QPushButton(tr("Choose file…"))
        self.choose.clicked.connect(self._on_choose_clicked)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.choose)
        self.form.addRow(tr("File"), row)
        self.summary = QLabel("")
        self.summary.setObjectName("importSummary")
        self.add_note(self.summary)
        self.table = QTableWidget(0, 5)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(260)
        self.notes.addWidget(self.table)
        self.ok_button.setEnabled(False)
        self.first_field = self.choose

    def _on_choose_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, tr("Import cards"), "",
                                              tr("CSV files (*.csv);;All files (*)"))
        if name:
            self.load(Path(name))

    def load(self, path: Path) -> None:
        """Read the file and check it on the worker; the preview follows."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.show_message(tr("Cannot read {file}: {error}").format(
                file=path, error=exc.strerror or exc))
            return
        self.path.setText(str(path))
        self._data = None
        self.ok_button.setEnabled(False)
        self.show_message(tr("Checking…"), error=False)
        check = self._check
        self._tasks.run(lambda: check(data), lambda c: self._on_checked(data, c),
                        self._on_task_failed)

    def _on_checked(self, data: bytes, checked: CardImport) -> None:
        self.show_message("", error=False)
        if not checked.ok:
            self._show_problems(checked.problems)
            return
        self._data = data
        m = self._money
        self._fill([tr("Row"), tr("Card no."), tr("Holder"), tr("Card type"),
                    tr("Opening balance")],
                   [[str(r.row), r.card_number, r.holder_name, r.card_type,
                     m(r.opening_balance) if r.opening_balance else ""]
                    for r in checked.rows])
        self.summary.setText(tr("{count} cards, opening balances {total} — nothing is "
                                "written until Import").format(
            count=len(checked.rows), total=m(sum(r.opening_balance for r in checked.rows))))
        self.ok_button.setEnabled(bool(checked.rows))

    def _show_problems(self, problems: tuple[RowProblem, ...]) -> None:
        self._data = None
        self.ok_button.setEnabled(False)
        self._fill([tr("Row"), tr("Column"), tr("Problem")],
                   [[str(p.row) if p.row else tr("file"), p.column, p.reason]
                    for p in problems])
        self.summary.setText(tr("{count} problems in the file: nothing will be imported "
                                "until they are fixed").format(count=len(problems)))

    def _fill(self, headers: list[str], rows: list[list[str]]) -> None:
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))

    def work(self) -> Work | None:
        data, run = self._data, self._run
        if data is None:
            return None
        return lambda: run(data)

    def _on_task_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ImportRefused):  # refused at the last moment: show why
            self._set_busy(False)
            self._show_problems(exc.problems)
            self.show_message(tr("Nothing was imported"))
            return
        super()._on_task_failed(exc)

    def _money(self, minor: int) -> str:
        return format_number(minor, self._cur)
