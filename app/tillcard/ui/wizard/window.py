"""The frame around the set-up pages: steps on the left, one page, buttons below.

``SetupWizard`` is the first run (Back, Next, Finish; the first admin's page included);
``SettingsDialog`` is the same pages for an admin in the back office (Save). Finish and
Save create the first admin if asked, then write the file through ``SetupService``,
which reads it back; a problem found there opens the page of the key it names.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tillcard.config import ConfigError, Settings
from tillcard.devices.readers.factory import open_reader
from tillcard.services.auth import PermissionDenied, Session
from tillcard.services.setup import (
    ConfigProblem,
    Page,
    SetupDraft,
    SetupFailed,
    SetupService,
    list_readers,
    problems_of,
)
from tillcard.services.users import FirstAdminExists, UserError
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr
from tillcard.ui.wizard.base import ReaderFinder, ReaderOpener, SetupContext, SetupPage
from tillcard.ui.wizard.db_pages import AdminPage, ProfilePage, fault_text
from tillcard.ui.wizard.device_pages import DisplayPage, PrinterPage, ReaderPage
from tillcard.ui.wizard.site_pages import (
    ClockPage,
    CurrencyPage,
    LanguagePage,
    MealsPage,
    TillPage,
)

PAGE_CLASSES: dict[Page, type[SetupPage]] = {
    Page.PROFILE: ProfilePage, Page.ADMIN: AdminPage, Page.TILL: TillPage,
    Page.CLOCK: ClockPage, Page.MEALS: MealsPage, Page.CURRENCY: CurrencyPage,
    Page.READER: ReaderPage, Page.PRINTER: PrinterPage, Page.DISPLAY: DisplayPage,
    Page.LANGUAGE: LanguagePage,
}


def problem_line(p: ConfigProblem) -> str:
    """A problem as the page shows it: the key and the reason."""
    if p.key is None:
        return p.reason
    if p.had is not None:
        return tr("{key}: {reason} (the file had {value})").format(key=p.key, reason=p.reason,
                                                                   value=p.had)
    return tr("{key}: {reason}").format(key=p.key, reason=p.reason)


class SetupWindow(QDialog):
    """The pages, in order, around one draft.

    Signals:
        written(Settings): the file was written and read back; the dialog then accepts.
    """

    written = Signal(object)

    def __init__(self, service: SetupService, *, first_run: bool,
                 problem: ConfigError | None = None, open_reader: ReaderOpener = open_reader,
                 find_readers: ReaderFinder = list_readers, tasks: TaskRunner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.result_settings: Settings | None = None
        self._own_tasks = tasks is None
        self.tasks = tasks or TaskRunner(self)
        draft, found = service.draft()
        self.ctx = SetupContext(draft, self.tasks, open_reader, find_readers,
                                first_run=first_run)
        pages = [p for p in Page if first_run or p is not Page.ADMIN]
        self.pages = [PAGE_CLASSES[p](self.ctx) for p in pages]
        self._build(first_run)
        for page in self.pages:
            page.load(draft)
        start = service.explain(problems_of(problem)) if problem is not None else found
        self._show_problems(start)
        self._go(self._index(start[0].page) if start else 0, save=False)

    # -- layout -----------------------------------------------------------------------

    def _build(self, first_run: bool) -> None:
        self.setWindowTitle(tr("Set up Tillcard") if first_run else tr("Settings"))
        self.steps = QListWidget()
        self.steps.setObjectName("setupSteps")
        self.steps.setFixedWidth(220)
        self.steps.addItems([p.title() for p in self.pages])
        self.heading = QLabel()
        self.heading.setObjectName("setupHeading")
        self.heading.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.stack = QStackedWidget()
        for page in self.pages:
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            # pages wrap their text to the width they get: never a sideways scroll
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(page)
            self.stack.addWidget(scroll)
        self.message = QLabel()
        self.message.setObjectName("setupMessage")
        self.message.setWordWrap(True)
        self.back = QPushButton(tr("Back"))
        self.next = QPushButton(tr("Next"))
        self.finish = QPushButton(tr("Finish") if first_run else tr("Save"))
        self.cancel = QPushButton(tr("Cancel"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        for b in (self.back, self.next, self.finish, self.cancel):
            buttons.addWidget(b)
        self.back.setVisible(first_run)
        self.next.setVisible(first_run)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.stack, 1)
        right.addLayout(buttons)
        outer = QHBoxLayout(self)
        outer.addWidget(self.steps)
        outer.addLayout(right, 1)
        self.steps.currentRowChanged.connect(self._on_steps_current_row_changed)
        self.back.clicked.connect(lambda: self._go(self.current - 1))
        self.next.clicked.connect(self._on_next_clicked)
        self.finish.clicked.connect(self._on_finish_clicked)
        self.cancel.clicked.connect(self.reject)

    # -- navigation -------------------------------------------------------------------

    @property
    def current(self) -> int:
        return self.stack.currentIndex()

    def page(self, which: Page) -> SetupPage:
        return self.pages[self._index(which)]

    def show_page(self, which: Page) -> None:
        """Go to a page as a click on its step would (what is typed so far is kept)."""
        self._go(self._index(which))

    def _index(self, which: Page) -> int:
        return next((i for i, p in enumerate(self.pages) if p.page is which), 0)

    def _go(self, index: int, *, save: bool = True) -> None:
        index = max(0, min(index, len(self.pages) - 1))
        if save and self.current >= 0:
            old = self.pages[self.current]
            old.save(self.ctx.draft)
            old.left()
        page = self.pages[index]
        page.load(self.ctx.draft)
        self.stack.setCurrentIndex(index)
        self.steps.blockSignals(True)
        self.steps.setCurrentRow(index)
        self.steps.blockSignals(False)
        self.heading.setText(page.title())
        self.back.setEnabled(index > 0)
        self.next.setEnabled(index < len(self.pages) - 1)
        page.entered()

    def _on_steps_current_row_changed(self, row: int) -> None:
        if row >= 0 and row != self.current:
            self._go(row)

    def _on_next_clicked(self) -> None:
        page = self.pages[self.current]
        page.save(self.ctx.draft)
        mine = [p for p in self.ctx.draft.problems() if p.page is page.page]
        reason = page.ready()
        lines = [problem_line(p) for p in mine] + ([reason] if reason else [])
        page.show_problems(lines)
        if not lines:
            self._go(self.current + 1)

    def _show_problems(self, problems: list[ConfigProblem]) -> None:
        for page in self.pages:
            page.show_problems([problem_line(p) for p in problems if p.page is page.page])

    # -- finishing --------------------------------------------------------------------

    def _on_finish_clicked(self) -> None:
        self.pages[self.current].save(self.ctx.draft)
        problems = self.ctx.draft.problems()
        if problems:
            self._show_problems(problems)
            self._go(self._index(problems[0].page))
            return
        for page in self.pages:
            reason = page.ready()
            if reason:
                page.show_problems([reason])
                self._go(self._index(page.page))
                return
        self._show_problems([])
        self._busy(True, tr("Saving…"))
        admin, target = self.ctx.admin, self.ctx.target
        settings = self.ctx.draft.settings()
        if self.ctx.first_run and admin is not None:
            self.tasks.run(lambda: self.service.create_first_admin(settings, admin, target),
                           self._on_admin_created, self._on_failed)
        else:
            self._write()

    def _on_admin_created(self, _user_id: int) -> None:
        self.ctx.admin = None  # made: a retry after a failed write must not make it again
        self._write()

    def _write(self) -> None:
        draft = SetupDraft(copy.deepcopy(self.ctx.draft.data), set(self.ctx.draft.touched))
        self.tasks.run(lambda: self.service.write(draft), self._on_written, self._on_failed)

    def _on_written(self, settings: Settings) -> None:
        self._busy(False, tr("Saved to {path}").format(path=self.service.config_path))
        self.result_settings = settings
        self.written.emit(settings)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self._busy(False, "")
        where, lines = Page.PROFILE, [str(exc)]
        if isinstance(exc, ConfigError):
            problems = problems_of(exc)
            self._show_problems(problems)
            self._go(self._index(problems[0].page) if problems else 0)
            return
        if isinstance(exc, SetupFailed):
            lines = [fault_text(exc, self.ctx.target)]
        elif isinstance(exc, FirstAdminExists | UserError):
            where = Page.ADMIN
        elif isinstance(exc, PermissionDenied):
            where = self.pages[self.current].page
        self._go(self._index(where))
        self.page(where).show_problems(lines)

    def _busy(self, busy: bool, message: str) -> None:
        self.message.setText(message)
        self.finish.setEnabled(not busy)
        self.back.setEnabled(not busy and self.current > 0)
        self.next.setEnabled(not busy and self.current < len(self.pages) - 1)

    def done(self, result: int) -> None:
        self.pages[self.current].left()
        if self._own_tasks:
            self.tasks.shutdown()
        super().done(result)


class SetupWizard(SetupWindow):
    """The first run: every page, the first admin included, then Finish."""

    def __init__(self, service: SetupService, problem: ConfigError | None = None, *,
                 open_reader: ReaderOpener = open_reader,
                 find_readers: ReaderFinder = list_readers, tasks: TaskRunner | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(service, first_run=True, problem=problem, open_reader=open_reader,
                         find_readers=find_readers, tasks=tasks, parent=parent)


class SettingsDialog(SetupWindow):
    """Settings in the back office: the same pages for an admin; the service decides.

    Raises:
        PermissionDenied: ``session`` is not an admin's, or the service is a first run's.
    """

    def __init__(self, session: Session, service: SetupService, *,
                 open_reader: ReaderOpener = open_reader,
                 find_readers: ReaderFinder = list_readers, tasks: TaskRunner | None = None,
                 parent: QWidget | None = None) -> None:
        if service.first_run:
            raise PermissionDenied(f"{session.name}: Settings need an admin's session")
        super().__init__(service, first_run=False, open_reader=open_reader,
                         find_readers=find_readers, tasks=tasks, parent=parent)
        self.session = session
