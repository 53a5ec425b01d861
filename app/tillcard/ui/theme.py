"""Colours and fonts: readable at arm's length, states told by colour and word together."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

UI_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "Noto Sans", "DejaVu Sans"]
MONEY_FAMILIES = ["Noto Sans Mono CJK SC", "DejaVu Sans Mono", "Monospace"]

STYLE = """
QWidget { font-size: %(base)dpt; }
QLabel[money="true"] { font-family: "%(mono)s"; }
#band { padding: 10px; font-size: %(band)dpt; font-weight: bold; border-radius: 4px; }
#band[state="waiting"] { background: #e8eef5; color: #2d3e50; }
#band[state="card"] { background: #f4f4f4; color: #222; }
#band[state="busy"] { background: #fff6d6; color: #5c4a00; }
#band[state="refused"] { background: #c62828; color: white; }
#band[state="paid"] { background: #2e7d32; color: white; }
#band[state="error"] { background: #8e24aa; color: white; }
#statusBadge[state="active"] { color: #2e7d32; font-weight: bold; }
#statusBadge[state="frozen"], #statusBadge[state="lost"], #statusBadge[state="blocked"],
#statusBadge[state="closed"], #statusBadge[state="expired"] { color: #c62828; font-weight: bold; }
#holder { font-size: %(big)dpt; font-weight: bold; }
#balance, #total { font-size: %(big)dpt; font-weight: bold; }
#chargeAmount { font-size: %(huge)dpt; font-weight: bold; }
#balanceAfter { font-size: %(big)dpt; font-weight: bold; }
#charge { font-size: %(band)dpt; font-weight: bold; }
QPushButton#charge { background: #1565c0; color: white; }
#cardPanel { border-right: 1px solid #ccc; }
#shortfall { color: #c62828; }
"""


# The counter's own sheet, set on its central widget (so dialogs and the demo's docked
# panels keep the application's): sizes in pixels that follow the window (see
# ``CounterSizes``), the band states it adds, the flash, keys that cannot act now (a
# CHARGE that cannot succeed must not look like one that can).
COUNTER_STYLE = """
QWidget { font-size: %(base)dpx; }
#statusBar QLabel, #bottomBar QLabel, #bottomBar QPushButton, #cardNumberButton,
#maximum, #pinNote { font-size: %(small)dpx; }
#band { padding: %(pad)dpx; font-size: %(band)dpx; }
#band[state="collect"] { background: #ffb300; color: #1a1a1a; }
#band[state="voided"] { background: #ef6c00; color: white; }
#band[flash="true"] { border: 4px solid #1a1a1a; }
#holder, #balance, #total, #chargeAmount, #balanceAfter { font-weight: bold; }
#total[flash="true"], #maximum[flash="true"] { color: #c62828; font-weight: bold; }
#keypad QPushButton { font-size: %(key)dpx; }
#keypad QPushButton#charge, QPushButton#cash { font-size: %(charge)dpx; font-weight: bold; }
QPushButton#cash { background: #ffb300; color: #1a1a1a; }
QPushButton#charge:disabled, QPushButton#cash:disabled { background: #d6d6d6; color: #777; }
"""

REFERENCE_SIZE = (1024, 768)  # the smallest screen a till has: scale 1.0
# Text sizes in pixels at the reference size: (regular, large type). Large type grows the
# small print most; the big numbers are big already and must still fit a 1024 × 768 screen.
_PX = {
    "small": (13, 17), "base": (15, 19), "band": (20, 23), "key": (28, 32),
    "charge": (21, 24), "holder": (28, 30), "big": (28, 29), "huge": (46, 48),
}


@dataclass(frozen=True)
class CounterSizes:
    """The counter's text sizes for one window size; a window twice as big, twice the type.

    The scale is the smaller of the width and height ratios to 1024 × 768, so whatever
    fits the smallest screen fits every other one, only larger.
    """

    scale: float
    large_type: bool = False

    @classmethod
    def for_window(cls, width: int, height: int, large_type: bool = False) -> CounterSizes:
        ref_w, ref_h = REFERENCE_SIZE
        scale = min(width / ref_w, height / ref_h)
        return cls(round(max(0.6, min(scale, 2.5)), 2), large_type)

    def boosted(self, factor: float) -> CounterSizes:
        """The same type ``factor`` times larger: panels that have room to spare."""
        return CounterSizes(round(self.scale * factor, 2), self.large_type)

    def px(self, name: str) -> int:
        regular, large = _PX[name]
        return max(9, round((large if self.large_type else regular) * self.scale))

    def style(self) -> str:
        sizes = {name: self.px(name) for name in _PX}
        return COUNTER_STYLE % {**sizes, "pad": max(4, round(6 * self.scale))}


def _first_available(families: list[str]) -> str:
    have = set(QFontDatabase.families())
    return next((f for f in families if f in have), families[-1])


def apply_theme(app: QApplication, large_type: bool = False) -> None:
    base = 16 if large_type else 12
    app.setFont(QFont(_first_available(UI_FAMILIES), base))
    app.setStyleSheet(STYLE % {"base": base, "band": base + 6, "big": base * 2,
                               "huge": base * 3,
                               "mono": _first_available(MONEY_FAMILIES)})
