"""The card office's buttons: on a card's page, and beside the card list.

Thin on purpose: each button opens a dialog that forwards one call to ``CardOffice``; the
office decides, journals and audits. What a button does afterwards is the screen's part:
say what happened, read the card again (page and list line), print the receipt.
Buttons hide what the session's role may not do; the office refuses it either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tillcard.devices.printer.base import ReceiptSink
from tillcard.domain.cards import CardStatus, Holder
from tillcard.domain.journal import Entry
from tillcard.domain.money import Currency, format_number
from tillcard.domain.office import (
    BatchResult,
    CloseResult,
    CorrectionResult,
    IssueResult,
    ReplaceResult,
    StatusAction,
    StatusChange,
)
from tillcard.domain.permissions import Permission
from tillcard.domain.receipt import CardActionReceipt, Receipt, ReceiptContext, RechargeReceipt
from tillcard.services.auth import Session
from tillcard.services.card_directory import CardFile
from tillcard.services.card_import import CardImporter, ImportReport
from tillcard.services.card_office import CardOffice
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.office.action_dialog import ActionDialog, CardTypeTerms, error_text
from tillcard.ui.office.allowance_dialog import AllowanceDialog
from tillcard.ui.office.card_dialogs import (
    CloseDialog,
    RechargeDialog,
    ReplaceDialog,
    SetPinDialog,
    StatusDialog,
    ValidityDialog,
)
from tillcard.ui.office.card_list import CardListView, status_texts
from tillcard.ui.office.card_page import CardPage
from tillcard.ui.office.correction_dialog import CorrectionDialog
from tillcard.ui.office.import_dialog import ImportDialog
from tillcard.ui.office.issue_dialog import IssueDialog
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

__all__ = ["CardActions", "CardTypeTerms", "ListActions", "OfficeDesk", "attach_actions"]

log = logging.getLogger(__name__)

ReadCard = Callable[[int], CardFile | None]


@dataclass(frozen=True)
class OfficeDesk:
    """What the card office's screens need besides the session: built by ``build_office``.

    ``card_types`` lists the types a card is issued with (deposit, fee); ``printer`` takes
    the receipts (none: nothing prints); ``reader`` lets a blank card be tapped;
    ``site`` and ``till`` head the receipts.
    """

    office: CardOffice
    card_types: Callable[[Session], list[CardTypeTerms]]
    printer: ReceiptSink | None = None
    reader: ReaderBridge | None = None
    site: str = ""
    till: str = ""
    importer: CardImporter | None = None  # cards from a file (the card office's store)


class _Recharged(Protocol):
    @property
    def entry(self) -> Entry | None: ...


def masked(number: str) -> str:
    return "•••• " + number[-4:]


def short_holder(name: str) -> str:
    return Holder(0, name).short_name


class _Actions(QWidget):
    """A row of buttons, a message line and the one dialog open at a time."""

    def __init__(self, desk: OfficeDesk, session: Session, tasks: TaskRunner,
                 currency: Currency, read_card: ReadCard, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self._desk, self._session, self._tasks = desk, session, tasks
        self._currency, self._read_card = currency, read_card
        self.buttons: dict[str, QPushButton] = {}
        self.dialog: ActionDialog | None = None
        self.message = QLabel("")
        self.message.setObjectName("actionsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _button(self, key: str, text: str, permission: Permission,
                slot: Callable[[], None]) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(f"action_{key}")
        b.setProperty("permission", permission.value)
        b.setVisible(self._session.can(permission))
        b.clicked.connect(slot)
        self.buttons[key] = b
        return b

    def visible_actions(self) -> list[str]:
        return [k for k, b in self.buttons.items() if not b.isHidden()]

    def _m(self, minor: int) -> str:
        return format_number(minor, self._currency)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c62828; font-weight: bold;" if error
                                   else "color: #2e7d32; font-weight: bold;")

    def _open(self, dialog: ActionDialog, on_done: Callable[[Any], None]) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.succeeded.connect(on_done)
        dialog.finished.connect(self._on_dialog_finished)
        self._say("")
        dialog.open()

    def _on_dialog_finished(self, _code: int) -> None:
        self.dialog = None

    def _ctx(self) -> ReceiptContext:
        return ReceiptContext(self._desk.site, self._desk.till, self._session.name,
                              datetime.now().astimezone())

    def _print_after(self, card_id: int, build: Callable[[CardFile], Receipt]) -> None:
        """Read the card as it is now, then hand its receipt to the printer's queue."""
        printer = self._desk.printer
        if printer is None:
            return
        read = self._read_card

        def on_read(file: CardFile | None) -> None:
            if file is not None:
                printer.submit(build(file))

        def on_failed(exc: BaseException) -> None:
            log.error("receipt for card %s: %s", card_id, exc, exc_info=exc)

        self._tasks.run(lambda: read(card_id), on_read, on_failed)


