"""The managers' live console: every entry as it is applied, today's figures, till health.

The feed runs on a ``FeedThread`` (the listener blocks on its socket there, and the names
for each batch are read there too) and reaches the GUI thread by signal; today's figures
and the tills' health are read on the task worker. The GUI thread never waits on the
database. The feed keeps the newest ``MAX_LINES`` entries, newest on top; the filters
narrow what is shown, never what is kept.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QThread,
    QTimer,
    Signal,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tillcard.domain.money import Currency, format_money
from tillcard.services.auth import Session
from tillcard.services.live import (
    FeedLine,
    LiveConsole,
    TodayFigures,
)
from tillcard.sync.heartbeat import HEARTBEAT_S
from tillcard.ui.office.action_dialog import error_text
from tillcard.ui.office.card_page import kind_texts
from tillcard.ui.office.live_models import (
    FeedFilter,
    FeedModel,
    HealthModel,
)
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

log = logging.getLogger(__name__)
Index = QModelIndex | QPersistentModelIndex
FIRST_SCREEN = 200  # today's latest entries shown when the tab opens
FIGURES_AFTER_MS = 1_000  # entries arrived: today's figures again, at most this often


_RETIRED: set[FeedThread] = set()  # stopped, still finishing their last wait
_RETIRED_JOINED_AT_EXIT: list[bool] = []


def join_retired(timeout_ms: int = 5_000) -> bool:
    """At exit, after the windows are gone: lets every stopped feed thread finish."""
    return all(t.wait(timeout_ms) for t in list(_RETIRED))


class FeedThread(QThread):
    """Listens for entries until interrupted; reconnects after a failure.

    Signals:
        arrived(list): ``FeedLine``s of one batch, in the order applied.
        bulk(int): a bulk load added this many entries at once.
        state(str): "" when listening, else why not (shown under the feed).
    """

    arrived = Signal(object)
    bulk = Signal(int)
    state = Signal(str)

    def __init__(self, console: LiveConsole, session: Session,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._console, self._session = console, session
        self._stop = threading.Event()

    def stop(self) -> None:
        """Asks the thread to end and returns at once: the GUI thread never waits on it.

        The thread ends by itself within one wait for notifications (half a second) or one
        query; until then it is kept alive here, unparented, so closing the tab or the
        office cannot destroy a running QThread. Only the application's exit joins it.
        """
        self._stop.set()
        if not self.isRunning():
            return
        self.setParent(None)
        _RETIRED.add(self)
        self.finished.connect(lambda: _RETIRED.discard(self))
        app = QCoreApplication.instance()
        if app is not None and not _RETIRED_JOINED_AT_EXIT:
            _RETIRED_JOINED_AT_EXIT.append(True)
            app.aboutToQuit.connect(join_retired)

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                feed = self._console.open_feed(self._session)
            except Exception as exc:  # noqa: BLE001 - shown, then tried again
                self.state.emit(error_text(exc))
                self._stop.wait(2.0)
                continue
            self.state.emit("")
            try:
                self._listen(feed.next)
            except Exception as exc:  # noqa: BLE001 - the link broke: reconnect
                log.warning("live feed lost: %s", exc)
                self.state.emit(error_text(exc))
                self._stop.wait(1.0)
            finally:
                feed.close()

    def _listen(self, next_batch: Any) -> None:
        while not self._stop.is_set():
            lines, bulks = next_batch(0.5)
            if lines:
                self.arrived.emit(lines)
            for b in bulks:
                self.bulk.emit(b.count)


class FiguresPanel(QGroupBox):
    """Today's figures; each one's definition is its tooltip."""

    def __init__(self, currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(tr("Today"), parent)
        self._currency = currency
        self.revenue, self.sales, self.cards = QLabel("—"), QLabel("—"), QLabel("—")
        self.meals = QLabel("")
        self.meals.setObjectName("liveMeals")
        self.meals.setWordWrap(True)  # a long window name wraps: the feed keeps the width
        for label, name in ((self.revenue, "liveRevenue"), (self.sales, "liveSales"),
                            (self.cards, "liveCards")):
            label.setObjectName(name)
            label.setStyleSheet("font-size: 150%; font-weight: bold;")
        form = QFormLayout(self)
        for title, label, tip in (
                (tr("Revenue"), self.revenue, tr("Card and cash sales at their charged "
                                                 "price, less what voids gave back")),
                (tr("Sales"), self.sales, tr("Card sales and cash sales, less voids")),
                (tr("Cards"), self.cards, tr("Distinct cards with a card sale today")),
                (tr("By meal window"), self.meals, tr("Revenue and sales in each meal "
                                                      "window of the card's type"))):
            label.setToolTip(tip)
            form.addRow(title, label)

    def show_figures(self, f: TodayFigures) -> None:
        m = self._currency
        self.setTitle(tr("Today, {day} (at {time})").format(
            day=f.day.isoformat(), time=f.as_of.astimezone().strftime("%H:%M:%S")))
        self.revenue.setText(format_money(f.revenue, m))
        self.sales.setText(str(f.sales))
        self.cards.setText(str(f.cards))
        outside = tr("outside meal windows")
        self.meals.setText("\n".join(
            f"{meal.name or outside}: {format_money(meal.revenue, m)} · {meal.sales}"
            for meal in f.meals))


def _combo(name: str, anything: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.addItem(anything, "")
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


def _table(name: str, model: QAbstractItemModel) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table



class LiveTab(QWidget):
    """The feed with its filters, today's figures beside it, the tills' health below.

    The feed starts when the tab is first shown; ``stop`` ends it (the window calls it on
    closing; a test calls it before it ends).
    """

    def __init__(self, session: Session, console: LiveConsole, tasks: TaskRunner,
                 currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session, self._console, self._tasks = session, console, tasks
        self.model = FeedModel(currency, self)
        self.filter = FeedFilter(self)
        self.filter.setSourceModel(self.model)
        self.health_model = HealthModel(currency, self)
        self.figures = FiguresPanel(currency)
        self.feed_table = _table("liveFeed", self.filter)
        self.health_table = _table("liveHealth", self.health_model)
        self.till, self.booth = _combo("liveTill", tr("Any till")), _combo(
            "liveBooth", tr("Any booth"))
        self.cashier, self.kind = _combo("liveCashier", tr("Any cashier")), _combo(
            "liveKind", tr("Any kind"))
        for kind, text in kind_texts().items():
            self.kind.addItem(text, kind)
        self.card = QLineEdit()
        self.card.setObjectName("liveCard")
        self.card.setPlaceholderText(tr("Card number or holder"))
        self.card.setClearButtonEnabled(True)
        self.status = QLabel(tr("Connecting…"))
        self.status.setObjectName("liveStatus")
        self._thread: FeedThread | None = None
        self._figures_due = False
        self._stopped = False
        self._lay_out()
        self._connect()
        self._health_timer = QTimer(self)
        self._health_timer.setInterval(int(HEARTBEAT_S * 1000))
        self._health_timer.timeout.connect(self._on_health_timer_timeout)

    def _lay_out(self) -> None:
        bar = QHBoxLayout()
        for w in (self.till, self.booth, self.cashier, self.kind):
            bar.addWidget(w)
        bar.addWidget(self.card, 1)
        feed = QWidget()
        left = QVBoxLayout(feed)
        left.setContentsMargins(0, 0, 0, 0)
        left.addLayout(bar)
        left.addWidget(self.feed_table, 1)
        left.addWidget(self.status)
        top = QSplitter()
        top.addWidget(feed)
        top.addWidget(self.figures)
        self.figures.setMaximumWidth(420)  # figures are short; the feed's columns are not
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)
        top.setSizes([940, 360])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.health_table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([560, 140])
        QVBoxLayout(self).addWidget(split)
        fm = self.feed_table.fontMetrics()
        for col, sample in enumerate(("00:00:00", "Card office", "Canteen North", "Cash sale",
                                      "0000000000", "Holder name", "Cashier")):
            self.feed_table.setColumnWidth(col, fm.horizontalAdvance(sample) + 24)
        for col, sample in enumerate(("Card office", "Canteen North", "59 min ago",
                                      "recovering since 00:00", "Unsent", "paper near end",
                                      "ACS ACR122U PICC", "open · Cashier name", "0.0.0")):
            self.health_table.setColumnWidth(col, fm.horizontalAdvance(sample) + 24)

    def _connect(self) -> None:
        self.till.currentIndexChanged.connect(self._on_filter_changed)
        self.booth.currentIndexChanged.connect(self._on_filter_changed)
        self.cashier.currentIndexChanged.connect(self._on_filter_changed)
        self.kind.currentIndexChanged.connect(self._on_filter_changed)
        self.card.textChanged.connect(self._on_filter_changed)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._thread is None:
            self.start()

    def start(self) -> None:
        """Listen first, then read the latest entries: nothing falls between the two."""
        thread = FeedThread(self._console, self._session, self)
        thread.arrived.connect(self._on_feed_arrived)
        thread.bulk.connect(self._on_feed_bulk)
        thread.state.connect(self._on_feed_state)
        self._thread = thread
        thread.start()
        self._health_timer.start()
        self._on_health_timer_timeout()

    def stop(self) -> None:
        self._stopped = True  # a figures read already timed must not reach a closed runner
        self._health_timer.stop()
        if self._thread is not None:
            self._thread.stop()

    @property
    def feeding(self) -> bool:
        """Whether the feed's thread still runs (it ends by itself after ``stop``)."""
        return self._thread is not None and self._thread.isRunning()

    @property
    def listening(self) -> bool:
        return self._thread is not None and self.status.text() == ""

    def _on_feed_state(self, problem: str) -> None:
        if problem:
            self.status.setText(tr("Feed interrupted: {error}").format(error=problem))
            return
        self.status.setText("")
        session, console = self._session, self._console
        self._tasks.run(lambda: console.recent(session, FIRST_SCREEN), self._on_feed_arrived,
                        self._on_read_failed)
        self._figures_soon()

    def _on_feed_arrived(self, lines: list[FeedLine]) -> None:
        if lines and lines[0].note.created_at > lines[-1].note.created_at:
            lines = list(reversed(lines))  # the first screen comes newest first
        self.model.add(lines)
        for ln in lines:
            _offer(self.till, ln.till_name)
            _offer(self.booth, ln.booth)
            _offer(self.cashier, ln.cashier)
        self._figures_soon()

    def _on_feed_bulk(self, count: int) -> None:
        self.status.setText(tr("{count} entries loaded at once (not listed)").format(
            count=count))
        self._figures_soon()

    def _figures_soon(self) -> None:
        if not self._figures_due:
            self._figures_due = True
            QTimer.singleShot(FIGURES_AFTER_MS, self, self._read_figures)

    def _read_figures(self) -> None:
        self._figures_due = False
        if self._stopped:
            return
        session, console = self._session, self._console
        self._tasks.run(lambda: console.today(session), self.figures.show_figures,
                        self._on_read_failed)

    def _on_health_timer_timeout(self) -> None:
        session, console = self._session, self._console
        self._tasks.run(lambda: console.health(session), self.health_model.set_lines,
                        self._on_read_failed)

    def _on_read_failed(self, exc: BaseException) -> None:
        self.status.setText(error_text(exc))

    def _on_filter_changed(self) -> None:
        self.filter.set(till=str(self.till.currentData() or ""),
                        booth=str(self.booth.currentData() or ""),
                        cashier=str(self.cashier.currentData() or ""),
                        kind=str(self.kind.currentData() or ""),
                        card=self.card.text().strip())


def _offer(combo: QComboBox, value: str) -> None:
    """A value seen in the feed becomes a choice (sorted after "any")."""
    if value and combo.findData(value) < 0:
        at = 1
        while at < combo.count() and str(combo.itemData(at)) < value:
            at += 1
        combo.insertItem(at, value, value)
