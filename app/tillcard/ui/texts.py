"""Translatable on-screen texts: refusals, card statuses, notices, outcomes of a sale."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from tillcard.devices.printer.base import PrinterStatus
from tillcard.devices.readers.base import ReaderCode, ReaderState
from tillcard.domain.cards import CardStatus
from tillcard.domain.money import Currency, format_number
from tillcard.domain.permissions import Role
from tillcard.domain.rules import Refusal, RefusalCode
from tillcard.services.flow import Notice, NoticeKind, TopUp, VoidBack
from tillcard.services.views import ChargeResult, LastSale


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
        RefusalCode.OVER_MEAL_COUNT: tr("Already had {window} today ({limit_count} per day)"),
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
        RefusalCode.NO_SHIFT: tr("No shift is open at this till — open one (F11) to sell"),
        RefusalCode.VOID_NEEDS_APPROVAL: tr("Voiding an earlier sale needs a manager"),
        RefusalCode.NOTHING_TO_VOID: tr("Nothing to void in this shift"),
        RefusalCode.ALREADY_VOIDED: tr("This sale is already voided"),
        RefusalCode.RECHARGE_AT_OFFICE: tr("Recharges are done at the card office"),
        RefusalCode.RECHARGE_NEEDS_APPROVAL: tr("A recharge at the till needs a manager"),
    }


_REASONED = frozenset({RefusalCode.FROZEN, RefusalCode.LOST, RefusalCode.BLOCKED,
                       RefusalCode.CLOSED})


def refusal_text(refusal: Refusal, currency: Currency, number: str | None = None,
                 reason: str = "") -> str:
    """The refusal in words; ``number``: what the reader or the cashier gave, if unknown.

    ``reason``: why the card office froze (or closed) the card, said after the refusal so
    that the cashier can tell the holder more than "frozen".
    """
    if reason.strip() and refusal.code in _REASONED:
        return tr("{refusal} — {reason}").format(
            refusal=refusal_text(refusal, currency, number), reason=reason.strip())
    if number and refusal.code is RefusalCode.UNKNOWN_CARD:
        return tr("Unknown card {number}").format(number=number)
    if number and refusal.code is RefusalCode.OFFLINE_UNKNOWN_CARD:
        return tr("Offline: card {number} is not known at this till").format(number=number)
    values = {k: str(v) if k in ("limit_count", "tries_left") else format_number(v, currency)
              for k, v in refusal.numbers.items()}
    return _refusal_templates()[refusal.code].format(window=refusal.window, **values)


def notice_text(notice: Notice, currency: Currency) -> str:
    amount = format_number(notice.amount, currency)
    return {
        NoticeKind.AMOUNT_CLEARED: tr("Amount {amount} keyed for the last card cleared — "
                                      "key this sale's amount"),
        NoticeKind.REPRINTING: tr("Reprinting last receipt"),
        NoticeKind.NOTHING_TO_REPRINT: tr("Nothing to reprint"),
        NoticeKind.RECEIVED_SHORT: tr("Cash received is less than {amount} — key what was "
                                      "given, or nothing for the exact amount"),
        NoticeKind.NOTHING_TO_VOID: tr("Nothing to void in this shift"),
        NoticeKind.VOID_NOT_APPROVED: tr("Not voided — a later void needs a manager's PIN"),
        NoticeKind.ALREADY_VOIDED: tr("This sale is already voided"),
        NoticeKind.REPEAT_TAP: tr("This card paid {amount} a moment ago — not charged again; "
                                  "Enter sells another, Esc cancels"),
        NoticeKind.SET_PRICE: tr("The price is set: {amount} — a tap charges it, nothing is "
                                 "keyed"),
    }[notice.kind].format(amount=amount)


def status_text(status: CardStatus) -> str:
    return {
        CardStatus.ACTIVE: tr("ACTIVE"), CardStatus.FROZEN: tr("FROZEN"),
        CardStatus.LOST: tr("LOST"), CardStatus.BLOCKED: tr("BLOCKED"),
        CardStatus.CLOSED: tr("CLOSED"), CardStatus.EXPIRED: tr("EXPIRED"),
    }[status]


def paid_text(paid: ChargeResult, received: int | None, currency: Currency) -> str:
    """The Paid band: card part and new balance; for a split sale the cash and the change."""
    assert paid.quote is not None
    q = paid.quote

    def m(v: int) -> str:
        return format_number(v, currency)

    text = tr("Paid {charge} — new balance {balance}").format(
        charge=m(q.card_part), balance=m(q.balance_after))
    if q.shortfall:
        text += "  " + tr("· cash {amount}").format(amount=m(q.shortfall))
        if received is not None and received >= q.shortfall:
            text += "  " + tr("· change {amount}").format(amount=m(received - q.shortfall))
        elif received is not None:  # the card paid less than quoted: more cash is due
            text += "  " + tr("— collect {amount} more").format(
                amount=m(q.shortfall - received))
    if paid.offline:
        text += "  " + tr("· recorded offline")
    return text


def cash_sale_paid_text(amount: int, received: int | None, currency: Currency) -> str:
    """The Paid band of a sale without a card: the amount, then the change to hand over."""
    text = tr("Cash sale {amount} paid").format(amount=format_number(amount, currency))
    if received is not None and received > amount:
        text += "  " + tr("· change {amount}").format(
            amount=format_number(received - amount, currency))
    return text


def set_price_text(price: int, window: str, currency: Currency) -> str:
    """The waiting band of a fixed-price till: what a tap charges (and in which window)."""
    amount = format_number(price, currency)
    if window:
        return tr("Tap a card to pay {amount} ({window})").format(amount=amount,
                                                                  window=window)
    return tr("Tap a card to pay {amount}").format(amount=amount)


def voided_text(back: VoidBack, currency: Currency) -> str:
    """After a void: the cash to hand back first, then what went back on the card."""
    on_card = tr("{amount} back on the card").format(amount=format_number(back.to_card,
                                                                          currency))
    if back.cash:
        return tr("HAND BACK {cash} in cash — sale voided, {on_card}").format(
            cash=format_number(back.cash, currency), on_card=on_card)
    return tr("Sale voided — {on_card}").format(on_card=on_card)


def recharged_text(top: TopUp, currency: Currency) -> str:
    """After a recharge at the counter: the amount, the bonus, the new balance, the change."""
    def m(v: int) -> str:
        return format_number(v, currency)

    text = tr("Recharged {amount} — new balance {balance}").format(
        amount=m(top.amount), balance=m(top.balance_after))
    if top.bonus:
        text += "  " + tr("· bonus {amount}").format(amount=m(top.bonus))
    if top.change:
        text += "  " + tr("· change {amount}").format(amount=m(top.change))
    return text


def void_armed_text(last: LastSale, currency: Currency) -> str:
    text = tr("Press F9 again to void the last sale ({amount})").format(
        amount=format_number(last.charge, currency))
    if last.cash:
        text += "  " + tr("— then hand back {cash} in cash").format(
            cash=format_number(last.cash, currency))
    return text


def role_text(role: Role) -> str:
    return {Role.CASHIER: tr("cashier"), Role.MANAGER: tr("manager"),
            Role.ADMIN: tr("admin")}[role]


def reader_state_text(state: ReaderState) -> str:
    """The reader's state in the screen's language (the detail stays as the device said)."""
    c, d = ReaderCode, state.detail
    if state.code is c.NO_READER:
        return tr("no reader matching '{name}'").format(name=d) if d else tr("no reader")
    texts = {
        c.OK: tr("reader ok: {detail}"), c.SIMULATED: tr("simulated reader ready"),
        c.WEDGE: tr("keyboard wedge"), c.CARD_UNREADABLE: tr("card not readable: {detail}"),
        c.NOT_INSTALLED: tr("PC/SC support not installed"),
        c.SERVICE_DOWN: tr("PC/SC service not running"),
        c.SERIAL_OK: tr("serial reader ok: {detail}"),
        c.SERIAL_UNAVAILABLE: tr("serial reader unavailable: {detail}"),
        c.SERIAL_GONE: tr("serial reader gone: {detail}"),
    }
    text = texts.get(state.code)
    return state.message if text is None else text.format(detail=d)


def printer_status_text(status: PrinterStatus) -> str:
    return {
        PrinterStatus.OK: tr("ok"), PrinterStatus.PAPER_NEAR_END: tr("paper near end"),
        PrinterStatus.PAPER_OUT: tr("paper out"), PrinterStatus.COVER_OPEN: tr("cover open"),
        PrinterStatus.OFFLINE: tr("offline"), PrinterStatus.UNREACHABLE: tr("unreachable"),
    }[status]
