"""The ESC/POS decoder, command by command (DEVICES.md section 4)."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy
from PIL import Image

from tillcard.devices.printer.decode import EscPosDecoder, decode

ESC, GS, FS, DLE = b"\x1b", b"\x1d", b"\x1c", b"\x10"


@pytest.mark.parametrize("cmd", [b"!", b"E", b"-", b"M", b"t", b"a", b"d", b"J", b"3", b" "])
def test_one_byte_arguments_are_not_text_even_when_they_look_like_lf(cmd: bytes) -> None:
    job = decode(b"AB" + ESC + cmd + b"\n" + b"CD\n")
    assert job.lines == ["ABCD"] if cmd != b"d" else ["AB", "CD"]


def test_init_and_unknown_commands_do_not_print() -> None:
    job = decode(ESC + b"@" + ESC + b"\x7f" + b"X\n")
    assert job.lines == ["X"]
    assert [e.kind for e in job.events] == ["init", "unknown"]


@pytest.mark.parametrize(("cmd", "mode"), [
    (GS + b"V\x00", "full"), (GS + b"V0", "full"), (GS + b"V\x01", "partial"),
    (GS + b"VA\n", "full"), (GS + b"VB\n", "partial"), (ESC + b"i", "partial"),
])
def test_cuts_with_and_without_the_feed_byte(cmd: bytes, mode: str) -> None:
    job = decode(b"top" + cmd + b"after\n")
    assert job.lines == ["top", "after"]
    [cut] = job.of("cut")
    assert (cut.value, cut.line) == (mode, 1)


def test_escpos_cut_is_feed_then_cut() -> None:
    p = Dummy()
    p.textln("x")
    p.cut()
    job = decode(p.output)
    assert job.lines == ["x"]
    assert job.of("cut")[0].value == "full"


def test_barcode_both_forms() -> None:
    a = GS + b"k\x04CODE-39\x00"
    b = GS + b"kI\x0b{B12\n45\x00789"
    job = decode(a + b"x\n" + b + b"y\n")
    assert [e.value for e in job.of("barcode")] == ["CODE-39", "{B12\n45\x00789"]
    assert job.lines == ["x", "y"]


def test_barcodes_from_python_escpos() -> None:
    p = Dummy()
    p.barcode("1234567", "EAN8", function_type="A")
    p.barcode("{BHello", "CODE128", function_type="B")
    assert [e.value for e in decode(p.output).of("barcode")] == ["1234567", "{BHello"]


def test_qr_code_content_from_the_store_function() -> None:
    p = Dummy()
    p.qr("tillcard:entry/0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9 ü", native=True, size=4)
    job = decode(p.output)
    assert [e.value for e in job.of("qr")] == [
        "tillcard:entry/0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9 ü"]


def test_raster_image_bytes_are_skipped_not_read_as_commands() -> None:
    pixels = b"\n\x10\x04\x01\x1bd\x05\x1dV\x00" + b"\xff" * 2  # 12 bytes = 3 x 4
    raster = GS + b"v0\x00\x03\x00\x04\x00" + pixels
    job = decode(b"a\n" + raster + b"b\n")
    assert job.lines == ["a", "b"]
    assert [e.kind for e in job.events] == ["image"]
    assert job.events[0].value == "raster 24x4 m=0"


def test_image_from_python_escpos() -> None:
    p = Dummy()
    p.image(Image.new("1", (37, 9), 0))
    p.textln("after")
    job = decode(p.output)
    assert job.lines[-1] == "after"
    assert not job.of("status_query")


def test_drawer_kick_and_pin() -> None:
    job = decode(ESC + b"p\x00\x19\xfa" + ESC + b"p\x01\x0a\x0a")
    assert [e.value for e in job.of("drawer")] == ["pin2", "pin5"]
    p = Dummy()
    p.cashdraw(2)
    assert p.output == b"\x1bp\x0022"
    assert decode(p.output).of("drawer")[0].value == "pin2"


def test_status_queries_are_events_to_answer() -> None:
    job = decode(DLE + b"\x04\x01" + DLE + b"\x04\x02" + DLE + b"\x04\x04")
    assert [e.value for e in job.of("status_query")] == ["1", "2", "4"]
    assert not job.printed_anything


def test_realtime_drawer_pulse() -> None:
    assert decode(DLE + b"\x14\x01\x00\x05").of("realtime_drawer")[0].value == "pin2"


def test_gb18030_without_fs_on_a_chinese_market_printer() -> None:
    text = "合计 12.50 ß€"
    assert len("ß".encode("gb18030")) == 4
    assert decode(text.encode("gb18030") + b"\n").lines == [text]


def test_fs_and_switches_an_international_printer_to_chinese() -> None:
    body = "余额".encode("gb18030")
    data = FS + b"&" + body + FS + b"." + b" 1\n" + ESC + b"t\x02" + "é".encode("cp850") + b"\n"
    job = decode(data, chinese_at_power_on=False)
    assert job.lines == ["余额 1", "é"]
    garbled = decode(body + b"\n", chinese_at_power_on=False)
    assert garbled.lines != ["余额"]


def test_init_restores_the_power_on_mode() -> None:
    data = FS + b"." + ESC + b"@" + "中".encode("gb18030") + b"\n"
    assert decode(data).lines == ["中"]


def test_feeding_one_byte_at_a_time_gives_the_same_result() -> None:
    p = Dummy()
    p.textln("Total 12.50")
    p.qr("abc", native=True)
    p.image(Image.new("1", (16, 3), 0))
    p._raw("合计".encode("gb18030") + "ß".encode("gb18030") + b"\n")
    p.cut()
    data = p.output + DLE + b"\x04\x04"
    whole = decode(data)
    dec = EscPosDecoder()
    answered_at = []
    for i in range(len(data)):
        if any(e.kind == "status_query" for e in dec.feed(data[i:i + 1])):
            answered_at.append(i)
    bytewise = dec.finish()
    assert bytewise == whole
    assert answered_at == [len(data) - 1]  # at the query's last byte, not before


def test_partial_last_line_is_kept_at_finish() -> None:
    assert decode(b"no newline").lines == ["no newline"]
