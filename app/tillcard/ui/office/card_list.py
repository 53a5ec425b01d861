"""The card list: a model that fetches pages on the worker as the view scrolls.

At 100,000 cards the list must open at once and never freeze: the first page and the
count come from one search on the worker thread, further pages arrive as the view nears
its end (Qt's ``canFetchMore``/``fetchMore``), and an answer to an older search — the
office typed on — is dropped by its epoch instead of overwriting the newer one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.cards import CardStatus
from tillcard.domain.money import Currency, format_number
from tillcard.services.card_directory import CardLine, CardPage
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

log = logging.getLogger(__name__)

Search = Callable[[str], CardPage]
NextPage = Callable[[str, str], CardPage]
Index = QModelIndex | QPersistentModelIndex
SEARCH_DELAY_MS = 250  # typing pauses this long before the list asks


def status_texts() -> dict[CardStatus, str]:
    return {CardStatus.ACTIVE: tr("Active"), CardStatus.FROZEN: tr("Frozen"),
            CardStatus.LOST: tr("Lost"), CardStatus.BLOCKED: tr("Blocked"),
            CardStatus.CLOSED: tr("Closed"), CardStatus.EXPIRED: tr("Expired")}


def _headers() -> list[str]:
    return [tr("Card no."), tr("Holder"), tr("Member no."), tr("Phone"), tr("Card type"),
            tr("Status"), tr("Balance"), tr("Valid until")]


class LinesModel(QAbstractTableModel):
    """A flat table of ``_lines`` under ``_headers``: what both office lists share."""

    _lines: list[Any]
    _headers: list[str]

    def set_lines(self, lines: Sequence[Any]) -> None:
        """Every line anew (a new search, a reloaded list)."""
        self.beginResetModel()
        self._lines = list(lines)
        self.endResetModel()

    def append_lines(self, lines: Sequence[Any]) -> None:
        """A fetched page at the end, announced to the view as inserted rows."""
        if lines:
            first = len(self._lines)
            self.beginInsertRows(QModelIndex(), first, first + len(lines) - 1)
            self._lines.extend(lines)
            self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        return None


class CardListModel(LinesModel):
    """Lines of the current search, fetched page by page.

    Signals:
        counted(int): how many cards the current search matches in all.
        failed(str): a search or a page could not be read (the list keeps what it has).
    """

    counted = Signal(int)
    failed = Signal(str)

    def __init__(self, tasks: TaskRunner, search: Search, next_page: NextPage,
                 currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._search, self._next = tasks, search, next_page
        self._currency = currency
        self._lines: list[CardLine] = []
        self._query = ""
        self._after: str | None = None
        self._epoch = 0
        self._loading = False
        self._headers = _headers()

    # -- asking ---------------------------------------------------------------------

    @property
    def query(self) -> str:
        return self._query

    @property
    def loading(self) -> bool:
        return self._loading

    def set_query(self, query: str) -> None:
        self._epoch += 1
        epoch = self._epoch
        self._query, self._loading = query.strip(), True
        q = self._query
        self._tasks.run(lambda: self._search(q), lambda page: self._on_searched(epoch, page),
                        lambda exc: self._on_failed(epoch, exc))

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._after is not None and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if not self.canFetchMore(parent):
            return
        epoch, q, after = self._epoch, self._query, self._after
        assert after is not None
        self._loading = True
        self._tasks.run(lambda: self._next(q, after), lambda page: self._on_page(epoch, page),
                        lambda exc: self._on_failed(epoch, exc))

    def _on_searched(self, epoch: int, page: CardPage) -> None:
        if epoch != self._epoch:
            return  # the office typed on: a newer search is under way
        self._after, self._loading = page.after, False
        self.set_lines(page.lines)
        self.counted.emit(page.total or 0)

    def _on_page(self, epoch: int, page: CardPage) -> None:
        if epoch != self._epoch:
            return
        self._loading = False
        self.append_lines(page.lines)
        self._after = page.after

    def _on_failed(self, epoch: int, exc: BaseException) -> None:
        if epoch != self._epoch:
            return
        self._loading = False
        log.error("card list: %s", exc, exc_info=exc)
        self.failed.emit(tr("Cannot read the cards: {error}").format(error=exc))

    # -- showing --------------------------------------------------------------------

    def line(self, row: int) -> CardLine:
        return self._lines[row]

    def update_line(self, line: CardLine) -> None:
        """A card read again (after a card-office action): its line shows the new state."""
        for row, old in enumerate(self._lines):
            if old.card_id == line.card_id:
                self._lines[row] = line
                self.dataChanged.emit(self.index(row, 0),
                                      self.index(row, self.columnCount() - 1))
                return

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self._lines[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(line, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, line: CardLine, col: int) -> str:
        if col == 5:
            return status_texts()[CardStatus(line.status)]
        if col == 6:
            return format_number(line.balance, self._currency)
        if col == 7:
            return line.valid_until.isoformat() if line.valid_until else ""
        return [line.number, line.holder, line.member_no, line.phone, line.card_type][col]


def fit_columns(table: QTableView) -> None:
    """Every column as wide as its contents (never elided), the last one takes what is left.

    A narrow window scrolls sideways rather than cutting a name short. Sized from the
    first few hundred rows (``resizeContentsPrecision``), so a list that fetched
    thousands of lines does not measure them all on every page.
    """
    header = table.horizontalHeader()
    header.setResizeContentsPrecision(200)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    model = table.model()  # rows fetched later must widen their columns too
    model.rowsInserted.connect(header.resizeSections)


class CardListView(QWidget):
    """The search box, the count and the table; a card opens on Enter or a double click.

    Signals:
        card_opened(int): the card id the office chose.
    """

    card_opened = Signal(int)

    def __init__(self, model: CardListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.search = QLineEdit()
        self.search.setObjectName("cardSearch")
        self.search.setPlaceholderText(tr("Card no., UID, name, phone or member no."))
        self.search.setClearButtonEnabled(True)
        self.count = QLabel("")
        self.count.setObjectName("cardCount")
        self.table = QTableView()
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        fit_columns(self.table)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        self.action_row = QHBoxLayout()  # the card office's buttons (issue, allowance), if any
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addLayout(self.action_row)
        box.addWidget(self.table, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.table.activated.connect(self._on_table_activated)
        model.counted.connect(self._on_model_counted)
        model.failed.connect(self.count.setText)

    def _on_search_text_changed(self, _text: str) -> None:
        self._debounce.start()

    def _on_search_return_pressed(self) -> None:
        """Enter searches at once; on a single hit it opens that card (a typed number)."""
        self._debounce.stop()
        if self.search.text().strip() != self.model.query or self.model.loading:
            self.model.set_query(self.search.text())
        elif self.model.rowCount() == 1:
            self.card_opened.emit(self.model.line(0).card_id)

    def _on_debounce_timeout(self) -> None:
        self.model.set_query(self.search.text())

    def _on_model_counted(self, total: int) -> None:
        self.count.setText(tr("1 card") if total == 1 else
                           tr("{count} cards").format(count=f"{total:,}"))

    def _on_table_activated(self, index: QModelIndex) -> None:
        self.card_opened.emit(self.model.line(index.row()).card_id)
