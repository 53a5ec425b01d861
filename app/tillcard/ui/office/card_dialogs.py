"""The dialogs for one card: recharge, freeze/unfreeze/lost, replace, close, PIN, validity.

Each reads its fields, checks them and hands one call of the card office to the worker;
the office decides and the dialog shows its refusal in words (``action_dialog``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
)
from shiboken6 import isValid

from tillcard.domain.money import Currency, format_number
from tillcard.domain.office import OfficeCode, StatusAction
from tillcard.services.auth import Session
from tillcard.services.card_directory import CardFile
from tillcard.services.card_office import CardOffice
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.card_number_dialog import MAX_CARD_NUMBER, normalize_card_number
from tillcard.ui.office.action_dialog import (
    ActionDialog,
    CardTypeTerms,
    InputProblem,
    Work,
    card_heading,
    read_amount,
    required_text,
)
from tillcard.ui.pin_dialog import PinPad
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

MIN_PIN = 4


def line_field(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def new_card_number(text: str) -> str:
    """A card number as typed (full-width digits folded), or what to fix."""
    number = normalize_card_number(text)
    if not number:
        raise InputProblem(tr("Type the new card's number or tap the card"))
    if len(number) > MAX_CARD_NUMBER:
        raise InputProblem(tr("A card number has at most 32 characters"))
    return number


def chip_uid(text: str) -> str | None:
    uid = "".join(text.split()).upper()
    if uid and (len(uid) > 32 or any(c not in "0123456789ABCDEF" for c in uid)):
        raise InputProblem(tr("A chip UID is hexadecimal, up to 32 digits"))
    return uid or None


class CardDialog(ActionDialog):
    """A dialog about the card on the page: the office, the session and the card's file."""

    def __init__(self, tasks: TaskRunner, office: CardOffice, session: Session,
                 file: CardFile, currency: Currency, title: str, ok_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, title, ok_text, parent)
        self._office, self._session, self.file = office, session, file
        self._currency = currency
        self.card_id = file.line.card_id
        self.set_heading(card_heading(file, currency))

    def _m(self, minor: int) -> str:
        return format_number(minor, self._currency)