class CardActions(_Actions):
    """The card page's action bar.

    Signals:
        changed(int): a card changed: the page reads it again (and the list line follows).
        relisted(int): cards changed beyond this one (a replacement, a batch): the list
            searches again and the page opens the card given.
    """

    changed = Signal(int)
    relisted = Signal(int)

    def __init__(self, desk: OfficeDesk, session: Session, tasks: TaskRunner,
                 currency: Currency, page: CardPage, read_card: ReadCard,
                 parent: QWidget | None = None) -> None:
        super().__init__(desk, session, tasks, currency, read_card, parent)
        self._page = page
        self.file: CardFile | None = None
        specs: list[tuple[str, str, Permission, Callable[[], None]]] = [
            ("recharge", tr("Recharge…"), Permission.RECHARGE, self._on_recharge_clicked),
            ("freeze", tr("Freeze…"), Permission.CARD_OFFICE, self._on_freeze_clicked),
            ("unfreeze", tr("Unfreeze…"), Permission.CARD_OFFICE, self._on_unfreeze_clicked),
            ("lost", tr("Report lost…"), Permission.CARD_OFFICE, self._on_lost_clicked),
            ("replace", tr("Replace…"), Permission.CARD_OFFICE, self._on_replace_clicked),
            ("close", tr("Close…"), Permission.CARD_OFFICE, self._on_close_clicked),
            ("set_pin", tr("Set PIN…"), Permission.CARD_OFFICE, self._on_set_pin_clicked),
            ("reset_pin", tr("Reset PIN"), Permission.CARD_OFFICE,
             self._on_reset_pin_clicked),
            ("validity", tr("Validity…"), Permission.CARD_OFFICE, self._on_validity_clicked),
            ("correction", tr("Correction…"), Permission.CORRECTIONS,
             self._on_correction_clicked),
        ]
        # freeze and unfreeze share a place: a card shows one of them
        places = [(0, 0), (0, 1), (0, 1), (0, 2), (0, 3), (0, 4), (1, 0), (1, 1), (1, 2),
                  (1, 3)]
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for (key, text, permission, slot), (r, c) in zip(specs, places, strict=True):
            grid.addWidget(self._button(key, text, permission, slot), r, c)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(grid)
        box.addWidget(self.message)
        page.card_read.connect(self._on_page_card_read)
        self._show_for(None)

    # -- following the page -------------------------------------------------------------

    def _on_page_card_read(self, file: CardFile | None) -> None:
        self._show_for(file)

    def _show_for(self, file: CardFile | None) -> None:
        self.file = file
        frozen = file is not None and file.line.status == CardStatus.FROZEN.value
        for b in self.buttons.values():
            b.setEnabled(file is not None)
        can = self._session.can(Permission.CARD_OFFICE)
        self.buttons["freeze"].setVisible(can and not frozen)
        self.buttons["unfreeze"].setVisible(can and frozen)
        self.buttons["reset_pin"].setEnabled(file is not None and file.has_pin)

    def _card(self) -> CardFile | None:
        return self.file if self.dialog is None else None

    # -- opening the dialogs ------------------------------------------------------------

    def _dialog_args(self, file: CardFile) -> tuple[TaskRunner, CardOffice, Session, CardFile,
                                                    Currency]:
        return self._tasks, self._desk.office, self._session, file, self._currency

    def _on_recharge_clicked(self) -> None:
        if (f := self._card()) is not None:
            self._open(RechargeDialog(*self._dialog_args(f), self), self._on_recharged)

    def _on_freeze_clicked(self) -> None:
        self._status(StatusAction.FREEZE)

    def _on_unfreeze_clicked(self) -> None:
        self._status(StatusAction.UNFREEZE)

    def _on_lost_clicked(self) -> None:
        self._status(StatusAction.LOST)

    def _status(self, action: StatusAction) -> None:
        if (f := self._card()) is not None:
            self._open(StatusDialog(*self._dialog_args(f), action, self), self._on_status_set)

    def _on_replace_clicked(self) -> None:
        if (f := self._card()) is not None:
            self._open(ReplaceDialog(*self._dialog_args(f), self._desk.reader, self),
                       self._on_replaced)

    def _on_close_clicked(self) -> None:
        if (f := self._card()) is not None:
            self._open(CloseDialog(*self._dialog_args(f), self), self._on_closed)

    def _on_set_pin_clicked(self) -> None:
        if (f := self._card()) is not None:
            self._open(SetPinDialog(*self._dialog_args(f), self), self._on_pin_set)

    def _on_reset_pin_clicked(self) -> None:
        f = self._card()
        if f is None:
            return
        office, session, card = self._desk.office, self._session, f.line.card_id
        self.buttons["reset_pin"].setEnabled(False)
        self._tasks.run(lambda: office.reset_pin(session, card),
                        lambda _: self._on_pin_reset(card), self._on_action_failed)

    def _on_validity_clicked(self) -> None:
        if (f := self._card()) is not None:
            desk, session = self._desk, self._session
            self._open(ValidityDialog(*self._dialog_args(f), lambda: desk.card_types(session),
                                      self), self._on_validity_set)

    def _on_correction_clicked(self) -> None:
        if (f := self._card()) is not None:
            self._open(CorrectionDialog(*self._dialog_args(f), self._page.history.lines(),
                                        self._page.selected_line(), self),
                       self._on_corrected)

    # -- after the office answered ------------------------------------------------------

    def _on_recharged(self, out: _Recharged) -> None:
        entry = out.entry
        if entry is None:
            return
        grant = entry.new_grant
        bonus = grant.amount if grant else 0
        self._say(tr("Recharged {amount} · bonus {bonus}").format(
            amount=self._m(entry.cash_delta), bonus=self._m(bonus)))
        self.changed.emit(entry.card_id)
        ctx = self._ctx()
        self._print_after(entry.card_id, lambda f: RechargeReceipt(
            ctx, entry.id, masked(f.line.number), short_holder(f.line.holder),
            amount=entry.cash_delta, bonus=bonus,
            bonus_expires_on=grant.expires_on if grant else None,
            balance_after=f.line.balance))

    def _on_status_set(self, change: StatusChange) -> None:
        names = status_texts()
        self._say(tr("Status changed: {before} → {after}").format(
            before=names[change.before], after=names[change.after]))
        self.changed.emit(change.card_id)

    def _on_replaced(self, r: ReplaceResult) -> None:
        bonus = sum(g.amount for g in r.grants)
        self._say(tr("Replaced: the new card holds cash {cash}, bonus {bonus}, allowance "
                     "{allowance}").format(cash=self._m(r.cash), bonus=self._m(bonus),
                                           allowance=self._m(r.allowance)))
        old = self.file
        self.relisted.emit(r.new_card_id)
        ctx, old_masked = self._ctx(), masked(old.line.number) if old else ""
        self._print_after(r.new_card_id, lambda f: CardActionReceipt(
            ctx, "replace", masked(f.line.number), short_holder(f.line.holder),
            balance_after=f.line.balance, old_card_masked=old_masked))

    def _on_closed(self, r: CloseResult) -> None:
        self._say(tr("Closed: pay out {total} (balance {cash}, deposit {deposit}); "
                     "forfeited bonus {bonus}, allowance {allowance}").format(
            total=self._m(r.paid_out), cash=self._m(r.cash_refunded),
            deposit=self._m(r.deposit_refunded), bonus=self._m(r.bonus_forfeited),
            allowance=self._m(r.allowance_forfeited)))
        self.changed.emit(r.card_id)
        ctx = self._ctx()
        self._print_after(r.card_id, lambda f: CardActionReceipt(
            ctx, "close", masked(f.line.number), short_holder(f.line.holder),
            balance_after=f.line.balance, refund=r.paid_out))

    def _on_pin_set(self, _none: object) -> None:
        if self.file is not None:
            self._say(tr("PIN set"))
            self.changed.emit(self.file.line.card_id)

    def _on_pin_reset(self, card_id: int) -> None:
        self._say(tr("PIN removed: the holder has none until a new one is set"))
        self.changed.emit(card_id)

    def _on_validity_set(self, count: int) -> None:
        self._say(tr("Validity set on 1 card") if count == 1
                  else tr("Validity set on {count} cards").format(count=count))
        if self.file is not None:
            self.relisted.emit(self.file.line.card_id)

    def _on_corrected(self, r: CorrectionResult) -> None:
        self._say(tr("Corrected: cash {cash}, bonus {bonus}, allowance {allowance}").format(
            cash=_signed(self._m, r.cash), bonus=_signed(self._m, r.bonus),
            allowance=_signed(self._m, r.allowance)))
        self.changed.emit(r.card_id)

    def _on_action_failed(self, exc: BaseException) -> None:
        self._say(error_text(exc), error=True)
        self._show_for(self.file)


