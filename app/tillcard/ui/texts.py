"""Translatable on-screen texts for domain codes (refusals, card statuses)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from tillcard.domain.cards import CardStatus
from tillcard.domain.money import Currency, format_number
from tillcard.domain.rules import Refusal, RefusalCode


def tr(text: str) -> str:
    return QCoreApplication.translate("tillcard", text)


def _refusal_templates() -> dict[RefusalCode, str]:
    return {
        RefusalCode.UNKNOWN_CARD: tr("Unknown card"),
        RefusalCode.FROZEN: tr("Card is frozen"),
        RefusalCode.LOST: tr("Card is reported lost"),
        RefusalCode.BLOCKED: tr("Card is blocked until recharged"),
        RefusalCode.CLOSED: tr("Card is closed"),
        RefusalCode.EXPIRED: tr("Card has expired"),
        RefusalCode.INSUFFICIENT: tr("Insufficient balance — short {shortfall}"),
        RefusalCode.OVER_TXN_LIMIT: tr("Over the per-sale limit of {limit}"),
        RefusalCode.OVER_DAILY_AMOUNT: tr("Over today's limit: {left} left of {limit}"),
        RefusalCode.OVER_DAILY_COUNT: tr("Daily limit of {limit_count} sales reached"),
        RefusalCode.PIN_REQUIRED: tr("PIN required above {limit}"),
        RefusalCode.OUTSIDE_MEAL_WINDOW: tr("This card buys only at meal times"),
        RefusalCode.WRONG_PIN: tr("Wrong PIN — {tries_left} tries left"),
        RefusalCode.PIN_LOCKED: tr("PIN locked after too many wrong tries"),
        RefusalCode.NOTHING_TO_CHARGE: tr("Enter an amount to charge"),
        RefusalCode.OFFLINE_UNKNOWN_CARD: tr("Offline: this card is not known at this till"),
        RefusalCode.OFFLINE_LIMIT: tr("Offline limit reached: {left} left of {limit}"),
        RefusalCode.OFFLINE_TILL_CAP: tr("Offline cap of this till reached: {left} left of "
                                         "{limit}"),
        RefusalCode.LINK_DOWN: tr("No answer from the centre — not charged"),
        RefusalCode.TILL_HALTED: tr("This till may not sell now — see the status line"),
        RefusalCode.LOCAL_DISK: tr("Not charged: this till cannot write to its disk"),
        RefusalCode.LOCAL_DISK_CHARGED: tr("The centre charged the card but this till cannot "
                                           "write to its disk: the charge is reversed once "
                                           "it can"),
    }


def refusal_text(refusal: Refusal, currency: Currency) -> str:
    values = {k: str(v) if k in ("limit_count", "tries_left") else format_number(v, currency)
              for k, v in refusal.numbers.items()}
    return _refusal_templates()[refusal.code].format(**values)


def status_text(status: CardStatus) -> str:
    return {
        CardStatus.ACTIVE: tr("ACTIVE"), CardStatus.FROZEN: tr("FROZEN"),
        CardStatus.LOST: tr("LOST"), CardStatus.BLOCKED: tr("BLOCKED"),
        CardStatus.CLOSED: tr("CLOSED"), CardStatus.EXPIRED: tr("EXPIRED"),
    }[status]