class RechargeDialog(CardDialog):
    """Cash received → the cash purse; the type's bonus is the office's to decide."""

    def __init__(self, tasks: TaskRunner, office: CardOffice, session: Session,
                 file: CardFile, currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(tasks, office, session, file, currency, tr("Recharge"),
                         tr("Recharge"), parent)
        self.amount = line_field("rechargeAmount", "100.00")
        self.form.addRow(tr("Cash received"), self.amount)
        self.first_field = self.amount
        # one id per amount: a retry after a lost answer applies once, another amount anew
        self._entry_id = uuid.uuid4()
        self.amount.textEdited.connect(self._on_amount_text_edited)

    def _on_amount_text_edited(self, _text: str) -> None:
        self._entry_id = uuid.uuid4()

    def work(self) -> Work:
        amount = read_amount(self.amount.text(), self._currency)
        office, session, card, entry = self._office, self._session, self.card_id, self._entry_id
        return lambda: office.recharge(session, card, amount, entry)


class StatusDialog(CardDialog):
    """Freeze, unfreeze or report lost, always with a reason the cashier will see."""

    def __init__(self, tasks: TaskRunner, office: CardOffice, session: Session,
                 file: CardFile, currency: Currency, action: StatusAction,
                 parent: QWidget | None = None) -> None:
        titles = {StatusAction.FREEZE: (tr("Freeze card"), tr("Freeze")),
                  StatusAction.UNFREEZE: (tr("Unfreeze card"), tr("Unfreeze")),
                  StatusAction.LOST: (tr("Report card lost"), tr("Report lost"))}
        title, ok = titles[action]
        super().__init__(tasks, office, session, file, currency, title, ok, parent)
        self.action = action
        self.reason = line_field("statusReason")
        self.form.addRow(tr("Reason"), self.reason)
        self.first_field = self.reason
        if action is StatusAction.LOST:
            note = QLabel(tr("The card stops at once; replace it to move its balance to a "
                             "new card."))
            self.add_note(note)

    def work(self) -> Work:
        reason = required_text(self.reason.text(), tr("Type the reason"))
        office, session, card = self._office, self._session, self.card_id
        call: Callable[[Session, int, str], object] = {
            StatusAction.FREEZE: office.freeze, StatusAction.UNFREEZE: office.unfreeze,
            StatusAction.LOST: office.report_lost}[self.action]
        return lambda: call(session, card, reason)


class ReplaceDialog(CardDialog):
    """Every purse of a lost card onto a new one: type its number or tap it."""

    def __init__(self, tasks: TaskRunner, office: CardOffice, session: Session,
                 file: CardFile, currency: Currency, reader: ReaderBridge | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, office, session, file, currency, tr("Replace card"),
                         tr("Replace"), parent)
        self.overrides = {OfficeCode.STATUS: tr("Report the card lost before replacing it")}
        line = file.line
        moves = QLabel(tr("Moves to the new card: cash {cash}, bonus {bonus}, allowance "
                          "{allowance}, deposit {deposit}").format(
            cash=self._m(line.cash), bonus=self._m(line.bonus),
            allowance=self._m(line.allowance), deposit=self._m(file.deposit_held)))
        moves.setObjectName("replaceMoves")
        self.number = line_field("replaceNumber", tr("Type or tap the new card"))
        self.uid = line_field("replaceUid", tr("optional"))
        self.reason = line_field("replaceReason")
        self.reason.setText(file.status_reason)
        self.add_note(moves)
        self.form.addRow(tr("New card no."), self.number)
        self.form.addRow(tr("Chip UID"), self.uid)
        self.form.addRow(tr("Reason"), self.reason)
        self.first_field = self.number
        if reader is not None:
            reader.card_presented.connect(self._on_reader_card_presented)

    def _on_reader_card_presented(self, event: object) -> None:
        uid = str(getattr(event, "uid", ""))
        self.uid.setText(uid)
        if not self.number.text().strip():
            self.number.setText(uid)

    def work(self) -> Work:
        number = new_card_number(self.number.text())
        uid = chip_uid(self.uid.text())
        reason = required_text(self.reason.text(), tr("Type the reason"))
        office, session, card = self._office, self._session, self.card_id
        return lambda: office.replace(session, card, number, reason, uid=uid)


class CloseDialog(CardDialog):
    """Pay out cash and deposit; bonus and allowance are forfeited, and it says so."""

    def __init__(self, tasks: TaskRunner, office: CardOffice, session: Session,
                 file: CardFile, currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(tasks, office, session, file, currency, tr("Close card"),
                         tr("Close and pay out"), parent)
        line = file.line
        pay = max(line.cash, 0) + file.deposit_held
        self.payout = QLabel(tr("Pay out {total} in cash: balance {cash} and deposit "
                                "{deposit}").format(total=self._m(pay), cash=self._m(line.cash),
                                                    deposit=self._m(file.deposit_held)))
        self.payout.setObjectName("closePayout")
        self.payout.setStyleSheet("font-weight: bold;")
        forfeit = QLabel(tr("Forfeited: bonus {bonus}, allowance {allowance}").format(
            bonus=self._m(line.bonus), allowance=self._m(line.allowance)))
        forfeit.setObjectName("closeForfeit")
        self.reason = line_field("closeReason", tr("optional"))
        self.form.addRow(tr("Reason"), self.reason)
        self.add_note(self.payout)
        self.add_note(forfeit)
        self.first_field = self.reason

    def work(self) -> Work:
        reason = self.reason.text().strip()
        office, session, card = self._office, self._session, self.card_id
        return lambda: office.close(session, card, reason)


class SetPinDialog(CardDialog):
    """The holder keys a new PIN twice on the pad; only a matching pair is sent."""

    def __init__(self, tasks: TaskRunner, office: CardOffice, session: Session,
                 file: CardFile, currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(tasks, office, session, file, currency, tr("Set PIN"),
                         tr("Set PIN"), parent)
        self.prompt = QLabel(tr("Holder: key the new PIN"))
        self.prompt.setObjectName("pinPrompt")
        self.pad = PinPad(self, min_length=MIN_PIN, max_length=12)
        self.pad.setObjectName("setPinPad")
        self.pad.submitted.connect(self._on_pad_submitted)
        self.form.addRow(self.prompt)
        self.form.addRow(self.pad)
        self.ok_button.hide()  # the pad's own OK sends
        self._first: str | None = None
        self._pin: str | None = None

    def _on_pad_submitted(self, pin: str) -> None:
        if self._first is None:
            self._first = pin
            self.pad.clear()
            self.prompt.setText(tr("Key the same PIN again"))
            self.show_message("", error=False)
            return
        first, self._first = self._first, None
        self.pad.clear()
        if pin != first:
            self.prompt.setText(tr("Holder: key the new PIN"))
            self.show_message(tr("The two PINs differ — key the new PIN again"))
            return
        self._pin = pin
        self.submit()

    def work(self) -> Work | None:
        pin, self._pin = self._pin, None
        if pin is None:
            return None
        office, session, card = self._office, self._session, self.card_id
        return lambda: office.set_pin(session, card, pin)


class ValidityDialog(CardDialog):
    """The last valid day of this card, or of every card of a type (a year's graduates)."""

    def __init__(self, tasks: TaskRunner, office: CardOffice, session: Session,
                 file: CardFile, currency: Currency,
                 card_types: Callable[[], list[CardTypeTerms]],
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, office, session, file, currency, tr("Validity"),
                         tr("Set validity"), parent)
        self.until = QDateEdit()
        self.until.setObjectName("validityDate")
        self.until.setDisplayFormat("yyyy-MM-dd")
        self.until.setCalendarPopup(True)
        current = file.line.valid_until or date.today()
        self.until.setDate(QDate(current.year, current.month, current.day))
        self.no_end = QCheckBox(tr("No end date"))
        self.no_end.setObjectName("validityNoEnd")
        self.no_end.toggled.connect(self.until.setDisabled)
        self.this_card = QRadioButton(tr("This card"))
        self.this_card.setObjectName("validityThisCard")
        self.this_card.setChecked(True)
        self.every_card = QRadioButton(tr("Every card of the type"))
        self.every_card.setObjectName("validityEveryCard")
        self._scope = QButtonGroup(self)
        self._scope.addButton(self.this_card)
        self._scope.addButton(self.every_card)
        self.types = QComboBox()
        self.types.setObjectName("validityType")
        self.reason = line_field("validityReason", tr("optional"))
        self.form.addRow(tr("Valid until"), self.until)
        self.form.addRow("", self.no_end)
        self.form.addRow(tr("Apply to"), self.this_card)
        self.form.addRow("", self.every_card)
        self.form.addRow(tr("Card type"), self.types)
        self.form.addRow(tr("Reason"), self.reason)
        self.first_field = self.until
        tasks.run(card_types, self._on_types_read, self._on_task_failed)

    def _on_types_read(self, terms: list[CardTypeTerms]) -> None:
        if not isValid(self):
            return
        for t in terms:
            self.types.addItem(t.name, t.code)
        here = self.types.findText(self.file.line.card_type)
        if here >= 0:
            self.types.setCurrentIndex(here)

    def work(self) -> Work:
        d = self.until.date()
        until = None if self.no_end.isChecked() else date(d.year(), d.month(), d.day())
        reason = self.reason.text().strip()
        office, session = self._office, self._session
        if self.this_card.isChecked():
            cards = [self.card_id]
            return lambda: office.set_validity(session, until, card_ids=cards, reason=reason)
        code = self.types.currentData()
        if not code:
            raise InputProblem(tr("Choose a card type"))
        return lambda: office.set_validity(session, until, card_type=str(code), reason=reason)
