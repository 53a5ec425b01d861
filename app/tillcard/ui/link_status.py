"""The central link in the status bar: online, offline or recovering, and what is unsent.

The cashier must know at a glance whether a sale is being confirmed by the centre or
recorded at the till only, and how much is waiting; the label never blocks on anything,
it is told (from the sync thread, through ``MainThreadPost``).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from tillcard.sync.link import LinkState, LinkStatus
from tillcard.ui.mainthread import MainThreadPost
from tillcard.ui.texts import tr


class LinkBridge(QObject):
    """Created on the GUI thread; ``on_status`` may be called from any thread.

    Signals (always emitted on the GUI thread):
        status_changed(LinkStatus)
    """

    status_changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._post = MainThreadPost(self)
        self.last: LinkStatus | None = None

    def on_status(self, status: LinkStatus) -> None:
        self._post.post(lambda: self._emit(status))

    def _emit(self, status: LinkStatus) -> None:
        self.last = status
        self.status_changed.emit(status)


def link_text(status: LinkStatus) -> str:
    if status.state is LinkState.ONLINE:
        text = tr("● online")
    elif status.state is LinkState.RECOVERING:
        text = tr("◐ reconnecting")
    elif status.state is LinkState.HALTED:
        text = tr("■ stopped: {reason}").format(reason=status.message)
    elif status.state is LinkState.DISK:
        text = tr("■ this till's disk: {reason}").format(reason=status.message)
    else:
        text = tr("○ offline")
    if status.unsent:
        text += " · " + tr("{n} unsent").format(n=status.unsent)
    return text


class LinkIndicator(QObject):
    """Keeps a status-bar label in step with the link."""

    def __init__(self, label: QLabel, bridge: LinkBridge) -> None:
        super().__init__(label)
        self._label = label
        bridge.status_changed.connect(self._on_bridge_status_changed)
        if bridge.last is not None:
            self._on_bridge_status_changed(bridge.last)

    def _on_bridge_status_changed(self, status: LinkStatus) -> None:
        self._label.setText(link_text(status))
        self._label.setToolTip(status.message)
        self._label.setProperty("ok", status.state is LinkState.ONLINE)
        self._label.style().unpolish(self._label)
        self._label.style().polish(self._label)
