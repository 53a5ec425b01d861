"""One card's page in the back office: who holds it, what it holds, what it may, its story.

Everything shown is read on the worker; the page shows "Reading…" until it arrives and
keeps the office's place in a long history by fetching older entries as it scrolls.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.cards import CardStatus
from tillcard.domain.money import Currency, format_number
from tillcard.services.card_directory import CardFile, HistoryLine, HistoryPage
from tillcard.ui.office.card_list import LinesModel, fit_columns, status_texts
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex
ReadCard = Callable[[int], CardFile | None]
ReadHistory = Callable[[int, tuple[datetime, uuid.UUID] | None], HistoryPage]


def kind_texts() -> dict[str, str]:
    return {"sale": tr("Sale"), "void": tr("Void"), "recharge": tr("Recharge"),
            "expire": tr("Bonus expired"), "refund": tr("Refund"),
            "transfer_out": tr("Moved to new card"), "transfer_in": tr("From old card"),
            "cash_sale": tr("Cash sale"), "allowance": tr("Allowance"),
            "allowance_reset": tr("Allowance reset"), "correction": tr("Correction")}


class HistoryModel(LinesModel):
    """The card's journal, newest first, older pages fetched as the view scrolls."""

    failed = Signal(str)

    def __init__(self, tasks: TaskRunner, read: ReadHistory, currency: Currency,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._read, self._currency = tasks, read, currency
        self._lines: list[HistoryLine] = []
        self._card: int | None = None
        self._before: tuple[datetime, uuid.UUID] | None = None
        self._loading = False
        self._epoch = 0
        self._headers = [tr("When"), tr("What"), tr("Amount"), tr("Balance change"), tr("Till"),
                         tr("Cashier")]

    @property
    def loading(self) -> bool:
        return self._loading

    def lines(self) -> list[HistoryLine]:
        """The entries read so far (a correction picks one of them)."""
        return list(self._lines)

    def show_card(self, card_id: int) -> None:
        self._epoch += 1
        self._card, self._before = card_id, None
        self.set_lines([])
        self._fetch(None)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        return (not parent.isValid() and self._before is not None and not self._loading)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        if self.canFetchMore(parent):
            self._fetch(self._before)

    def _fetch(self, before: tuple[datetime, uuid.UUID] | None) -> None:
        epoch, card = self._epoch, self._card
        assert card is not None
        self._loading = True
        self._tasks.run(lambda: self._read(card, before), lambda p: self._on_page(epoch, p),
                        lambda exc: self._on_failed(epoch, exc))

    def _on_page(self, epoch: int, page: HistoryPage) -> None:
        if epoch != self._epoch:
            return
        self._loading = False
        self.append_lines(page.lines)
        self._before = page.before

    def _on_failed(self, epoch: int, exc: BaseException) -> None:
        if epoch == self._epoch:
            self._loading = False
            log.error("card history: %s", exc, exc_info=exc)
            self.failed.emit(tr("Cannot read the history: {error}").format(error=exc))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line, col = self._lines[index.row()], index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        money = self._money
        return [line.at.astimezone().strftime("%Y-%m-%d %H:%M"),
                kind_texts().get(line.kind, line.kind),
                money(line.list_amount) if line.list_amount else "",
                ("+" if line.change > 0 else "") + money(line.change),
                line.till, line.cashier][col]

    def _money(self, minor: int) -> str:
        return format_number(minor, self._currency)


def _value(name: str) -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class CardPage(QWidget):
    """Header, purses, limits and today's spend, and the history table.

    Signals:
        card_read(object): the ``CardFile`` just shown (None: no such card), so the list's
            line and the card office's buttons follow what the page shows.
    """

    card_read = Signal(object)

    def __init__(self, tasks: TaskRunner, read_card: ReadCard, read_history: ReadHistory,
                 currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks, self._read_card, self._currency = tasks, read_card, currency
        self._epoch = 0
        self.file: CardFile | None = None
        self.title = _value("cardTitle")
        self.title.setStyleSheet("font-size: 150%; font-weight: bold;")
        self.status = _value("cardStatus")
        self.cash, self.bonus, self.allowance = (_value("cardCash"), _value("cardBonus"),
                                                 _value("cardAllowance"))
        self.balance, self.deposit = _value("cardBalance"), _value("cardDeposit")
        self.grants = _value("cardGrants")
        self.limits, self.today = _value("cardLimits"), _value("cardToday")
        self.limits.setWordWrap(True)
        purses = QGroupBox(tr("Purses"))
        form = QFormLayout(purses)
        form.addRow(tr("Cash"), self.cash)
        form.addRow(tr("Bonus"), self.bonus)
        form.addRow("", self.grants)
        form.addRow(tr("Allowance"), self.allowance)
        form.addRow(tr("Balance"), self.balance)
        form.addRow(tr("Deposit held"), self.deposit)
        rules = QGroupBox(tr("Limits and today"))
        rform = QFormLayout(rules)
        rform.addRow(tr("Limits"), self.limits)
        rform.addRow(tr("Today"), self.today)
        boxes = QVBoxLayout()  # one above the other: the page fits beside the list at 1024
        boxes.addWidget(purses)
        boxes.addWidget(rules)
        self.history = HistoryModel(tasks, read_history, currency, self)
        self.table = QTableView()
        self.table.setModel(self.history)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        fit_columns(self.table)
        self.history.failed.connect(self.status.setText)
        box = QVBoxLayout(self)
        self._box = box
        box.addWidget(self.title)
        box.addWidget(self.status)
        box.addLayout(boxes)
        box.addWidget(QLabel(tr("History")))
        box.addWidget(self.table, 1)

    def add_actions(self, bar: QWidget) -> None:
        """The card office's buttons under the status line (the page itself only reads)."""
        self._box.insertWidget(2, bar)

    def selected_line(self) -> HistoryLine | None:
        rows = self.table.selectionModel().selectedRows()
        lines = self.history.lines()
        return lines[rows[0].row()] if rows and rows[0].row() < len(lines) else None

    def show_card(self, card_id: int) -> None:
        self._epoch += 1
        epoch = self._epoch
        self.file = None
        self.title.setText(tr("Reading…"))
        self.status.setText("")
        self._tasks.run(lambda: self._read_card(card_id), lambda f: self._on_card(epoch, f),
                        lambda exc: self._on_failed(epoch, exc))
        self.history.show_card(card_id)

    def _on_card(self, epoch: int, file: CardFile | None) -> None:
        if epoch != self._epoch:
            return
        self.file = file
        if file is None:
            self.title.setText(tr("No such card"))
            self.card_read.emit(None)
            return
        m = self._money
        line = file.line
        self.title.setText(f"{line.number} — {line.holder}")
        status = status_texts()[CardStatus(line.status)]
        extra = [line.card_type]
        if file.status_reason:
            extra.append(file.status_reason)
        if line.valid_until:
            extra.append(tr("valid until {day}").format(day=line.valid_until.isoformat()))
        self.status.setText(f"{status} · " + " · ".join(extra))
        self.cash.setText(m(line.cash))
        self.bonus.setText(m(line.bonus))
        self.grants.setText("\n".join(
            tr("{amount} until {day}").format(amount=m(g.remaining),
                                             day=g.expires_on.isoformat())
            for g in file.grants))
        self.allowance.setText(m(line.allowance))
        self.balance.setText(m(line.balance))
        self.deposit.setText(m(file.deposit_held))
        self.limits.setText(self._limits_text(file))
        self.today.setText(tr("{amount} in {count} sales").format(
            amount=m(file.spent_amount), count=file.spent_count))
        self.card_read.emit(file)

    def _limits_text(self, file: CardFile) -> str:
        m, lim = self._money, file.limits
        parts = []
        if lim.discount_bp:
            parts.append(tr("{pct} % off").format(pct=f"{lim.discount_bp / 100:g}"))
        for value, text in ((lim.per_sale, tr("at most {amount} a sale")),
                            (lim.daily_amount, tr("{amount} a day")),
                            (lim.pin_above, tr("PIN above {amount}")),
                            (lim.offline, tr("{amount} a day offline"))):
            if value:
                parts.append(text.format(amount=m(value)))
        if lim.daily_count:
            parts.append(tr("{count} sales a day").format(count=lim.daily_count))
        parts.append(tr("PIN set") if file.has_pin else tr("no PIN"))
        return " · ".join(parts)

    def _on_failed(self, epoch: int, exc: BaseException) -> None:
        if epoch == self._epoch:
            log.error("card page: %s", exc, exc_info=exc)
            self.title.setText(tr("Cannot read the card: {error}").format(error=exc))

    def _money(self, minor: int) -> str:
        return format_number(minor, self._currency)