def _signed(m: Callable[[int], str], minor: int) -> str:
    return ("+" if minor > 0 else "") + m(minor)


class ListActions(_Actions):
    """Issue a card, grant an allowance batch: beside the card list.

    Signals:
        relisted(int): the list searches again and the page opens the card (0: none).
    """

    relisted = Signal(int)

    def __init__(self, desk: OfficeDesk, session: Session, tasks: TaskRunner,
                 currency: Currency, read_card: ReadCard, parent: QWidget | None = None
                 ) -> None:
        super().__init__(desk, session, tasks, currency, read_card, parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._button("issue", tr("Issue card…"), Permission.CARD_OFFICE,
                                   self._on_issue_clicked))
        row.addWidget(self._button("allowance", tr("Allowance batch…"), Permission.ALLOWANCE,
                                   self._on_allowance_clicked))
        if desk.importer is not None:
            row.addWidget(self._button("import", tr("Import cards…"), Permission.CARD_OFFICE,
                                       self._on_import_clicked))
        row.addWidget(self.message, 1)

    def _types(self) -> Callable[[], list[CardTypeTerms]]:
        desk, session = self._desk, self._session
        return lambda: desk.card_types(session)

    def _on_issue_clicked(self) -> None:
        if self.dialog is None:
            self._open(IssueDialog(self._tasks, self._desk.office, self._session,
                                   self._currency, self._types(), self._desk.reader, self),
                       self._on_issued)

    def _on_allowance_clicked(self) -> None:
        if self.dialog is None:
            self._open(AllowanceDialog(self._tasks, self._desk.office, self._session,
                                       self._currency, self._types(), self),
                       self._on_allowance_granted)

    def _on_import_clicked(self) -> None:
        importer, session = self._desk.importer, self._session
        if self.dialog is None and importer is not None:
            self._open(ImportDialog(self._tasks, lambda d: importer.check(session, d),
                                    lambda d: importer.run(session, d), self._currency,
                                    self), self._on_imported)

    def _on_imported(self, report: ImportReport) -> None:
        self._say(tr("Imported {count} cards: opening balances {opening}, bonus {bonus}, "
                     "deposits {deposits}, fees {fees}").format(
            count=report.cards, opening=self._m(report.opening_total),
            bonus=self._m(report.bonus_total), deposits=self._m(report.deposits),
            fees=self._m(report.fees)))
        self.relisted.emit(0)

    def _on_issued(self, r: IssueResult) -> None:
        self._say(tr("Card issued: deposit {deposit}, card fee {fee}, opening recharge "
                     "{opening}, bonus {bonus}").format(
            deposit=self._m(r.deposit), fee=self._m(r.fee), opening=self._m(r.recharged),
            bonus=self._m(r.bonus)))
        self.relisted.emit(r.card_id)
        ctx = self._ctx()
        self._print_after(r.card_id, lambda f: CardActionReceipt(
            ctx, "issue", masked(f.line.number), short_holder(f.line.holder),
            balance_after=f.line.balance))

    def _on_allowance_granted(self, r: BatchResult) -> None:
        if r.replayed:
            self._say(tr("{period} was granted before ({count} cards): nothing applied "
                         "again").format(period=r.period, count=r.cards))
        else:
            self._say(tr("Allowance {period}: {total} to {count} cards").format(
                period=r.period, total=self._m(r.total), count=r.cards))
        self.relisted.emit(0)


def attach_actions(desk: OfficeDesk, session: Session, tasks: TaskRunner, currency: Currency,
                   view: CardListView, page: CardPage, read_card: ReadCard
                   ) -> tuple[CardActions, ListActions]:
    """Put the card office's buttons on the cards tab and wire what follows an action."""
    bar = CardActions(desk, session, tasks, currency, page, read_card)
    page.add_actions(bar)
    listed = ListActions(desk, session, tasks, currency, read_card)
    view.action_row.addWidget(listed)
    page.card_read.connect(lambda f: view.model.update_line(f.line) if f else None)
    bar.changed.connect(page.show_card)

    def relist(card_id: int) -> None:
        view.model.set_query(view.model.query)
        if card_id:
            page.show_card(card_id)
        elif page.file is not None:
            page.show_card(page.file.line.card_id)

    bar.relisted.connect(relist)
    listed.relisted.connect(relist)
    return bar, listed
