"""The card-type editor: limits, recharge bonus, deposit and fee, and the meal windows.

Amounts are typed in major units and parsed on the string (``parse_amount``, never a
float); an empty amount or zero means "no limit". What can be judged here — an amount
that is not one, a time that is not HH:MM, windows that overlap — is refused in words
before anything is sent; ``CardTypeAdmin`` checks everything again and decides.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from itertools import permutations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from tillcard.domain.cards import BonusTier, CardType, RechargeRule
from tillcard.domain.meals import MAX_WINDOWS, MealWindow
from tillcard.domain.money import AmountError, Currency, format_plain, parse_amount
from tillcard.domain.wallet import DEFAULT_ORDER
from tillcard.services.card_types import CardTypeSetup
from tillcard.ui.office.action_dialog import ActionDialog, InputProblem, Work
from tillcard.ui.tasks import TaskRunner
from tillcard.ui.texts import tr

Save = Callable[[CardTypeSetup, str], object]  # the setup and why


def purse_texts() -> dict[str, str]:
    return {"bonus": tr("Bonus"), "allowance": tr("Allowance"), "cash": tr("Cash")}


def read_percent(text: str, field: str) -> int:
    """Basis points from "12.5" (percent), on the string: 0 to 100 with two decimals."""
    s = text.strip().removesuffix("%").strip() or "0"
    try:
        value = Decimal(s)
    except InvalidOperation:
        value = Decimal("NaN")
    bp = value * 100 if value.is_finite() else Decimal(-1)
    if not 0 <= bp <= 10_000 or bp != bp.to_integral_value():
        raise InputProblem(tr("{field}: type a percentage from 0 to 100, e.g. 12.5").format(
            field=field))
    return int(bp)


def read_limit(text: str, field: str, currency: Currency) -> int | None:
    """An amount in major units; empty or zero: none."""
    if not text.strip():
        return None
    try:
        minor = parse_amount(text, currency)
    except AmountError:
        raise InputProblem(tr("{field}: type an amount such as 20 or 20.50").format(
            field=field)) from None
    return minor or None


def read_time(text: str, field: str) -> int:
    """Minutes after midnight from HH:MM; 24:00 ends a window at midnight."""
    hours, colon, minutes = text.strip().partition(":")
    if (colon and hours.isascii() and hours.isdigit() and minutes.isascii()
            and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        value = int(hours) * 60 + int(minutes)
        if int(minutes) < 60 and value <= 24 * 60:
            return value
    raise InputProblem(tr("{field}: type a time as HH:MM, e.g. 11:30").format(field=field))


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _amount(minor: int | None, currency: Currency) -> str:
    return format_plain(minor, currency) if minor else ""


class WindowRow:
    """One line of the meal-window grid: name, from, until, meals, fixed price."""

    def __init__(self, grid: QGridLayout, row: int) -> None:
        n = row - 1  # windowName1 is the first window
        self.name = QLineEdit()
        self.name.setObjectName(f"windowName{n}")
        self.name.setMaxLength(40)
        self.start, self.end = QLineEdit(), QLineEdit()
        self.start.setObjectName(f"windowStart{n}")
        self.end.setObjectName(f"windowEnd{n}")
        for edit in (self.start, self.end):
            edit.setPlaceholderText("HH:MM")
            edit.setMaximumWidth(80)
        self.count = QSpinBox()
        self.count.setObjectName(f"windowCount{n}")
        self.count.setRange(0, 99)
        self.count.setSpecialValueText(tr("no limit"))
        self.price = QLineEdit()
        self.price.setObjectName(f"windowPrice{n}")
        self.price.setPlaceholderText(tr("keyed"))
        self.price.setMaximumWidth(110)
        for col, w in enumerate((self.name, self.start, self.end, self.count, self.price)):
            grid.addWidget(w, row, col)

    def fill(self, w: MealWindow, currency: Currency) -> None:
        self.name.setText(w.name)
        self.start.setText(hhmm(w.start_min))
        self.end.setText(hhmm(w.end_min))
        self.count.setValue(w.count_limit or 0)
        self.price.setText(_amount(w.fixed_price, currency))

    def read(self, currency: Currency) -> MealWindow | None:
        name = self.name.text().strip()
        if not name:
            if self.start.text().strip() or self.end.text().strip() or self.price.text().strip():
                raise InputProblem(tr("A meal window needs a name"))
            return None
        start = read_time(self.start.text(), tr("{name} from").format(name=name))
        end = read_time(self.end.text(), tr("{name} until").format(name=name))
        if end <= start:
            raise InputProblem(tr("{name}: the window ends before it starts").format(
                name=name))
        price = read_limit(self.price.text(), tr("{name} price").format(name=name), currency)
        return MealWindow(name, start, end, self.count.value() or None, price)


def check_overlap(windows: list[MealWindow]) -> None:
    ordered = sorted(windows, key=lambda w: w.start_min)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start_min < a.end_min:
            raise InputProblem(tr("Meal windows {first} and {second} overlap: one moment "
                                  "can be in one window only").format(first=a.name,
                                                                      second=b.name))


class CardTypeDialog(ActionDialog):
    """Every setting of one card type; ``setup`` None: a new type (its code is typed)."""

    def __init__(self, tasks: TaskRunner, save: Save, currency: Currency,
                 setup: CardTypeSetup | None = None, parent: QWidget | None = None) -> None:
        title = tr("New card type") if setup is None else tr("Edit card type")
        super().__init__(tasks, title, tr("Save"), parent)
        self._save, self._currency, self._setup = save, currency, setup
        self.code = self._edit("typeCode")
        self.code.setReadOnly(setup is not None)
        self.code.setMaximumWidth(200)
        self.name = self._edit("typeName")
        self.reason = self._edit("typeReason")
        self.reason.setPlaceholderText(tr("optional: kept in the audit log"))
        top = QHBoxLayout()  # one line for all three: the editor fits a 768-pixel screen
        top.addWidget(self.code)
        top.addWidget(QLabel(tr("Name")))
        top.addWidget(self.name, 1)
        if setup is not None:  # an edit says why; a new type's "after" says it all
            top.addWidget(QLabel(tr("Reason")))
            top.addWidget(self.reason, 1)
        self.form.addRow(tr("Code"), top)
        self.body.setSpacing(6)
        self._build_limits()
        self._build_money()
        self._build_windows()
        self.setMinimumWidth(900 if setup is not None else 760)
        if setup is not None:
            self._fill(setup)

    @staticmethod
    def _edit(name: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        return edit

    def _spin(self, name: str, top: int, none: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setRange(0, top)
        spin.setSpecialValueText(none)
        return spin

    def _build_limits(self) -> None:
        none = tr("no limit")
        self.discount = self._edit("typeDiscount", "0")
        self.per_sale = self._edit("typePerSale", none)
        self.daily_amount = self._edit("typeDailyAmount", none)
        self.daily_count = self._spin("typeDailyCount", 999, none)
        self.pin_above = self._edit("typePinAbove", tr("no PIN"))
        self.offline = self._edit("typeOffline", none)
        self.validity = self._spin("typeValidity", 36_500, tr("never expires"))
        self.validity.setSuffix(tr(" days"))
        limits = QGroupBox(tr("Sales and limits"))
        form = QFormLayout(limits)
        form.setVerticalSpacing(4)
        form.addRow(tr("Discount %"), self.discount)
        form.addRow(tr("Per-sale limit"), self.per_sale)
        form.addRow(tr("Daily amount limit"), self.daily_amount)
        form.addRow(tr("Sales a day"), self.daily_count)
        form.addRow(tr("PIN above"), self.pin_above)
        form.addRow(tr("Offline limit a day"), self.offline)
        form.addRow(tr("Valid for"), self.validity)
        self._columns = QHBoxLayout()
        self._columns.addWidget(limits)
        self.body.insertLayout(self.body.indexOf(self.message), self._columns)

    def _build_money(self) -> None:
        self.bonus = self._edit("typeBonus", "0")
        self.tiers = self._edit("typeTiers", tr("e.g. 100:10, 200:30"))
        self.tiers.setToolTip(tr("Recharge at least the first amount, get the second as "
                                 "bonus; the best of tiers and percentage applies"))
        self.bonus_days = self._spin("typeBonusDays", 3_650, "")
        self.bonus_days.setMinimum(1)
        self.bonus_days.setValue(30)
        self.bonus_days.setSuffix(tr(" days"))
        self.deposit = self._edit("typeDeposit", "0")
        self.fee = self._edit("typeFee", "0")
        self.reset = QComboBox()
        self.reset.setObjectName("typeAllowanceReset")
        self.reset.addItem(tr("Never"), "never")
        self.reset.addItem(tr("At the end of each period"), "period")
        self.order = QComboBox()
        self.order.setObjectName("typeSpendOrder")
        names = purse_texts()
        for order in permutations(DEFAULT_ORDER):
            self.order.addItem(" → ".join(names[p] for p in order), ",".join(order))
        money = QGroupBox(tr("Recharge, issue and purses"))
        form = QFormLayout(money)
        form.setVerticalSpacing(4)
        form.addRow(tr("Recharge bonus %"), self.bonus)
        form.addRow(tr("Bonus tiers"), self.tiers)
        form.addRow(tr("Bonus expires after"), self.bonus_days)
        form.addRow(tr("Deposit"), self.deposit)
        form.addRow(tr("Card fee"), self.fee)
        form.addRow(tr("Allowance reset"), self.reset)
        form.addRow(tr("Spending order"), self.order)
        self._columns.addWidget(money)

    def _build_windows(self) -> None:
        box = QGroupBox()
        grid = QGridLayout(box)
        grid.setVerticalSpacing(4)
        title = QLabel(tr("Meal windows"))
        title.setStyleSheet("font-weight: bold;")
        self.refuse_outside = QCheckBox(tr("Refuse sales outside these windows"))
        self.refuse_outside.setObjectName("typeRefuseOutside")
        grid.addWidget(title, 0, 0)
        grid.addWidget(self.refuse_outside, 0, 1, 1, 4)
        for col, text in enumerate((tr("Name"), tr("Starts"), tr("Ends"),
                                    tr("Meals per window"), tr("Fixed price"))):
            grid.addWidget(QLabel(text), 1, col)
        grid.setColumnStretch(0, 1)
        self.windows = [WindowRow(grid, row) for row in range(2, MAX_WINDOWS + 2)]
        self.body.insertWidget(self.body.indexOf(self.message), box)

    def _fill(self, setup: CardTypeSetup) -> None:
        ct, cur = setup.card_type, self._currency
        rr = ct.recharge
        self.code.setText(ct.code)
        self.name.setText(ct.name)
        self.discount.setText(_percent(ct.discount_bp))
        self.per_sale.setText(_amount(ct.per_txn_limit, cur))
        self.daily_amount.setText(_amount(ct.daily_amount_limit, cur))
        self.daily_count.setValue(ct.daily_count_limit or 0)
        self.pin_above.setText(_amount(ct.pin_above, cur))
        self.offline.setText(_amount(ct.offline_limit, cur))
        self.validity.setValue(ct.validity_days or 0)
        self.bonus.setText(_percent(rr.bonus_bp))
        self.tiers.setText(", ".join(f"{format_plain(t.min_amount, cur)}:"
                                     f"{format_plain(t.bonus, cur)}" for t in rr.tiers))
        self.bonus_days.setValue(rr.bonus_expiry_days)
        self.deposit.setText(_amount(setup.deposit, cur))
        self.fee.setText(_amount(setup.card_fee, cur))
        self.reset.setCurrentIndex(max(0, self.reset.findData(ct.allowance_reset)))
        self.order.setCurrentIndex(max(0, self.order.findData(",".join(ct.spend_order))))
        self.refuse_outside.setChecked(ct.refuse_outside_windows)
        for row, w in zip(self.windows, ct.meal_windows, strict=False):
            row.fill(w, cur)

    def _tiers(self) -> tuple[BonusTier, ...]:
        tiers = []
        for part in self.tiers.text().replace("，", ",").split(","):
            if not part.strip():
                continue
            least, colon, bonus = part.replace("：", ":").partition(":")
            field = tr("Bonus tiers")
            a = read_limit(least, field, self._currency) if colon else None
            b = read_limit(bonus, field, self._currency) if colon else None
            if a is None or b is None:
                raise InputProblem(tr("Bonus tiers: type recharge:bonus pairs, e.g. "
                                      "100:10, 200:30"))
            tiers.append(BonusTier(a, b))
        return tuple(sorted(tiers, key=lambda t: t.min_amount))

    def read(self) -> CardTypeSetup:
        """What the form says, as a setup; ``InputProblem`` names the first thing wrong."""
        cur = self._currency
        code, name = self.code.text().strip(), self.name.text().strip()
        if not code or not name:
            raise InputProblem(tr("A card type needs a code and a name"))
        windows = [w for row in self.windows if (w := row.read(cur)) is not None]
        check_overlap(windows)
        card_type = CardType(
            code, name, discount_bp=read_percent(self.discount.text(), tr("Discount %")),
            per_txn_limit=read_limit(self.per_sale.text(), tr("Per-sale limit"), cur),
            daily_amount_limit=read_limit(self.daily_amount.text(), tr("Daily amount limit"),
                                          cur),
            daily_count_limit=self.daily_count.value() or None,
            pin_above=read_limit(self.pin_above.text(), tr("PIN above"), cur),
            offline_limit=read_limit(self.offline.text(), tr("Offline limit a day"), cur),
            validity_days=self.validity.value() or None,
            recharge=RechargeRule(read_percent(self.bonus.text(), tr("Recharge bonus %")),
                                  self._tiers(), self.bonus_days.value()),
            meal_windows=tuple(sorted(windows, key=lambda w: w.start_min)),
            refuse_outside_windows=self.refuse_outside.isChecked(),
            spend_order=tuple(str(self.order.currentData()).split(",")),
            allowance_reset=str(self.reset.currentData()))
        return CardTypeSetup(card_type,
                             read_limit(self.deposit.text(), tr("Deposit"), cur) or 0,
                             read_limit(self.fee.text(), tr("Card fee"), cur) or 0)

    def work(self) -> Work | None:
        setup, save, reason = self.read(), self._save, self.reason.text().strip()
        return lambda: save(setup, reason)


def _percent(bp: int) -> str:
    if not bp:
        return ""
    whole, part = divmod(bp, 100)
    return f"{whole}.{part:02d}".rstrip("0").rstrip(".")
