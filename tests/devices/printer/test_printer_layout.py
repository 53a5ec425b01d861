"""Column arithmetic and layout rules, without a printer."""

from __future__ import annotations

import pytest

from tillcard.devices.printer.layout import QrCode, clip, layout_receipt, pair, text_width, wrap
from tillcard.devices.printer.render import ReceiptSettings, receipt_text, render_receipt
from tillcard.domain.money import Currency
from tillcard.domain.receipt import (
    CardActionReceipt,
    Receipt,
    RechargeReceipt,
    SaleReceipt,
    ShiftReport,
    VoidReceipt,
)


def test_wide_characters_count_double() -> None:
    assert text_width("余额 12.50") == 10
    assert text_width("ＡＢ") == 4  # full-width forms
    assert text_width("é") == 1
    assert text_width("e\u0301") == 1  # combining accent takes no column


def test_clip_never_splits_a_wide_character() -> None:
    assert clip("余额余额", 5) == "余额"
    assert clip("abc", 5) == "abc"


def test_pair_right_aligns_by_display_width() -> None:
    line = pair("余额", "79.80", 32)
    assert text_width(line) == 32
    assert line.endswith(" 79.80")
    assert pair("A very long label that does not fit", "1234.50", 20) == "A very long  1234.50"


def test_wrap_prefers_spaces_and_handles_cjk() -> None:
    assert wrap("one two three four", 9) == ["one two", "three", "four"]
    assert wrap("谢谢惠顾欢迎再来", 6) == ["谢谢惠", "顾欢迎", "再来"]
    assert wrap("", 10) == [""]
    assert wrap("宽", 1) == ["宽"]


def test_settings_validate_with_clear_messages() -> None:
    with pytest.raises(ValueError, match="58 or 80"):
        ReceiptSettings(paper_mm=76)
    with pytest.raises(ValueError, match="'en' or 'zh'"):
        ReceiptSettings(language="fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cjk_mode"):
        ReceiptSettings(cjk_mode="big5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown printer profile 'TM-X'.*TM-T88V"):
        ReceiptSettings(profile="TM-X")
    assert ReceiptSettings(header=["a", "b"]).header == ("a", "b")  # type: ignore[arg-type]


@pytest.mark.parametrize(("paper", "profile", "cols"), [
    (58, None, 32), (80, None, 48), (58, "default", 32), (80, "TM-T88V", 42),
    (58, "POS-5890", 32), (80, "TM-T20II", 48),
])
def test_columns(paper: int, profile: str | None, cols: int) -> None:
    assert ReceiptSettings(paper_mm=paper, profile=profile).cols == cols


@pytest.fixture
def every_receipt(sale: SaleReceipt, void: VoidReceipt, recharge: RechargeReceipt,
                  card_close: CardActionReceipt, card_replace: CardActionReceipt,
                  shift: ShiftReport) -> list[Receipt]:
    return [sale, void, recharge, card_close, card_replace, shift]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("paper", [58, 80])
def test_every_line_of_every_receipt_fits(every_receipt: list[Receipt], language: str,
                                          paper: int) -> None:
    settings = ReceiptSettings(paper_mm=paper, language=language,  # type: ignore[arg-type]
                               header=("Tillcard 一号食堂 North Canteen, Building 7",))
    for receipt in every_receipt:
        for block in layout_receipt(receipt, settings):
            if not isinstance(block, QrCode):
                limit = settings.cols // 2 if block.big else settings.cols
                assert text_width(block.text) <= limit, block


def test_preview_text_matches_the_layout(sale: SaleReceipt) -> None:
    text = receipt_text(sale, ReceiptSettings(paper_mm=58))
    assert "Balance after              79.80" in text
    assert f"[QR {sale.entry_id}]" in text


def test_currency_without_decimals(sale: SaleReceipt) -> None:
    text = receipt_text(sale, ReceiptSettings(currency=Currency("JPY", "ja_JP")))
    assert any(line.startswith("Balance after") and line.endswith(" 7980")
               for line in text.splitlines())


def test_render_is_fast(sale: SaleReceipt) -> None:
    import time

    settings = ReceiptSettings(language="zh")
    render_receipt(sale, settings)
    start = time.perf_counter()
    for _ in range(20):
        render_receipt(sale, settings)
    assert (time.perf_counter() - start) / 20 < 0.02
