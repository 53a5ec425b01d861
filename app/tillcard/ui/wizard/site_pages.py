"""The till and the site: number and booth, clock, meal times, currency, language."""

from __future__ import annotations

import zoneinfo

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from tillcard.services.setup import Page, SetupDraft
from tillcard.ui.texts import tr
from tillcard.ui.wizard.base import SetupContext, SetupPage

CURRENCIES = ("CNY", "HKD", "TWD", "SGD", "USD", "EUR", "GBP", "JPY")
LOCALES = ("zh_CN", "zh_HK", "zh_TW", "en_US", "en_GB", "de_DE", "fr_FR")


class TillPage(SetupPage):
    """This till's number (unique per site), its name and its booth."""

    page = Page.TILL

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        f = self.form()
        self.number = QSpinBox()
        self.number.setRange(1, 9999)
        self.name, self.site = QLineEdit(), QLineEdit()
        for name, w in (("tillId", self.number), ("tillName", self.name),
                        ("tillSite", self.site)):
            w.setObjectName(name)
        f.addRow(tr("Till number"), self.number)
        f.addRow(tr("Till name"), self.name)
        f.addRow(tr("Booth"), self.site)
        self.note(tr("Each till of a site has its own number; the name and the booth are "
                     "printed on receipts and group the reports."))

    def title(self) -> str:
        return tr("Till")

    def load(self, draft: SetupDraft) -> None:
        self.number.setValue(int(draft.get("till.id")))
        self.name.setText(str(draft.get("till.name")))
        self.site.setText(str(draft.get("till.site")))

    def save(self, draft: SetupDraft) -> None:
        draft.set("till.id", self.number.value())
        draft.set("till.name", self.name.text().strip())
        draft.set("till.site", self.site.text().strip())


class ClockPage(SetupPage):
    """The site's time zone and when its business day starts."""

    page = Page.CLOCK

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        f = self.form()
        self.zone = QComboBox()
        self.zone.setObjectName("timeZone")
        self.zone.setEditable(True)
        self.zone.addItem("")
        self.zone.addItems(sorted(zoneinfo.available_timezones()))
        self.cutoff = QTimeEdit()
        self.cutoff.setObjectName("dayCutoff")
        self.cutoff.setDisplayFormat("HH:mm")
        f.addRow(tr("Time zone"), self.zone)
        f.addRow(tr("Business day starts at"), self.cutoff)
        self.note(tr("Empty time zone: this computer's. Sales before the start of the "
                     "business day count on the day before (a night shift stays one day)."))
        self.central = self.note(tr("A central site keeps one clock for all its tills, set "
                                    "at the centre (tillcard db site); these values are "
                                    "used by a standalone till."))

    def title(self) -> str:
        return tr("Clock")

    def load(self, draft: SetupDraft) -> None:
        self.zone.setCurrentText(str(draft.get("site.time_zone")))
        hours, _, minutes = str(draft.get("site.day_cutoff")).partition(":")
        self.cutoff.setTime(QTime(int(hours or 0), int(minutes or 0)))
        self.central.setVisible(draft.get("profile") == "central")

    def save(self, draft: SetupDraft) -> None:
        draft.set("site.time_zone", self.zone.currentText().strip())
        draft.set("site.day_cutoff", self.cutoff.time().toString("HH:mm"))


class MealsPage(SetupPage):
    """How the counter takes a sale; the meal windows themselves live with card types."""

    page = Page.MEALS

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.note(tr("Meal windows (breakfast, lunch, dinner: their times, how many per "
                     "day and an optional fixed price) belong to each card type, so they "
                     "are set in the back office: Card types → Meal windows. Here: how "
                     "this till charges."))
        f = self.form()
        self.fixed = QLineEdit()
        self.fixed.setObjectName("fixedPrice")
        self.fixed.setPlaceholderText(tr("empty: the cashier keys each amount"))
        self.meal_prices = QCheckBox(tr("Charge a card type's meal price on a tap in its "
                                        "meal window"))
        self.meal_prices.setObjectName("mealPrices")
        f.addRow(tr("Set price per tap"), self.fixed)
        f.addRow(self.meal_prices)

    def title(self) -> str:
        return tr("Meal times")

    def load(self, draft: SetupDraft) -> None:
        self.fixed.setText(str(draft.get("counter.fixed_price")))
        self.meal_prices.setChecked(bool(draft.get("counter.meal_prices")))

    def save(self, draft: SetupDraft) -> None:
        draft.set("counter.fixed_price", self.fixed.text().strip())
        draft.set("counter.meal_prices", self.meal_prices.isChecked())


class CurrencyPage(SetupPage):
    """The currency amounts are counted in, and how they are written."""

    page = Page.CURRENCY

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        f = self.form()
        self.code, self.amounts_locale = QComboBox(), QComboBox()
        for name, box, items in (("currencyCode", self.code, CURRENCIES),
                                 ("currencyLocale", self.amounts_locale, LOCALES)):
            box.setObjectName(name)
            box.setEditable(True)
            box.addItems(list(items))
        f.addRow(tr("Currency (ISO code)"), self.code)
        f.addRow(tr("Write amounts as in"), self.amounts_locale)
        self.note(tr("The drawer is counted in this currency's notes and coins. Change it "
                     "only before the first sale."))

    def title(self) -> str:
        return tr("Currency")

    def load(self, draft: SetupDraft) -> None:
        self.code.setCurrentText(str(draft.get("currency.code")))
        self.amounts_locale.setCurrentText(str(draft.get("currency.locale")))

    def save(self, draft: SetupDraft) -> None:
        draft.set("currency.code", self.code.currentText().strip().upper())
        draft.set("currency.locale", self.amounts_locale.currentText().strip())


class LanguagePage(SetupPage):
    """One language for the screen and the receipts."""

    page = Page.LANGUAGE

    def __init__(self, ctx: SetupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.english = QRadioButton("English")
        self.chinese = QRadioButton("中文（简体）")
        self.english.setObjectName("languageEn")
        self.chinese.setObjectName("languageZh")
        group = QButtonGroup(self)
        for b in (self.english, self.chinese):
            group.addButton(b)
            self.body.addWidget(b)
        self.large = QCheckBox(tr("Larger small print on the counter"))
        self.large.setObjectName("largeType")
        self.body.addWidget(self.large)
        self.note(tr("The screen and the receipts speak this language. It takes effect "
                     "when the till starts."))

    def title(self) -> str:
        return tr("Language")

    def load(self, draft: SetupDraft) -> None:
        chinese = draft.get("ui.language") == "zh_CN"
        self.chinese.setChecked(chinese)
        self.english.setChecked(not chinese)
        self.large.setChecked(bool(draft.get("ui.large_type")))

    def save(self, draft: SetupDraft) -> None:
        draft.set("ui.language", "zh_CN" if self.chinese.isChecked() else "en")
        draft.set("ui.large_type", self.large.isChecked())
