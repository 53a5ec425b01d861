"""A correction, confirmed twice: reverse a wrong recharge or add back a wrong charge.

First the entry and the reason; then a second step that shows the amounts the correction
moves and asks once more. Only that second confirmation is sent, with ``confirmed=True``;
the office still refuses a correction without it, and anyone but an admin.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QWidget

from tillcard.domain.money import Currency
from tillcard.services.auth import Session
from tillcard.services.card_directory import CardFile, HistoryLine
from tillcard.services.card_office import CardOffice
from tillcard.ui.office.action_dialog import InputProblem, Work, required_text
from tillcard.ui.office.card_dialogs import CardDialog, line_field
from tillcard.ui.office.card_page import kind_texts
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

CORRECTABLE = ("recharge", "sale")


def _when(line: HistoryLine) -> str:
    return line.at.astimezone().strftime("%Y-%m-%d %H:%M")


class CorrectionDialog(CardDialog):
    """Step 1: which entry and why; step 2: the amounts, and the second confirmation."""

    def __init__(self, tasks: TaskRunner, office: CardOffice, session: Session,
                 file: CardFile, currency: Currency, lines: list[HistoryLine],
                 chosen: HistoryLine | None = None, parent: QWidget | None = None) -> None:
        super().__init__(tasks, office, session, file, currency, tr("Correction"),
                         tr("Continue…"), parent)
        self._lines = [h for h in lines if h.kind in CORRECTABLE]
        self.entries = QComboBox()
        self.entries.setObjectName("correctionEntry")
        for h in self._lines:
            self.entries.addItem(f"{_when(h)} · {kind_texts().get(h.kind, h.kind)} · "
                                 f"{self._m(h.list_amount or abs(h.change))}")
        if chosen is not None and chosen in self._lines:
            self.entries.setCurrentIndex(self._lines.index(chosen))
        self.reason = line_field("correctionReason")
        self.summary = QLabel("")
        self.summary.setObjectName("correctionSummary")
        self.summary.setStyleSheet("font-weight: bold;")
        self.summary.hide()
        self.back_button = QPushButton(tr("Back"))
        self.back_button.setObjectName("correctionBack")
        self.back_button.hide()
        self.back_button.clicked.connect(self._on_back_button_clicked)
        self.buttons.addButton(self.back_button, self.buttons.ButtonRole.ResetRole)
        self.form.addRow(tr("Entry"), self.entries)
        self.form.addRow(tr("Reason"), self.reason)
        self.add_note(self.summary)
        self.first_field = self.reason
        self.confirming = False
        if not self._lines:
            self.show_message(tr("No recharge or sale of this card is shown to correct"))
            self.ok_button.setEnabled(False)

    def _chosen(self) -> HistoryLine:
        i = self.entries.currentIndex()
        if not 0 <= i < len(self._lines):
            raise InputProblem(tr("Choose the entry to correct"))
        return self._lines[i]

    def _amounts_text(self, h: HistoryLine) -> str:
        m = self._m
        if h.kind == "recharge":
            return tr("Take back {cash} in cash and what is left of its bonus {bonus} from "
                      "the card.").format(cash=m(h.cash_delta), bonus=m(h.bonus_delta))
        return tr("Give back {total} to the card: cash {cash}, bonus {bonus}, allowance "
                  "{allowance}.").format(total=m(-h.change), cash=m(-h.cash_delta),
                                         bonus=m(-h.bonus_delta),
                                         allowance=m(-h.allowance_delta))

    def _step(self, confirming: bool) -> None:
        self.confirming = confirming
        self.entries.setEnabled(not confirming)
        self.reason.setEnabled(not confirming)
        self.summary.setVisible(confirming)
        self.back_button.setVisible(confirming)
        self.ok_button.setText(tr("Confirm correction") if confirming else tr("Continue…"))
        self.refit()

    def _on_back_button_clicked(self) -> None:
        if not self.busy:
            self._step(False)
            self.show_message("", error=False)

    def work(self) -> Work | None:
        h = self._chosen()
        reason = required_text(self.reason.text(), tr("Type the reason"))
        if not self.confirming:
            self.summary.setText(self._amounts_text(h) + "\n" + tr("Reason: {reason}").format(
                reason=reason) + "\n" + tr("Confirm once more to correct."))
            self._step(True)
            self.show_message("", error=False)
            return None
        office, session, entry = self._office, self._session, h.entry_id
        if h.kind == "recharge":
            return lambda: office.reverse_recharge(session, entry, reason, confirmed=True)
        return lambda: office.add_back_charge(session, entry, reason, confirmed=True)
