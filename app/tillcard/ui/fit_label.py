"""A one-line label that shrinks its type, never its text, when the text outgrows it."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

MIN_PX = 9  # below this a number is not read at arm's length: the text is left as it is


class FitLabel(QLabel):
    """Shows its whole text: an amount cut to "1,00…" is worse than a smaller "1,000.00".

    Its size is a role (``size_name``: "huge", "big", "base" …) that the counter turns
    into pixels for the window's size (``set_pixel_size``); when the text is wider than
    the label at that size, the type is made smaller until it fits. The label never asks
    the layout for more width than a few digits, so a long name or a large amount cannot
    push the window wider than the screen; its height stays that of the full size, so
    nothing jumps when the type shrinks.
    """

    def __init__(self, size_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size_name = size_name
        self._px = 0  # 0: no size given yet, the style sheet's
        self._shown_px = 0

    @property
    def pixel_size(self) -> int:
        """The full size for the window; the text may be shown smaller."""
        return self._px

    def set_pixel_size(self, px: int) -> None:
        if px != self._px:
            self._px = px
            self.updateGeometry()
        self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self._fit()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self._advance(self.text(), self._full_px()), self._line_height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(self._advance("0000", self._full_px()), self._line_height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _full_px(self) -> int:
        if self._px:
            return self._px
        font = self.font()
        return font.pixelSize() if font.pixelSize() > 0 else round(font.pointSizeF() * 4 / 3)

    def _font(self, px: int) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(max(1, px))
        return font

    def _advance(self, text: str, px: int) -> int:
        return QFontMetrics(self._font(px)).horizontalAdvance(text)

    def _line_height(self) -> int:
        m = self.contentsMargins()
        return QFontMetrics(self._font(self._full_px())).height() + m.top() + m.bottom() \
            + 2 * self.margin()

    def _fit(self) -> None:
        if not self._px:
            return
        room = self.contentsRect().width() - 2 * self.margin()
        px = self._px
        text = self.text()
        if room > 0 and text:
            while px > MIN_PX and self._advance(text, px) > room:
                px = max(MIN_PX, min(px - 1, int(px * room / self._advance(text, px))))
        if px != self._shown_px:
            self._shown_px = px
            self.setStyleSheet(f"font-size: {px}px;")
