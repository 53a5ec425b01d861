"""A bar chart painted with QPainter: one value per label, an axis, labels that never collide.

QtCharts is not part of PySide6-Essentials, and a report needs only bars. The layout
(``chart_layout``) is computed apart from the painting so that tests can read where every
bar and label went; values stay integers (minor units, counts) until they become pixels.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR = QColor("#1565c0")
NEGATIVE_BAR = QColor("#c62828")
GRID = QColor("#dcdcdc")
GAP = 6  # px between labels, and around the plot


def nice_step(span: int, most: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ step that covers ``span`` in at most ``most`` steps."""
    raw = max(1, -(-span // max(1, most)))
    magnitude = int("1" + "0" * (len(str(raw)) - 1))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def axis_ticks(values: Sequence[int], most: int) -> list[int]:
    """Round values from at or below the lowest bar to at or above the highest, zero included."""
    low, high = min(0, *values), max(0, *values)
    step = nice_step(high - low, most)
    first, last = low // step, -(-high // step)  # floor and ceiling, in steps
    if first == last:
        last = first + 1
    return [i * step for i in range(first, last + 1)]


def _overlaps(rect: QRectF, placed: list[QRectF]) -> bool:
    grown = rect.adjusted(-GAP / 2, 0, GAP / 2, 0)
    return any(grown.intersects(p) for p in placed)


@dataclass(frozen=True)
class ChartLayout:
    """Where everything goes for one widget size: what the painter draws and tests read."""

    plot: QRectF
    ticks: list[tuple[int, float]]  # value, y
    bars: list[QRectF]
    label_rects: dict[int, QRectF]  # bar index -> its label under the axis
    value_rects: dict[int, QRectF]  # bar index -> the ink of its value over (under) the bar


class BarChart(QWidget):
    """Bars for ``labels`` × ``values``, scaled to the widget, with a title and an axis.

    Label and value texts come from the caller (``value_text`` for the figures over the
    bars, ``axis_text`` for the ticks): the chart knows pixels, not money.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("barChart")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.title = ""
        self.labels: tuple[str, ...] = ()
        self.values: tuple[int, ...] = ()
        self.placeholder = ""
        self._value_text: Callable[[int], str] = str
        self._axis_text: Callable[[int], str] = str

    def set_bars(self, title: str, labels: Sequence[str], values: Sequence[int],
                 value_text: Callable[[int], str] = str,
                 axis_text: Callable[[int], str] | None = None) -> None:
        if len(labels) != len(values):
            raise ValueError("a bar needs one label and one value")
        self.title, self.labels, self.values = title, tuple(labels), tuple(values)
        self._value_text, self._axis_text = value_text, axis_text or value_text
        self.update()

    def clear(self, placeholder: str = "") -> None:
        """No bars; ``placeholder`` is said in the middle instead."""
        self.title, self.labels, self.values, self.placeholder = "", (), (), placeholder
        self.update()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        line = self.fontMetrics().height()
        return QSize(20 * line, 8 * line)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        line = self.fontMetrics().height()
        return QSize(40 * line, 14 * line)

    # -- layout ---------------------------------------------------------------------

    def chart_layout(self) -> ChartLayout:
        fm = self.fontMetrics()
        line = fm.height()
        top = (line + GAP if self.title else GAP) + line  # the title, then room for values
        bottom = self.height() - line - 2 * GAP  # the labels under the axis
        most = max(2, int((bottom - top) // (2.5 * line)))
        ticks = axis_ticks(self.values or (0,), most)
        left = max(fm.horizontalAdvance(self._axis_text(t)) for t in ticks) + 2 * GAP
        plot = QRectF(left, top, max(1.0, self.width() - left - 2 * GAP),
                      max(1.0, bottom - top))
        low, high = ticks[0], ticks[-1]

        def y(v: int) -> float:
            return plot.bottom() - (v - low) * plot.height() / (high - low)

        bars = self._bar_rects(plot, y)
        return ChartLayout(plot, [(t, y(t)) for t in ticks], bars,
                           self._label_rects(fm, plot, bars),
                           self._value_rects(fm, plot, bars, y))

    def _bar_rects(self, plot: QRectF, y: Callable[[int], float]) -> list[QRectF]:
        if not self.values:
            return []
        slot = plot.width() / len(self.values)
        width = max(1.0, slot * 0.7)
        zero = y(0)
        return [QRectF(plot.left() + i * slot + (slot - width) / 2, min(zero, y(v)), width,
                       abs(zero - y(v))) for i, v in enumerate(self.values)]

    def _label_rects(self, fm: QFontMetrics, plot: QRectF,
                     bars: list[QRectF]) -> dict[int, QRectF]:
        """Every k-th label, k the same for all, so the shown ones keep an even rhythm."""
        if not bars:
            return {}
        widest = max(fm.horizontalAdvance(t) for t in self.labels)
        slot = plot.width() / len(bars)
        every = max(1, math.ceil((widest + GAP) / slot))
        rects = {}
        for i in range(0, len(bars), every):
            w = fm.horizontalAdvance(self.labels[i])
            x = min(max(bars[i].center().x() - w / 2, 0.0), self.width() - w)
            rects[i] = QRectF(x, plot.bottom() + GAP / 2, w, fm.height())
        return rects

    def _value_rects(self, fm: QFontMetrics, plot: QRectF, bars: list[QRectF],
                     y: Callable[[int], float]) -> dict[int, QRectF]:
        """The largest values first; a label that would touch one already placed is left out."""
        placed: dict[int, QRectF] = {}
        bounds = QRectF(self.rect())
        for i in sorted(range(len(bars)), key=lambda i: -abs(self.values[i])):
            v = self.values[i]
            if v == 0:
                continue
            # The ink of digits, not the line's leading: neighbours may sit closer.
            w, h = fm.horizontalAdvance(self._value_text(v)), fm.capHeight() + fm.descent()
            top = y(v) - h - 3 if v > 0 else y(v) + 3
            rect = QRectF(bars[i].center().x() - w / 2, top, w, h)
            if bounds.contains(rect) and not _overlaps(rect, list(placed.values())):
                placed[i] = rect
        return placed

    # -- painting -------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            text = self.palette().color(QPalette.ColorRole.Text)
            if not self.values:
                p.setPen(text)
                p.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, self.placeholder)
                return
            lay = self.chart_layout()
            self._paint_title(p, text)
            self._paint_axis(p, lay, text)
            for i, bar in enumerate(lay.bars):
                p.fillRect(bar, BAR if self.values[i] >= 0 else NEGATIVE_BAR)
            p.setPen(text)
            for i, rect in lay.label_rects.items():
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.labels[i])
            descent = self.fontMetrics().descent()
            for i, rect in lay.value_rects.items():
                p.drawText(QPointF(rect.left(), rect.bottom() - descent),
                           self._value_text(self.values[i]))
        finally:
            p.end()

    def _paint_title(self, p: QPainter, text: QColor) -> None:
        if self.title:
            font = p.font()
            font.setBold(True)
            p.setFont(font)
            p.setPen(text)
            p.drawText(QRectF(0, GAP / 2, self.width(), self.fontMetrics().height()),
                       Qt.AlignmentFlag.AlignCenter, self.title)
            font.setBold(False)
            p.setFont(font)

    def _paint_axis(self, p: QPainter, lay: ChartLayout, text: QColor) -> None:
        fm = self.fontMetrics()
        for value, ty in lay.ticks:
            p.setPen(QPen(text if value == 0 else GRID, 1))
            p.drawLine(QPointF(lay.plot.left(), ty), QPointF(lay.plot.right(), ty))
            p.setPen(text)
            label = QRectF(0, ty - fm.height() / 2, lay.plot.left() - GAP, fm.height())
            p.drawText(label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       self._axis_text(value))
