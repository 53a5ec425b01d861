"""Colours and fonts: readable at arm's length, states told by colour and word together."""

from __future__ import annotations

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


# The counter window's own sheet (set on the window, so it holds without the app theme):
# the band states it adds, the flash, keys that cannot act now (a CHARGE that cannot
# succeed must not look like one that can).
COUNTER_STYLE = """
#band[state="collect"] { background: #ffb300; color: #1a1a1a; }
#band[state="voided"] { background: #ef6c00; color: white; }
#band[flash="true"] { border: 4px solid #1a1a1a; }
#total[flash="true"], #maximum[flash="true"] { color: #c62828; font-weight: bold; }
QPushButton#cash { background: #ffb300; color: #1a1a1a; font-weight: bold; }
QPushButton#charge:disabled, QPushButton#cash:disabled { background: #d6d6d6; color: #777; }
"""


def _first_available(families: list[str]) -> str:
    have = set(QFontDatabase.families())
    return next((f for f in families if f in have), families[-1])


def apply_theme(app: QApplication, large_type: bool = False) -> None:
    base = 16 if large_type else 12
    app.setFont(QFont(_first_available(UI_FAMILIES), base))
    app.setStyleSheet(STYLE % {"base": base, "band": base + 6, "big": base * 2,
                               "huge": base * 3,
                               "mono": _first_available(MONEY_FAMILIES)})
