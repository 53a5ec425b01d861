"""Receipt layout: each receipt kind as styled lines that fit the paper's columns."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tillcard.devices.printer.labels import LABELS
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.domain.cash import CashCount
from tillcard.domain.money import format_plain
from tillcard.domain.receipt import (
    CardActionReceipt,
    CashSaleReceipt,
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
    if r.allowance_part:
        sh.amount("from_allowance", r.allowance_part, indent=True)
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


def _cash_sale(r: CashSaleReceipt, sh: _Sheet) -> None:
    sh.amount("amount", r.amount, bold=True)
    if r.received is not None:
        sh.amount("cash_received", r.received)
        sh.amount("change", r.change, bold=True)
    sh.rule()
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


class _ShiftColumns:
    """Column widths shared by a shift report's rows, so counts and amounts line up."""

    def __init__(self, r: ShiftReport, sh: _Sheet) -> None:
        counts = (r.sales_count, r.cash_sales_count, r.voids_count, r.recharges_count)
        tallied = (r.sales_total, r.cash_sales_total, r.voided_to_cards + r.cash_handed_back,
                   r.recharge_cash)
        self.count = max(len(str(n)) for n in counts)
        self.amount = max(text_width(sh.money(v)) for v in tallied)
        drawer = [*r.float_count.pieces, *(r.counted.pieces if r.counted else ())]
        self.denom = max((text_width(sh.money(d)) for d, _ in drawer), default=1)
        self.pieces = max((len(str(n)) for _, n in drawer), default=1)


def _tally(sh: _Sheet, cw: _ShiftColumns, key: str, count: int, minor: int) -> None:
    """A count and its amount on one row: counts in one column, amounts flush right."""
    sh.row(key, f"{count:>{cw.count}}  {sh.money(minor):>{cw.amount}}")


def _pieces(sh: _Sheet, cw: _ShiftColumns, count: CashCount) -> None:
    """One row per note or coin counted: ``100.00 x 3`` and what they make."""
    for denom, n in count.pieces:
        label = f"  {sh.money(denom):>{cw.denom}} x {n:>{cw.pieces}}"
        sh.blocks.append(TextLine(pair(label, sh.money(denom * n), sh.cols)))


def _signed(sh: _Sheet, minor: int) -> str:
    return ("+" if minor > 0 else "") + sh.money(minor)


def _shift_people(r: ShiftReport, sh: _Sheet) -> None:
    sh.row("report_no", "X" if r.z_no is None else f"Z {r.z_no}", bold=True)
    sh.long_row("till", r.ctx.till)
    sh.row("opened", _when(r.opened_at))
    sh.long_row("opened_by", r.opened_by)
    if r.closed_at is None:
        sh.row("as_at", _when(r.ctx.at))
        sh.long_row("printed_by", r.ctx.cashier)
    else:
        sh.row("closed", _when(r.closed_at))
        sh.long_row("closed_by", r.closed_by)
    if r.cashiers:
        sh.long_row("cashiers", ", ".join(r.cashiers))


def _shift_sales(r: ShiftReport, sh: _Sheet, cw: _ShiftColumns) -> None:
    _tally(sh, cw, "sales", r.sales_count, r.sales_total)
    sh.amount("card_total", r.card_total, indent=True)
    sh.amount("sale_cash", r.sale_cash, indent=True)
    _tally(sh, cw, "cash_sales", r.cash_sales_count, r.cash_sales_total)
    _tally(sh, cw, "voids", r.voids_count, r.voided_to_cards + r.cash_handed_back)
    sh.amount("voided_to_cards", r.voided_to_cards, indent=True)
    sh.amount("cash_handed_back", r.cash_handed_back, indent=True)
    _tally(sh, cw, "recharges", r.recharges_count, r.recharge_cash)
    if r.refunds_paid:
        sh.amount("refunds_paid", r.refunds_paid)
    sh.amount("net_sales", r.net_sales, bold=True)
    if r.discounts:
        sh.amount("discounts", r.discounts)


def _shift_drawer(r: ShiftReport, sh: _Sheet, cw: _ShiftColumns) -> None:
    """The float as counted in, what came and went, what should be there, what was."""
    sh.blocks.append(TextLine(sh.label["float"], bold=True))
    _pieces(sh, cw, r.float_count)
    sh.amount("float_total", r.float_count.total)
    sh.amount("cash_in", r.cash_in)
    sh.amount("cash_out", -r.cash_out)
    sh.amount("cash_expected", r.cash_expected, bold=True)
    if r.counted is None:
        return
    sh.rule()
    sh.blocks.append(TextLine(sh.label["counted"], bold=True))
    _pieces(sh, cw, r.counted)
    sh.amount("cash_counted", r.counted.total, bold=True)
    diff = r.counted.total - r.cash_expected
    label = sh.label["difference"]
    if diff:
        label += f" ({sh.label['short' if diff < 0 else 'over']})"
    sh.row(label, _signed(sh, diff), bold=True)
    if r.comment:
        sh.long_row("comment", r.comment)
    if r.approved_by:
        sh.long_row("approved_by", r.approved_by)


def _shift(r: ShiftReport, sh: _Sheet) -> None:
    """An X or a Z: who and when, the sales, the drawer expected against its count."""
    cw = _ShiftColumns(r, sh)
    _shift_people(r, sh)
    sh.rule()
    _shift_sales(r, sh, cw)
    sh.rule()
    _shift_drawer(r, sh, cw)
    if r.reprint:
        sh.rule()
        sh.row("reprinted", _when(r.ctx.at))
        sh.long_row("printed_by", r.ctx.cashier)
    if r.z_no is not None:
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
    if isinstance(receipt, CashSaleReceipt):
        return "cash_sale"
    if isinstance(receipt, CardActionReceipt):
        if receipt.action not in ("issue", "replace", "close"):
            raise ValueError(f"unknown card action {receipt.action!r}")
        return receipt.action
    return "shift" if receipt.z_no is not None else "shift_x"


def layout_receipt(receipt: Receipt, settings: ReceiptSettings, *,
                   reprint: bool = False) -> list[Block]:
    """Lay out any receipt kind; the same blocks feed the printer and on-screen previews."""
    sh = _Sheet(settings)
    # a Z reprinted from its snapshot says so itself: the sink's submit has no flag
    reprint = reprint or (isinstance(receipt, ShiftReport) and receipt.reprint)
    sh.top(receipt.ctx.site, _title_key(receipt), reprint)
    if isinstance(receipt, SaleReceipt):
        _sale(receipt, sh)
    elif isinstance(receipt, VoidReceipt):
        _void(receipt, sh)
    elif isinstance(receipt, RechargeReceipt):
        _recharge(receipt, sh)
    elif isinstance(receipt, CashSaleReceipt):
        _cash_sale(receipt, sh)
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
