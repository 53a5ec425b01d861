"""Receipts to ESC/POS bytes: lay out, then encode through python-escpos ``Dummy``."""

from __future__ import annotations

from escpos.printer import Dummy

from tillcard.devices.printer.layout import (
    Block,
    QrCode,
    blocks_text,
    layout_receipt,
    layout_test_page,
)
from tillcard.devices.printer.settings import ReceiptSettings
from tillcard.domain.receipt import Receipt

__all__ = [
    "ReceiptSettings",
    "drawer_kick_bytes",
    "encode_blocks",
    "receipt_text",
    "render_receipt",
    "render_test_page",
]

FS_CJK_ON = b"\x1c\x26"  # FS &: Chinese character mode
FS_CJK_OFF = b"\x1c\x2e"  # FS .: back to the code-page table


def _is_cjk_line(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\uffef" for ch in text)


class _Encoder:
    """Writes blocks to a ``Dummy`` and only re-sends a style when it changes."""

    def __init__(self, settings: ReceiptSettings) -> None:
        self.s = settings
        self.p = Dummy(profile=settings.profile)
        self.align = "left"
        self.bold = False
        self.big = False

    def style(self, align: str, bold: bool, big: bool) -> None:
        if big != self.big:
            self.p.set(double_width=big, double_height=big, normal_textsize=not big)
            self.big = big
        if bold != self.bold:
            self.p.set(bold=bold)
            self.bold = bold
        if align != self.align:
            self.p.set(align=align)
            self.align = align

    def line(self, text: str) -> None:
        if text.isascii():
            self.p.textln(text)
        elif self.s.cjk_mode == "gb18030":
            # Chinese-market printers power on in Chinese mode: high bytes are GB18030.
            self.p._raw(text.encode("gb18030", errors="replace") + b"\n")
        elif _is_cjk_line(text):
            body = text.encode("gb18030", errors="replace")
            self.p._raw(FS_CJK_ON + body + FS_CJK_OFF + b"\n")
        else:
            # Accented Latin on an international printer: code pages, chosen by escpos.
            self.p.textln(text)

    def qr(self, content: str) -> None:
        self.style("center", False, False)
        self.p.qr(content, native=True, size=self.s.qr_size)
        self.p.ln()

    def run(self, blocks: list[Block]) -> bytes:
        self.p.hw("INIT")
        if self.s.cjk_mode == "fs":
            # An international printer might have been left in Chinese mode by someone else.
            self.p._raw(FS_CJK_OFF)
        for b in blocks:
            if isinstance(b, QrCode):
                self.qr(b.content)
            else:
                self.style(b.align, b.bold, b.big)
                self.line(b.text)
        self.style("left", False, False)
        if self.s.cut:
            self.p.cut()
        else:
            self.p.print_and_feed(4)
        return bytes(self.p.output)


def encode_blocks(blocks: list[Block], settings: ReceiptSettings) -> bytes:
    """ESC/POS bytes for laid-out blocks, ending with a feed and (if there is one) a cut."""
    return _Encoder(settings).run(blocks)


def render_receipt(receipt: Receipt, settings: ReceiptSettings, *, reprint: bool = False) -> bytes:
    """The bytes for one receipt; pure and fast, so the print worker can call it per job."""
    return encode_blocks(layout_receipt(receipt, settings, reprint=reprint), settings)


def receipt_text(receipt: Receipt, settings: ReceiptSettings, *, reprint: bool = False) -> str:
    """The receipt as plain text, line for line as printed, for previews and logs."""
    return blocks_text(layout_receipt(receipt, settings, reprint=reprint))


def render_test_page(settings: ReceiptSettings, printer: str, sample: Receipt) -> bytes:
    """Bytes of the ``devices test-print`` page for the printer named ``printer``."""
    return encode_blocks(layout_test_page(settings, printer, sample), settings)


def drawer_kick_bytes(settings: ReceiptSettings | None = None) -> bytes:
    """``ESC p 0 50 50``: pulse drawer pin 2, the pin almost every drawer is wired to."""
    p = Dummy(profile=settings.profile if settings else None)
    p.cashdraw(2)
    return bytes(p.output)
