"""Card panel and amount/quote panel: render a CardView and a Quote, nothing more."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from tillcard.domain.meals import window_at
from tillcard.domain.money import Currency, format_number
from tillcard.domain.quote import Quote
from tillcard.services.flow import Collect
from tillcard.services.receipts import discount_label
from tillcard.services.views import CardView
from tillcard.ui.fit_label import FitLabel
from tillcard.ui.formats import short_date
from tillcard.ui.texts import status_text, tr
from tillcard.ui.theme import CounterSizes

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _money_label(name: str, size_name: str = "base") -> FitLabel:
    """An amount in the tabular font; its size a role the counter scales (see theme)."""
    lab = FitLabel(size_name)
    lab.setObjectName(name)
    lab.setAlignment(RIGHT)
    lab.setProperty("money", True)
    return lab


def _small_money_label(name: str) -> QLabel:
    lab = QLabel("")
    lab.setObjectName(name)
    lab.setAlignment(RIGHT)
    lab.setProperty("money", True)
    return lab


def apply_sizes(panel: QWidget, sizes: CounterSizes) -> None:
    """Give every scaled label of ``panel`` its size for the window's size."""
    for label in panel.findChildren(FitLabel):
        label.set_pixel_size(sizes.px(label.size_name))


class CardPanel(QFrame):
    """Holder, masked number, type and status, balances and today's spend."""

    def __init__(self, currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cur = currency
        self.setObjectName("cardPanel")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)  # 768 high in large type: every row counts
        self.holder = FitLabel("holder")
        self.holder.setText(tr("Tap a card"))
        self.holder.setObjectName("holder")
        self.type_label = QLabel("")
        self.number = QLabel("")
        self.status = QLabel("")
        self.status.setObjectName("statusBadge")
        self.balance = _money_label("balance", "big")
        self.cash = _money_label("cash")
        self.bonus = _money_label("bonus")
        self.expiry = FitLabel("base")
        self.expiry.setObjectName("expiry")
        self.today = FitLabel("base")
        self.today.setObjectName("today")
        right = Qt.AlignmentFlag.AlignRight
        grid.addWidget(self.holder, 0, 0, 1, 3)
        grid.addWidget(self.type_label, 0, 3, right)
        grid.addWidget(self.number, 1, 0, 1, 3)
        grid.addWidget(self.status, 1, 3, right)
        grid.addWidget(QLabel(tr("balance")), 2, 0)
        grid.addWidget(self.balance, 2, 1, 1, 3)
        grid.addWidget(QLabel(tr("  cash")), 3, 0)
        grid.addWidget(self.cash, 3, 1)
        grid.addWidget(QLabel(tr("  bonus")), 3, 2, right)
        grid.addWidget(self.bonus, 3, 3)
        grid.addWidget(self.expiry, 4, 0, 1, 4)
        grid.addWidget(self.today, 5, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setRowStretch(6, 1)

    def show_view(self, view: CardView | None) -> None:
        if view is None:
            for w in (self.type_label, self.number, self.status, self.balance, self.cash,
                      self.bonus, self.expiry, self.today):
                w.setText("")
            self.holder.setText(tr("Tap a card"))
            return
        c = view.card

        def m(v: int) -> str:
            return format_number(v, self._cur)

        self.holder.setText(c.holder.name)
        ct = c.card_type
        self.type_label.setText(discount_label(view))
        self.number.setText(c.masked_number)
        self.status.setText(status_text(c.status))
        self.status.setProperty("state", c.status.value)
        self.status.style().polish(self.status)
        self.balance.setText(m(view.balance))
        self.cash.setText(m(view.wallet.cash))
        self.bonus.setText(m(view.bonus))
        g = view.nearest_expiry
        purses = []
        if view.wallet.allowance:
            purses.append(tr("allowance {amount}").format(amount=m(view.wallet.allowance)))
        if g:
            purses.append(tr("({amount} expires {date})").format(
                amount=m(g.remaining), date=short_date(g.expires_on)))
        self.expiry.setText("  ·  ".join(purses))
        limit = ct.daily_amount_limit
        today = (tr("today {spent} of {limit} limit").format(
            spent=m(view.spent.amount), limit=m(limit)) if limit else
            tr("today {spent}").format(spent=m(view.spent.amount)))
        meal = meal_window_text(view)
        self.today.setText(f"{today}  ·  {meal}" if meal else today)


class QuotePanel(QWidget):
    """The expression, the total and its maximum, discount, CHARGE, balance before → after.

    In the cash step of a split sale the same lines show what to collect and the change.
    """

    def __init__(self, currency: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cur = currency
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        self.expression = _money_label("expression")
        self.total = _money_label("total", "big")
        self.maximum = _small_money_label("maximum")
        self.pin_note = _small_money_label("pinNote")
        self.discount = _money_label("discount")
        self.charge = _money_label("chargeAmount", "huge")
        self.balance_after = _money_label("balanceAfter", "big")
        self.allocation = _money_label("allocation")
        self.shortfall = _money_label("shortfall")
        amount = QHBoxLayout()  # the sum keyed, then what it comes to
        amount.addWidget(self.expression, 3)
        amount.addWidget(self.total, 2)
        limits = QHBoxLayout()
        limits.addWidget(self.pin_note, 1)
        limits.addWidget(self.maximum)
        box.addLayout(amount)
        box.addLayout(limits)
        for w in (self.discount, self.charge, self.balance_after, self.allocation,
                  self.shortfall):
            box.addWidget(w)
        box.addStretch(1)

    def _m(self, v: int) -> str:
        return format_number(v, self._cur)

    def show_quote(self, expression: str, total: int, quote: Quote | None,
                   discount_name: str) -> None:
        m = self._m
        self.expression.setText(expression)
        self.total.setText(m(total))
        if quote is None or total == 0:
            for w in (self.discount, self.balance_after, self.allocation, self.shortfall):
                w.setText("")
            self.charge.setText(tr("CHARGE  {amount}").format(amount=m(total)) if total
                                else tr("CHARGE"))
            return
        self.discount.setText(tr("discount ({name})  −{amount}").format(
            name=discount_name, amount=m(quote.discount)) if quote.discount else "")
        self.charge.setText(tr("CHARGE  {amount}").format(amount=m(quote.charge)))
        self.balance_after.setText(tr("balance  {before}  →  {after}").format(
            before=m(quote.balance_before), after=m(quote.balance_after)))
        a = quote.allocation
        self.allocation.setText(tr("uses bonus {bonus} · cash {cash}").format(
            bonus=m(a.bonus), cash=m(a.cash)) if a.bonus else "")
        self.shortfall.setText(tr("short {amount} — Cash key (F4) to take it in cash").format(
            amount=m(quote.shortfall)) if quote.shortfall else "")

    def show_collect(self, expression: str, total: int, collect: Collect) -> None:
        """The cash step: COLLECT the cash part in large type, then the change."""
        m = self._m
        self.expression.setText(expression)
        self.total.setText(m(total))
        self.discount.setText("" if collect.without_card else tr(
            "card pays {card}  →  balance {after}").format(
            card=m(collect.card_part), after=m(collect.balance_after)))
        self.charge.setText(tr("COLLECT  {amount}").format(amount=m(collect.cash_part)))
        received, change = collect.received, collect.change
        if received is None:
            self.balance_after.setText(tr("key the cash received"))
            self.allocation.setText(tr("Enter: exact amount, no change"))
        elif change is None:
            self.balance_after.setText(tr("received {amount} — not enough").format(
                amount=m(received)))
            self.allocation.setText("")
        else:
            self.balance_after.setText(tr("CHANGE  {amount}").format(amount=m(change)))
            self.allocation.setText(tr("received {amount}").format(amount=m(received)))
        self.shortfall.setText("")  # the band says what Enter and Esc do

    def show_limits(self, maximum: int, pin_limit: int | None) -> None:
        """The largest amount the keypad takes; a PIN need (not a refusal) when there is one."""
        self.maximum.setText(tr("max {amount}").format(amount=self._m(maximum)))
        self.pin_note.setText(tr("PIN needed above {amount}").format(
            amount=self._m(pin_limit)) if pin_limit is not None else "")

    def flash_amount(self, on: bool) -> None:
        """A refused key: the amount and its maximum light up for a moment."""
        for w in (self.total, self.maximum):
            w.setProperty("flash", on)
            w.style().polish(w)


def meal_window_text(view: CardView) -> str:
    """The meal window the card is in now, and its meals had of the limit; "" without."""
    windows = view.card.card_type.meal_windows
    if not windows or view.minute is None:
        return ""
    w = window_at(windows, view.minute)
    if w is None:
        return tr("outside meal times")
    if not w.count_limit:
        return w.name
    spent = view.spent
    had = spent.meal_count if spent.meal_minute is not None and w.contains(
        spent.meal_minute) else 0
    return tr("{window} {had} of {limit}").format(window=w.name, had=had,
                                                   limit=w.count_limit)
