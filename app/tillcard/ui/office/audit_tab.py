"""The audit tab: who did what, where, before and after, and why — newest first, paged.

The filter runs in the database (``AuditView``, which checks ``Permission.AUDIT`` on
every page); older pages arrive on the worker as the table nears its end, and an answer
to an older filter is dropped by its epoch, as in the card list.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.money import Currency
from tillcard.services.audit_view import (
    AuditActor,
    AuditCursor,
    AuditLine,
    AuditPage,
    AuditQuery,
    AuditView,
)
from tillcard.services.auth import Session
from tillcard.ui.office.action_dialog import error_text
from tillcard.ui.office.card_list import LinesModel
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
NO_DAY = QDate(2000, 1, 1)  # a date edit's "no day" (shown as its special text)


def action_texts() -> dict[str, str]:
    return {
        "user_first_admin": tr("First admin created"), "user_add": tr("User added"),
        "user_password": tr("Password changed"), "user_pin": tr("User PIN changed"),
        "user_disable": tr("User disabled"), "user_enable": tr("User enabled"),
        "card_type_add": tr("Card type added"), "card_type_edit": tr("Card type edited"),
        "card_issued": tr("Card issued"), "card_recharged": tr("Card recharged"),
        "card_freeze": tr("Card frozen"), "card_unfreeze": tr("Card unfrozen"),
        "card_lost": tr("Card reported lost"), "card_replaced": tr("Card replaced"),
        "card_closed": tr("Card closed"), "pin_set": tr("Card PIN set"),
        "pin_reset": tr("Card PIN removed"), "validity_set": tr("Validity set"),
        "correction_recharge": tr("Recharge corrected"),
        "correction_charge": tr("Charge corrected"),
        "allowance_granted": tr("Allowance granted"), "allowance_reset": tr("Allowance reset"),
        "void_approved": tr("Void approved"),
    }


def action_text(action: str) -> str:
    return action_texts().get(action, action)


class AuditModel(LinesModel):
    """Lines of the current filter, newest first, older pages fetched as the view scrolls.

    Signals:
        shown(int): lines read so far for the current filter (after each page).
        failed(str): a page could not be read (the list keeps what it has).
    """

    shown = Signal(int)
    failed = Signal(str)

    def __init__(self, tasks: TaskRunner, session: Session, service: AuditView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._session, self._service = tasks, session, service
        self._lines: list[AuditLine] = []
        self._query = AuditQuery()
        self._after: AuditCursor | None = None
        self._epoch = 0
        self._loading = False
        self._headers = [tr("When"), tr("Who"), tr("Till"), tr("Action"), tr("Subject"),
                         tr("Before"), tr("After"), tr("Reason"), tr("Details")]

    @property
    def loading(self) -> bool:
        return self._loading

    def set_query(self, query: AuditQuery) -> None:
        self._epoch += 1
        self._query, self._after = query, None
        self.set_lines([])
        self._fetch(None)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._after is not None and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if self.canFetchMore(parent):
            self._fetch(self._after)

    def _fetch(self, after: AuditCursor | None) -> None:
        epoch, query, session, service = self._epoch, self._query, self._session, self._service
        self._loading = True
        self._tasks.run(lambda: service.page(session, query, after),
                        lambda page: self._on_page(epoch, page),
                        lambda exc: self._on_failed(epoch, exc))

    def _on_page(self, epoch: int, page: AuditPage) -> None:
        if epoch != self._epoch:
            return
        self._loading = False
        self.append_lines(page.lines)
        self._after = page.after
        self.shown.emit(len(self._lines))

    def _on_failed(self, epoch: int, exc: BaseException) -> None:
        if epoch == self._epoch:
            self._loading = False
            self.failed.emit(error_text(exc))

    def line(self, row: int) -> AuditLine:
        return self._lines[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        line = self._lines[index.row()]
        return [line.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), line.user_name,
                line.till_name, action_text(line.action), line.subject, line.before,
                line.after, line.reason, line.detail][index.column()]


def _refill(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    """Everything after the "any" item anew, keeping what was chosen if it is still there."""
    chosen = combo.currentData()
    while combo.count() > 1:
        combo.removeItem(1)
    for text, data in items:
        combo.addItem(text, data)
    combo.setCurrentIndex(max(0, combo.findData(chosen)))


def _day_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_DAY)
    edit.setSpecialValueText(tr("any day"))
    edit.setDate(NO_DAY)
    return edit


def _day(edit: QDateEdit) -> date | None:
    d = edit.date()
    return None if d == NO_DAY else date(d.year(), d.month(), d.day())


class AuditTab(QWidget):
    """The filter bar, the list and the chosen line in full below it."""

    def __init__(self, session: Session, service: AuditView, tasks: TaskRunner,
                 currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._service, self._tasks = session, service, tasks
        self._currency = currency
        self.action = QComboBox()
        self.action.setObjectName("auditAction")
        self.action.addItem(tr("Any action"), "")
        self.user = QComboBox()
        self.user.setObjectName("auditUser")
        self.user.addItem(tr("Anyone"), None)
        self.subject = QLineEdit()
        self.subject.setObjectName("auditSubject")
        self.subject.setPlaceholderText(tr("Subject, e.g. a card number or a login"))
        self.subject.setClearButtonEnabled(True)
        self.first_day, self.last_day = _day_edit("auditFrom"), _day_edit("auditTo")
        self.search = QPushButton(tr("Search"))
        self.search.setObjectName("auditSearch")
        self.count = QLabel("")
        self.count.setObjectName("auditCount")
        self.model = AuditModel(tasks, session, service, self)
        self.table = self._table()
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("auditDetail")
        self.detail.setReadOnly(True)
        self._lay_out()
        self.search.clicked.connect(self._on_search_clicked)
        self.subject.returnPressed.connect(self._on_search_clicked)
        self.model.shown.connect(self._on_model_shown)
        self.model.failed.connect(self.count.setText)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_row_changed)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        """Fresh each time the tab comes up: what the office just did is in the trail."""
        super().showEvent(event)
        self._read_choices()
        self._on_search_clicked()

    def _table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("auditTable")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((0, 110, 100, 140, 150, 200, 200, 140)):
            table.setColumnWidth(col, width)  # long texts elide; the pane below has them
        table.setColumnWidth(0, table.fontMetrics().horizontalAdvance("2026-12-31 23:59:59")
                             + 24)  # the time in full
        return table

    def _lay_out(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.action)
        bar.addWidget(self.user)
        bar.addWidget(self.subject, 1)
        bar.addWidget(QLabel(tr("From")))
        bar.addWidget(self.first_day)
        bar.addWidget(QLabel(tr("to")))
        bar.addWidget(self.last_day)
        bar.addWidget(self.search)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        box = QVBoxLayout(self)
        box.addLayout(bar)
        box.addWidget(self.count)
        box.addWidget(split, 1)

    def _read_choices(self) -> None:
        session, service = self._session, self._service
        self._tasks.run(lambda: (service.actions(session), service.actors(session)),
                        self._on_choices_read, lambda exc: self.count.setText(error_text(exc)))

    def _on_choices_read(self, choices: tuple[list[str], list[AuditActor]]) -> None:
        actions, actors = choices
        _refill(self.action, [(action_text(a), a) for a in sorted(actions, key=action_text)])
        _refill(self.user, [(f"{p.name} ({p.login})", p.id) for p in actors])

    def query(self) -> AuditQuery:
        user = self.user.currentData()
        return AuditQuery(str(self.action.currentData() or ""), self.subject.text().strip(),
                          int(user) if user is not None else None, _day(self.first_day),
                          _day(self.last_day))

    def _on_search_clicked(self) -> None:
        self.detail.clear()
        self.count.setText(tr("Reading…"))
        self.model.set_query(self.query())

    def _on_model_shown(self, count: int) -> None:
        more = self.model.canFetchMore()
        if count == 0:
            self.count.setText(tr("No entries"))
        elif more:
            self.count.setText(tr("{count} entries, more as you scroll").format(count=count))
        else:
            self.count.setText(tr("1 entry") if count == 1 else
                               tr("{count} entries").format(count=count))

    def _on_table_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        line = self.model.line(current.row())
        parts = [f"{line.at.astimezone():%Y-%m-%d %H:%M:%S} · {line.user_name or '—'}"
                 f" · {action_text(line.action)} · {line.subject}"]
        for label, text in ((tr("Till"), line.till_name), (tr("Before"), line.before),
                            (tr("After"), line.after), (tr("Reason"), line.reason),
                            (tr("Details"), line.detail)):
            if text:
                parts.append(f"{label}: {text}")
        self.detail.setPlainText("\n".join(parts))
