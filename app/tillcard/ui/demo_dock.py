"""The demo's card panel and receipts, docked inside the cashier window.

Docked, they never cover the holder or the amount, and nothing in them takes the
keyboard: the next digit typed after tapping a demo card lands in the amount.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QSplitter, QWidget

from tillcard.ui.texts import tr

DOCK_WIDTH = 300


def never_focus(widget: QWidget) -> None:
    """``widget`` and everything in it can be clicked but never hold the keyboard."""
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    for child in widget.findChildren(QWidget):
        child.setFocusPolicy(Qt.FocusPolicy.NoFocus)


def dock_demo_panels(window: QMainWindow, cards: QWidget, receipts: QWidget) -> QDockWidget:
    """One fixed dock on the window's right: the demo cards above, the receipts below.

    The dock cannot be closed, floated or moved (a floating panel is a window again, and
    would cover the counter); the window grows by the dock's width so that the counter
    keeps its own size.
    """
    scroll = QScrollArea()
    scroll.setWidget(cards)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    split = QSplitter(Qt.Orientation.Vertical)
    split.addWidget(scroll)
    split.addWidget(receipts)
    split.setStretchFactor(0, 3)
    split.setStretchFactor(1, 2)
    dock = QDockWidget(tr("Demo: cards and receipts"), window)
    dock.setObjectName("demoDock")
    dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
    dock.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea)
    dock.setWidget(split)
    dock.setFixedWidth(DOCK_WIDTH)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    never_focus(dock)
    window.resize(window.width() + DOCK_WIDTH, window.height())
    return dock
