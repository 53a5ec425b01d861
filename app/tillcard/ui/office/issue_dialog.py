"""Issuing a card: its number (typed, or a blank card tapped), the holder, the type's terms.

The dialog shows what the holder pays in cash before anything is sent — the type's deposit
and card fee and any opening recharge — and the card office decides the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QLabel, QWidget
from shiboken6 import isValid

from tillcard.domain.money import Currency, format_number
from tillcard.domain.office import IssueRequest
from tillcard.services.auth import Session
from tillcard.services.card_office import CardOffice
from tillcard.ui.bridges import ReaderBridge
from tillcard.ui.office.action_dialog import (
    ActionDialog,
    CardTypeTerms,
    InputProblem,
    Work,
    read_amount,
    required_text,
)
from tillcard.ui.office.card_dialogs import chip_uid, line_field, new_card_number
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr


class IssueDialog(ActionDialog):
    """A new card for a holder."""

    def __init__(self, tasks: TaskRunner, office: CardOffice, session: Session,
                 currency: Currency, card_types: Callable[[], list[CardTypeTerms]],
                 reader: ReaderBridge | None = None, parent: QWidget | None = None) -> None:
        super().__init__(tasks, tr("Issue card"), tr("Issue card"), parent)
        self._office, self._session, self._currency = office, session, currency
        self._terms: list[CardTypeTerms] = []
        self.number = line_field("issueNumber", tr("Type or tap the blank card"))
        self.uid = line_field("issueUid", tr("optional"))
        self.holder = line_field("issueHolder")
        self.member_no = line_field("issueMember", tr("optional"))
        self.phone = line_field("issuePhone", tr("optional"))
        self.types = QComboBox()
        self.types.setObjectName("issueType")
        self.opening = line_field("issueOpening", tr("optional"))
        self.terms = QLabel("")
        self.terms.setObjectName("issueTerms")
        self.terms.setStyleSheet("font-weight: bold;")
        self.form.addRow(tr("Card no."), self.number)
        self.form.addRow(tr("Chip UID"), self.uid)
        self.form.addRow(tr("Holder"), self.holder)
        self.form.addRow(tr("Member no."), self.member_no)
        self.form.addRow(tr("Phone"), self.phone)
        self.form.addRow(tr("Card type"), self.types)
        self.form.addRow(tr("Opening recharge"), self.opening)
        self.add_note(self.terms)
        self.first_field = self.number
        self.types.currentIndexChanged.connect(self._on_types_current_index_changed)
        self.opening.textChanged.connect(self._on_opening_text_changed)
        if reader is not None:
            reader.card_presented.connect(self._on_reader_card_presented)
        self.ok_button.setEnabled(False)  # until the types are read
        tasks.run(card_types, self._on_types_read, self._on_task_failed)

    def _on_types_read(self, terms: list[CardTypeTerms]) -> None:
        if not isValid(self):
            return
        self._terms = list(terms)
        for t in terms:
            self.types.addItem(t.name, t.code)
        self.ok_button.setEnabled(bool(terms))
        self._show_terms()

    def _on_types_current_index_changed(self, _index: int) -> None:
        self._show_terms()

    def _on_opening_text_changed(self, _text: str) -> None:
        self._show_terms()

    def _on_reader_card_presented(self, event: object) -> None:
        uid = str(getattr(event, "uid", ""))
        self.uid.setText(uid)
        if not self.number.text().strip():
            self.number.setText(uid)

    def _chosen(self) -> CardTypeTerms | None:
        i = self.types.currentIndex()
        return self._terms[i] if 0 <= i < len(self._terms) else None

    def _show_terms(self) -> None:
        t = self._chosen()
        if t is None:
            self.terms.setText("")
            return
        try:
            opening = read_amount(self.opening.text(), self._currency, required=False)
        except InputProblem:
            opening = 0
        m = self._m
        self.terms.setText(tr("Deposit {deposit} · card fee {fee} · opening recharge "
                              "{opening} — take {total} in cash").format(
            deposit=m(t.deposit), fee=m(t.fee), opening=m(opening),
            total=m(t.deposit + t.fee + opening)))
        if self.isVisible():
            self.refit()

    def _m(self, minor: int) -> str:
        return format_number(minor, self._currency)

    def work(self) -> Work:
        number = new_card_number(self.number.text())
        uid = chip_uid(self.uid.text())
        holder = required_text(self.holder.text(), tr("Type the holder's name"))
        t = self._chosen()
        if t is None:
            raise InputProblem(tr("Choose a card type"))
        opening = read_amount(self.opening.text(), self._currency, required=False)
        req = IssueRequest(number, holder, t.code, uid=uid,
                           member_no=self.member_no.text().strip(),
                           phone=self.phone.text().strip(), opening_recharge=opening)
        office, session = self._office, self._session
        return lambda: office.issue(session, req)
