"""The live console's tables: the feed's lines and the tills' health, with their filters.

Split from ``live_tab`` (the tab, its thread and its panels) to keep both small.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from tillcard.domain.money import Currency, format_money
from tillcard.services.live import (
    FeedLine,
    HealthFlag,
    TillHealth,
    shown_amount,
)
from tillcard.ui.office.card_list import LinesModel
from tillcard.ui.office.card_page import kind_texts
from tillcard.ui.texts import tr

Index = QModelIndex | QPersistentModelIndex
MAX_LINES = 5_000
FLAGGED = QColor("#f8d7da")


class FeedModel(LinesModel):
    """The newest ``MAX_LINES`` entries, newest on top; an entry already shown is skipped."""

    def __init__(self, currency: Currency, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._currency = currency
        self._lines: list[FeedLine] = []
        self._ids: set[object] = set()
        self._kinds = kind_texts()
        self._headers = [tr("Time"), tr("Till"), tr("Booth"), tr("What"), tr("Card"),
                         tr("Holder"), tr("Cashier"), tr("Amount")]

    def add(self, lines: list[FeedLine]) -> None:
        """``lines`` oldest first (as applied); they go on top, newest first."""
        new = [ln for ln in reversed(lines) if ln.note.id not in self._ids]
        if not new:
            return
        self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
        self._lines[:0] = new
        self._ids.update(ln.note.id for ln in new)
        self.endInsertRows()
        if len(self._lines) > MAX_LINES:
            self.beginRemoveRows(QModelIndex(), MAX_LINES, len(self._lines) - 1)
            for ln in self._lines[MAX_LINES:]:
                self._ids.discard(ln.note.id)
            del self._lines[MAX_LINES:]
            self.endRemoveRows()

    def line(self, row: int) -> FeedLine:
        return self._lines[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        ln, col = self._lines[index.row()], index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 7:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        n = ln.note
        return [n.created_at.astimezone().strftime("%H:%M:%S"), ln.till_name, ln.booth,
                self._kinds.get(n.kind, n.kind), ln.card_number, ln.holder, ln.cashier,
                format_money(shown_amount(n), self._currency)][col]


class FeedFilter(QSortFilterProxyModel):
    """Till, booth, cashier and kind chosen exactly; card: its number or holder, contained."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.till = self.booth = self.cashier = self.kind = self.card = ""

    def set(self, **fields: str) -> None:
        self.beginFilterChange()
        for name, value in fields.items():
            setattr(self, name, value)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:  # noqa: N802 (Qt)
        model = self.sourceModel()
        assert isinstance(model, FeedModel)
        ln = model.line(row)
        card = self.card.casefold()
        return ((not self.till or ln.till_name == self.till)
                and (not self.booth or ln.booth == self.booth)
                and (not self.cashier or ln.cashier == self.cashier)
                and (not self.kind or ln.note.kind == self.kind)
                and (not card or card in ln.card_number.casefold()
                     or card in ln.holder.casefold()))


def flag_texts() -> dict[HealthFlag, str]:
    return {HealthFlag.SILENT: tr("silent"), HealthFlag.OFFLINE: tr("offline"),
            HealthFlag.UNSENT: tr("unsent entries"), HealthFlag.PRINTER: tr("printer"),
            HealthFlag.READER: tr("reader"),
            HealthFlag.SHIFT_DIFFERENCE: tr("shift difference")}


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return tr("never")
    s = int(seconds)
    if s < 60:
        return tr("{n} s ago").format(n=s)
    if s < 3600:
        return tr("{n} min ago").format(n=s // 60)
    return tr("{n} h ago").format(n=s // 3600)


class HealthModel(LinesModel):
    """One row per till; a flagged till's row is highlighted and says why."""

    def __init__(self, currency: Currency, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._currency = currency
        self._lines: list[TillHealth] = []
        self._flags = flag_texts()
        self._headers = [tr("Till"), tr("Booth"), tr("Last seen"), tr("Link"), tr("Unsent"),
                         tr("Printer"), tr("Reader"), tr("Shift"), tr("Version"), tr("Flags")]

    def row_of(self, row: int) -> TillHealth:
        return self._lines[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        h = self._lines[index.row()]
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(FLAGGED) if h.flags else None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return self._cells(h)[index.column()]

    def _cells(self, h: TillHealth) -> list[str]:
        r = h.record
        seen = r.seen_at is not None
        since = (r.link_since.astimezone().strftime("%H:%M") if r.link_since else "")
        shift = ""
        if r.shift_open:
            shift = tr("open · {name}").format(name=r.shift_cashier)
        if r.last_difference and HealthFlag.SHIFT_DIFFERENCE in h.flags:
            shift += (" · " if shift else "") + tr("Z {z} off by {amount}").format(
                z=r.last_z_no or "", amount=format_money(r.last_difference, self._currency))
        reader = "" if r.reader_ok is None else (r.reader or (tr("ok") if r.reader_ok
                                                               else tr("fault")))
        flags = ", ".join(self._flags[f] for f in HealthFlag if f in h.flags)
        return [r.name, r.booth, _ago(h.silent_s),
                tr("{state} since {time}").format(state=_link_word(r.link_state), time=since)
                if seen else "",
                str(r.unsent) if seen else "", r.printer, reader, shift, r.app_version,
                flags]


def _link_word(state: str) -> str:
    """A till's link state as its heartbeat names it, in the screen's words."""
    words = {"online": tr("online"), "offline": tr("offline"),
             "recovering": tr("reconnecting"), "halted": tr("stopped"),
             "disk": tr("disk fault")}
    return words.get(state, state)
