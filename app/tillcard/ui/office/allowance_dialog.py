"""An allowance batch (补助): one amount to every active card of a type, for one month.

The office applies a batch once: asked again it answers what it did the first time, and
the dialog says so instead of pretending it granted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QComboBox, QWidget
from shiboken6 import isValid

from tillcard.domain.money import Currency
from tillcard.domain.office import PERIOD
from tillcard.services.auth import Session
from tillcard.services.card_office import CardOffice
from tillcard.ui.office.action_dialog import (
    ActionDialog,
    CardTypeTerms,
    InputProblem,
    Work,
    read_amount,
)
from tillcard.ui.office.card_dialogs import line_field
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr


class AllowanceDialog(ActionDialog):
    """Card type, amount per card and period (YYYY-MM, this month to start with)."""

    def __init__(self, tasks: TaskRunner, office: CardOffice, session: Session,
                 currency: Currency, card_types: Callable[[], list[CardTypeTerms]],
                 parent: QWidget | None = None) -> None:
        super().__init__(tasks, tr("Allowance batch"), tr("Grant"), parent)
        self._office, self._session, self._currency = office, session, currency
        self.set_heading(tr("Every active card of the type receives the amount once for "
                            "the period."))
        self.types = QComboBox()
        self.types.setObjectName("allowanceType")
        self.amount = line_field("allowanceAmount", "300.00")
        self.period = line_field("allowancePeriod", "YYYY-MM")
        self.period.setValidator(QRegularExpressionValidator(
            QRegularExpression(r"\d{0,4}(-\d{0,2})?"), self.period))
        self.period.setText(date.today().strftime("%Y-%m"))
        self.form.addRow(tr("Card type"), self.types)
        self.form.addRow(tr("Amount per card"), self.amount)
        self.form.addRow(tr("Period"), self.period)
        self.first_field = self.amount
        self.ok_button.setEnabled(False)  # until the types are read
        tasks.run(card_types, self._on_types_read, self._on_task_failed)

    def _on_types_read(self, terms: list[CardTypeTerms]) -> None:
        if not isValid(self):
            return
        for t in terms:
            self.types.addItem(t.name, t.code)
        self.ok_button.setEnabled(bool(terms))

    def work(self) -> Work:
        code = self.types.currentData()
        if not code:
            raise InputProblem(tr("Choose a card type"))
        amount = read_amount(self.amount.text(), self._currency)
        period = self.period.text().strip()
        if not PERIOD.match(period):
            raise InputProblem(tr("A period is a month: YYYY-MM"))
        office, session, card_type = self._office, self._session, str(code)
        return lambda: office.grant_allowance(session, card_type, period, amount)
