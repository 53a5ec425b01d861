"""Receipt layout: each receipt kind as styled lines that fit the paper's columns."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tillcard.devices.printer.labels import LABELS
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.domain.money import format_plain
from tillcard.domain.receipt import (
    CardActionReceipt,
    Receipt,
    RechargeReceipt,
    SaleReceipt,
    ShiftReport,
    VoidReceipt,
)

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class TextLine:
    """One printed line; ``big`` doubles width and height, so it holds half the columns."""

    text: str
    align: Align = "left"
    bold: bool = False
    big: bool = False


@dataclass(frozen=True)
class QrCode:
    """A QR code printed by the printer itself (``GS ( k``), centred."""

    content: str


Block = TextLine | QrCode


# --- column arithmetic ------------------------------------------------------------------

def char_width(ch: str) -> int:
    """Columns a character takes: CJK and full-width forms take two on a receipt printer."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Columns a string takes when printed in font A at normal size."""
    if text.isascii():
        return len(text)
    return sum(char_width(ch) for ch in text)


def clip(text: str, cols: int) -> str:
    """Longest prefix of ``text`` that fits in ``cols`` columns (never splits a wide char)."""
    if text_width(text) <= cols:
        return text
    used = 0
    for i, ch in enumerate(text):
        used += char_width(ch)
        if used > cols:
            return text[:i]
    return text


def wrap(text: str, cols: int) -> list[str]:
    """Break text into lines of at most ``cols`` columns, at spaces when there are any."""
    lines: list[str] = []
    rest = text
    while text_width(rest) > cols:
        head = clip(rest, cols) or rest[0]  # a wide char in one column still moves on
        space = head.rfind(" ")
        if space > 0 and rest[len(head)] != " ":
            head = head[:space]
        lines.append(head.rstrip())
        rest = rest[len(head):].lstrip()
    if rest or not lines:
        lines.append(rest)
    return lines


def pair(label: str, value: str, cols: int) -> str:
    """Label on the left and value flush right; the label gives way when space is short."""
    vw = text_width(value)
    label = clip(label, max(cols - vw - 1, 0))
    gap = max(cols - text_width(label) - vw, 1 if label else 0)
    return label + " " * gap + value


# --- building blocks --------------------------------------------------------------------

class _Sheet:
    """Accumulates the lines of one receipt in one language and width."""

    def __init__(self, settings: ReceiptSettings) -> None:
        self.s = settings
        self.cols = settings.cols
        self.label = LABELS[settings.language]
        self.blocks: list[Block] = []

    def money(self, minor: int) -> str:
        return format_plain(minor, self.s.currency)

    def centred(self, text: str, *, bold: bool = False, big: bool = False) -> None:
        width = self.cols // 2 if big else self.cols
        for part in wrap(text, width):
            self.blocks.append(TextLine(part, "center", bold, big))

    def row(self, key: str, value: str, *, bold: bool = False, indent: bool = False) -> None:
        label = ("  " if indent else "") + self.label.get(key, key)
        self.blocks.append(TextLine(pair(label, value, self.cols), bold=bold))

    def amount(self, key: str, minor: int, *, bold: bool = False, indent: bool = False) -> None:
        self.row(key, self.money(minor), bold=bold, indent=indent)

    def long_row(self, key: str, value: str) -> None:
        """A row whose value may be too long: it moves under the label, wrapped."""
        label = self.label[key]
        if text_width(label) + 1 + text_width(value) <= self.cols:
            self.row(key, value)
            return
        self.blocks.append(TextLine(label))
        for part in wrap(value, self.cols - 2):
            self.blocks.append(TextLine("  " + part))

    def rule(self) -> None:
        self.blocks.append(TextLine("-" * self.cols))

    def top(self, site: str, title_key: str, reprint: bool) -> None:
        for line in self.s.header:
            self.centred(line)
        if site:
            self.centred(site, bold=True)
        self.centred(self.label[title_key], bold=True, big=True)
        if reprint:
            self.centred(self.label["reprint"], bold=True)
        self.rule()

    def card(self, card_masked: str, holder_short: str) -> None:
        self.row("card", card_masked)
        if holder_short:
            self.row("holder", holder_short)

    def context(self, till: str, cashier: str, at: datetime) -> None:
        self.row("till", till)
        self.row("cashier", cashier)
        self.row("time", _when(at))

    def entry(self, entry_id_hex: str, full: str) -> None:
        self.row("ref", entry_id_hex[:8])
        self.blocks.append(QrCode(full))

    def bottom(self) -> None:
        if self.s.footer:
            self.rule()
        for line in self.s.footer:
            self.centred(line)


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


# --- one function per receipt kind ------------------------------------------------------

def _sale(r: SaleReceipt, sh: _Sheet) -> None:
    if r.offline:
        sh.centred(sh.label["offline"], bold=True)
    sh.long_row("items", r.expression)
    sh.amount("amount", r.list_amount)
    if r.discount:
        label = sh.label["discount"] + (f" ({r.discount_label})" if r.discount_label else "")
        sh.row(label, sh.money(-r.discount))
    sh.amount("charge", r.charge, bold=True)
    sh.amount("from_bonus", r.bonus_part, indent=True)
    sh.amount("from_cash", r.cash_part, indent=True)
    if r.tendered_cash:
        sh.amount("tendered", r.tendered_cash)
    sh.rule()
    sh.amount("balance_before", r.balance_before)
    sh.amount("balance_after", r.balance_after, bold=True)
    sh.rule()
    sh.card(r.card_masked, r.holder_short)
    sh.context(r.ctx.till, r.ctx.cashier, r.ctx.at)
    sh.entry(r.entry_id.hex, str(r.entry_id))


def _void(r: VoidReceipt, sh: _Sheet) -> None:
    sh.row("voided", r.voided_id.hex[:8])
    sh.amount("refunded", r.refunded_to_card, bold=True)
    if r.cash_returned:
        sh.amount("cash_returned", r.cash_returned, bold=True)
    sh.amount("balance_after", r.balance_after, bold=True)
    sh.rule()
    sh.card(r.card_masked, r.holder_short)
    sh.context(r.ctx.till, r.ctx.cashier, r.ctx.at)
    sh.entry(r.entry_id.hex, str(r.entry_id))


def _recharge(r: RechargeReceipt, sh: _Sheet) -> None:
    sh.amount("recharged", r.amount, bold=True)
    if r.bonus:
        sh.amount("bonus", r.bonus)
        if r.bonus_expires_on is not None:
            sh.row("bonus_expires", r.bonus_expires_on.isoformat())
    sh.amount("balance_after", r.balance_after, bold=True)
    sh.rule()
    sh.card(r.card_masked, r.holder_short)
    sh.context(r.ctx.till, r.ctx.cashier, r.ctx.at)
    sh.entry(r.entry_id.hex, str(r.entry_id))


def _card_action(r: CardActionReceipt, sh: _Sheet) -> None:
    sh.row("card", r.card_masked)
    if r.old_card_masked:
        sh.row("old_card", r.old_card_masked)
    if r.holder_short:
        sh.row("holder", r.holder_short)
    sh.amount("balance", r.balance_after, bold=True)
    if r.refund or r.action == "close":
        sh.amount("refund_paid", r.refund, bold=True)
    sh.rule()
    sh.context(r.ctx.till, r.ctx.cashier, r.ctx.at)


def _shift(r: ShiftReport, sh: _Sheet) -> None:
    sh.row("till", r.ctx.till)
    sh.row("cashier", r.ctx.cashier)
    sh.row("opened", _when(r.opened_at))
    sh.row("closed", _when(r.ctx.at))
    sh.rule()
    sh.row("sales", str(r.sales_count))
    sh.amount("sales_total", r.sales_total)
    sh.row("voids", str(r.voids_count))
    sh.amount("voids_total", r.voids_total)
    sh.amount("card_total", r.card_total)
    sh.amount("cash_total", r.cash_tendered_total)
    sh.amount("recharge_total", r.recharge_total)
    sh.rule()
    sh.amount("cash_expected", r.cash_expected, bold=True)
    if r.cash_counted is None:
        sh.row("cash_counted", sh.label["not_counted"])
    else:
        sh.amount("cash_counted", r.cash_counted)
        sh.amount("difference", r.cash_counted - r.cash_expected, bold=True)
    sh.blocks.append(TextLine(""))
    sh.blocks.append(TextLine(""))
    sh.row("signature", "_" * max(sh.cols // 2, 8))


def _title_key(receipt: Receipt) -> str:
    if isinstance(receipt, SaleReceipt):
        return "sale"
    if isinstance(receipt, VoidReceipt):
        return "void"
    if isinstance(receipt, RechargeReceipt):
        return "recharge"
    if isinstance(receipt, CardActionReceipt):
        if receipt.action not in ("issue", "replace", "close"):
            raise ValueError(f"unknown card action {receipt.action!r}")
        return receipt.action
    return "shift"


def layout_receipt(receipt: Receipt, settings: ReceiptSettings, *,
                   reprint: bool = False) -> list[Block]:
    """Lay out any receipt kind; the same blocks feed the printer and on-screen previews."""
    sh = _Sheet(settings)
    sh.top(receipt.ctx.site, _title_key(receipt), reprint)
    if isinstance(receipt, SaleReceipt):
        _sale(receipt, sh)
    elif isinstance(receipt, VoidReceipt):
        _void(receipt, sh)
    elif isinstance(receipt, RechargeReceipt):
        _recharge(receipt, sh)
    elif isinstance(receipt, CardActionReceipt):
        _card_action(receipt, sh)
    else:
        _shift(receipt, sh)
    sh.bottom()
    return sh.blocks


def layout_test_page(settings: ReceiptSettings, printer: str, sample: Receipt) -> list[Block]:
    """A test page: a column ruler, both scripts, then a sample receipt as it will print."""
    sh = _Sheet(settings)
    sh.top("", "test", False)
    sh.row("columns", str(sh.cols))
    sh.blocks.append(TextLine(("1234567890" * 8)[: sh.cols]))
    sh.blocks.append(TextLine(pair("ASCII 0-9 A-Z", "12.50", sh.cols)))
    sh.blocks.append(TextLine(pair("中文 合计/余额/折扣", "12.50", sh.cols)))
    sh.long_row("printer", printer)
    sh.rule()
    return sh.blocks + layout_receipt(sample, settings)


def blocks_text(blocks: list[Block]) -> str:
    """Plain-text preview of laid-out blocks (QR shown as its content in brackets)."""
    out: list[str] = []
    for b in blocks:
        out.append(f"[QR {b.content}]" if isinstance(b, QrCode) else b.text)
    return "\n".join(out)
