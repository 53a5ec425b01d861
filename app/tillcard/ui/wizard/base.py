"""What every set-up page shares: the draft, the worker, and a line for problems.

A page only moves values between its widgets and the draft (``load`` / ``save``) and
says what keeps it from going on (``ready``); the window decides the order and when to
write. Work that waits (a database, a printer, pcscd) goes through the context's
``TaskRunner``, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from tillcard.devices.readers.base import CardReader
from tillcard.services.setup import (
    AdminRequest,
    DbReport,
    DbTarget,
    Page,
    ReaderList,
    SetupDraft,
    list_readers,
)
from tillcard.ui.tasks import TaskRunner

T = TypeVar("T")
ReaderOpener = Callable[[str], CardReader]
ReaderFinder = Callable[[], ReaderList]


@dataclass
class SetupContext:
    """The set-up in progress, shared by the pages of one wizard or Settings dialog.

    ``target`` and ``report``: the central database as last tested; ``admin``: the first
    admin to create at Finish (None: none to create). ``open_reader`` and
    ``find_readers`` are the devices' own, or a test's simulated ones.
    """

    draft: SetupDraft
    tasks: TaskRunner
    open_reader: ReaderOpener
    find_readers: ReaderFinder = list_readers
    first_run: bool = True
    target: DbTarget | None = None
    report: DbReport | None = None
    admin: AdminRequest | None = None
    listeners: list[Callable[[], None]] = field(default_factory=list)

    def changed(self) -> None:
        """Tell the pages that the database target or report changed."""
        for listener in self.listeners:
            listener()


class SetupPage(QWidget):
    """One page: a heading, the page's problems in red, then its form."""

    page: Page

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        self.problem = QLabel()
        self.problem.setObjectName("setupProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c62828; font-weight: bold;")
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.hide()
        outer.addWidget(self.problem)
        self.body = QVBoxLayout()
        outer.addLayout(self.body)
        outer.addStretch(1)

    def title(self) -> str:
        raise NotImplementedError

    def load(self, draft: SetupDraft) -> None:
        """Show the draft's values."""

    def save(self, draft: SetupDraft) -> None:
        """Put the widgets' values into the draft."""

    def ready(self) -> str | None:
        """Why the wizard cannot go on from here (in the reader's language), or None."""
        return None

    def entered(self) -> None:
        """The page is shown (a page may look something up then)."""

    def left(self) -> None:
        """The page is hidden (a page stops what it started, e.g. a reader)."""

    def show_problems(self, lines: list[str]) -> None:
        self.problem.setText("\n".join(lines))
        self.problem.setVisible(bool(lines))

    def form(self) -> QFormLayout:
        layout = QFormLayout()
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.body.addLayout(layout)
        return layout

    def note(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setStyleSheet("color: #555;")
        self.body.addWidget(label)
        return label

    def run(self, fn: Callable[[], T], on_ok: Callable[[T], None],
            on_error: Callable[[BaseException], None]) -> None:
        self.ctx.tasks.run(fn, on_ok, on_error)
