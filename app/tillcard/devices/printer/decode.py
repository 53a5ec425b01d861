"""ESC/POS decoder: a byte stream back to printed lines and events (cut, drawer, QR ...).

Used by the simulated printer and by the test printer, so what the tests check is what a
printer would do with the bytes, not what the renderer meant to send. It is incremental:
``feed`` consumes whole commands only and keeps an incomplete tail for the next chunk, so
a server can answer a ``DLE EOT`` query at a command boundary and never inside image data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

# ESC commands by the number of parameter bytes that follow the command letter.
_ESC_ARGS = {
    b"@": 0, b"2": 0, b"<": 0, b"i": 0, b"m": 0,
    b"!": 1, b"E": 1, b"-": 1, b"M": 1, b"t": 1, b"a": 1, b"d": 1, b"J": 1, b"3": 1,
    b" ": 1, b"G": 1, b"V": 1, b"{": 1, b"r": 1, b"R": 1, b"U": 1, b"%": 1, b"=": 1,
    b"e": 1, b"S": 0, b"L": 0, b"T": 1, b"?": 1, b"c": 2, b"$": 2, b"\\": 2,
    b"p": 3,
}
# GS commands with a fixed parameter count (the variable ones are decoded by hand).
_GS_ARGS = {
    b"!": 1, b"B": 1, b"b": 1, b"H": 1, b"f": 1, b"h": 1, b"w": 1, b"a": 1, b"r": 1,
    b"I": 1, b"/": 1, b"L": 2, b"W": 2, b"P": 2, b"\\": 2, b"$": 2, b"^": 3, b":": 0,
}
_FS_ARGS = {b"&": 0, b".": 0, b"!": 1, b"-": 1, b"C": 1, b"W": 1, b"S": 2, b"p": 2}

# ESC t n (Epson numbering) to a Python codec, for text outside Chinese mode.
_CODE_PAGES = {
    0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252",
    17: "cp866", 18: "cp852", 19: "cp858", 255: "cp437",
}


@dataclass(frozen=True)
class PrinterEvent:
    """Something other than text, placed after the first ``line`` printed lines.

    ``kind`` is cut, drawer, qr, barcode, image, status_query, realtime_drawer, init or
    unknown; ``value`` is the QR or barcode content, the drawer pin, the query number.
    """

    kind: str
    value: str = ""
    line: int = 0


@dataclass
class DecodedPrint:
    """What came out of the printer for a stream of bytes."""

    lines: list[str] = field(default_factory=list)
    events: list[PrinterEvent] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def of(self, kind: str) -> list[PrinterEvent]:
        """Events of one kind, in order."""
        return [e for e in self.events if e.kind == kind]

    @property
    def printed_anything(self) -> bool:
        """Whether paper would move: text, a code or a cut, not just status queries."""
        return bool(self.lines) or any(
            e.kind not in ("status_query", "init") for e in self.events)


class _Incomplete(Exception):
    """The buffer ends inside a command; wait for more bytes."""


class EscPosDecoder:
    """Incremental decoder; ``chinese_at_power_on`` models a Chinese-market printer."""

    def __init__(self, *, chinese_at_power_on: bool = True) -> None:
        self._chinese_default = chinese_at_power_on
        self.chinese = chinese_at_power_on
        self.codepage = "cp437"
        self.result = DecodedPrint()
        self._buf = b""
        self._line = bytearray()
        self._line_chinese: list[tuple[bool, str, bytes]] = []
        self._qr_data = ""

    # -- public --------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[PrinterEvent]:
        """Consume ``data``; return the events completed by it (queries to answer)."""
        buf = self._buf + data
        before = len(self.result.events)
        pos = 0
        while pos < len(buf):
            try:
                pos = self._step(buf, pos)
            except _Incomplete:
                break
        self._buf = buf[pos:]
        return self.result.events[before:]

    def finish(self) -> DecodedPrint:
        """End of stream: a partial last line is still printed text."""
        if self._has_text():
            self._end_line()
        return self.result

    # -- internals -----------------------------------------------------------------------

    def _event(self, kind: str, value: str = "") -> None:
        self.result.events.append(PrinterEvent(kind, value, len(self.result.lines)))

    def _has_text(self) -> bool:
        return bool(self._line or self._line_chinese)

    def _flush_run(self) -> None:
        if self._line:
            self._line_chinese.append((self.chinese, self.codepage, bytes(self._line)))
            self._line.clear()

    def _end_line(self) -> None:
        self._flush_run()
        parts = []
        for chinese, codepage, raw in self._line_chinese:
            parts.append(raw.decode("gb18030" if chinese else codepage, errors="replace"))
        self.result.lines.append("".join(parts))
        self._line_chinese.clear()

    def _mode(self, chinese: bool | None = None, codepage: str | None = None) -> None:
        self._flush_run()
        if chinese is not None:
            self.chinese = chinese
        if codepage is not None:
            self.codepage = codepage

    def _step(self, buf: bytes, pos: int) -> int:
        b = buf[pos]
        if b == 0x0A:
            self._end_line()
            return pos + 1
        if b == ESC:
            return self._esc(buf, pos)
        if b == GS:
            return self._gs(buf, pos)
        if b == FS:
            return self._fs(buf, pos)
        if b == DLE:
            return self._dle(buf, pos)
        if b < 0x20:
            return pos + 1  # CR, HT, FF and the like change nothing we check
        if b >= 0x81 and self.chinese:
            n = _gb_len(buf, pos)
            self._line += buf[pos:pos + n]
            return pos + n
        self._line.append(b)
        return pos + 1

    def _esc(self, buf: bytes, pos: int) -> int:
        cmd = _take(buf, pos + 1, 1)
        if cmd == b"*":
            m, nl, nh = _take(buf, pos + 2, 3)
            n = nl + 256 * nh
            size = n * (3 if m in (32, 33) else 1)
            _take(buf, pos + 5, size)
            self._event("image", f"bit image {n} columns")
            return pos + 5 + size
        argc = _ESC_ARGS.get(cmd)
        if argc is None:
            self._event("unknown", f"ESC {cmd!r}")
            return pos + 2
        args = _take(buf, pos + 2, argc)
        self._esc_effect(cmd, args)
        return pos + 2 + argc

    def _esc_effect(self, cmd: bytes, args: bytes) -> None:
        if cmd == b"@":
            self._mode(self._chinese_default, "cp437")
            self._event("init")
        elif cmd == b"t":
            self._mode(codepage=_CODE_PAGES.get(args[0], "cp437"))
        elif cmd == b"d" and self._has_text():
            self._end_line()
        elif cmd == b"p":
            self._event("drawer", "pin2" if args[0] in (0, 48) else "pin5")
        elif cmd in (b"i", b"m"):
            if self._has_text():
                self._end_line()
            self._event("cut", "partial")

    def _gs(self, buf: bytes, pos: int) -> int:
        cmd = _take(buf, pos + 1, 1)
        if cmd == b"V":
            return self._cut(buf, pos)
        if cmd == b"k":
            return self._barcode(buf, pos)
        if cmd == b"(":
            return self._gs_paren(buf, pos)
        if cmd == b"v":
            _, m, xl, xh, yl, yh = _take(buf, pos + 2, 6)
            width, height = xl + 256 * xh, yl + 256 * yh
            _take(buf, pos + 8, width * height)
            self._event("image", f"raster {width * 8}x{height} m={m}")
            return pos + 8 + width * height
        if cmd == b"8":  # GS 8 L p1 p2 p3 p4: large graphics, 4-byte length
            fn, p1, p2, p3, p4 = _take(buf, pos + 2, 5)
            size = p1 | p2 << 8 | p3 << 16 | p4 << 24
            _take(buf, pos + 7, size)
            self._event("image", f"GS 8 {chr(fn)}")
            return pos + 7 + size
        if cmd == b"*":
            x, y = _take(buf, pos + 2, 2)
            _take(buf, pos + 4, x * y * 8)
            self._event("image", "downloaded bit image")
            return pos + 4 + x * y * 8
        argc = _GS_ARGS.get(cmd)
        if argc is None:
            self._event("unknown", f"GS {cmd!r}")
            return pos + 2
        _take(buf, pos + 2, argc)
        return pos + 2 + argc

    def _cut(self, buf: bytes, pos: int) -> int:
        m = _take(buf, pos + 2, 1)[0]
        if m in (65, 66, 97, 98, 103, 104):
            _take(buf, pos + 3, 1)
            end = pos + 4
        else:
            end = pos + 3
        if self._has_text():
            self._end_line()
        self._event("cut", "partial" if m in (1, 49, 66, 98, 104) else "full")
        return end

    def _barcode(self, buf: bytes, pos: int) -> int:
        m = _take(buf, pos + 2, 1)[0]
        if m <= 6:
            end = buf.find(b"\x00", pos + 3)
            if end < 0:
                raise _Incomplete
            data, after = buf[pos + 3:end], end + 1
        else:
            n = _take(buf, pos + 3, 1)[0]
            data, after = _take(buf, pos + 4, n), pos + 4 + n
        self._event("barcode", data.decode("latin-1"))
        return after

    def _gs_paren(self, buf: bytes, pos: int) -> int:
        fn_letter, pl, ph = _take(buf, pos + 2, 3)
        size = pl + 256 * ph
        payload = _take(buf, pos + 5, size)
        if fn_letter == ord("k") and size >= 2 and payload[0] == 49:  # cn 49: QR code
            fn = payload[1]
            if fn == 80:  # store: cn fn m data
                self._qr_data = payload[3:].decode("utf-8", errors="replace")
            elif fn == 81:  # print the stored symbol
                self._event("qr", self._qr_data)
        elif fn_letter == ord("L"):
            self._event("image", "graphics")
        return pos + 5 + size

    def _fs(self, buf: bytes, pos: int) -> int:
        cmd = _take(buf, pos + 1, 1)
        argc = _FS_ARGS.get(cmd)
        if argc is None:
            self._event("unknown", f"FS {cmd!r}")
            return pos + 2
        _take(buf, pos + 2, argc)
        if cmd == b"&":
            self._mode(chinese=True)
        elif cmd == b".":
            self._mode(chinese=False)
        return pos + 2 + argc

    def _dle(self, buf: bytes, pos: int) -> int:
        cmd = _take(buf, pos + 1, 1)
        if cmd == b"\x04":  # DLE EOT n: real-time status query
            n = _take(buf, pos + 2, 1)[0]
            self._event("status_query", str(n))
            return pos + 3
        if cmd == b"\x05":  # DLE ENQ n: real-time request
            _take(buf, pos + 2, 1)
            return pos + 3
        if cmd == b"\x14":  # DLE DC4 fn m t: fn 1 is a drawer pulse even when offline
            fn, m, _ = _take(buf, pos + 2, 3)
            if fn == 1:
                self._event("realtime_drawer", "pin2" if m == 0 else "pin5")
            return pos + 5
        return pos + 1


def _take(buf: bytes, start: int, n: int) -> bytes:
    if start + n > len(buf):
        raise _Incomplete
    return buf[start:start + n]


def _gb_len(buf: bytes, pos: int) -> int:
    """Bytes in the GB18030 character starting at ``pos`` (lead byte 0x81-0xFE)."""
    second = _take(buf, pos + 1, 1)[0]
    if 0x30 <= second <= 0x39:
        _take(buf, pos, 4)
        return 4
    return 2


def decode(data: bytes, *, chinese_at_power_on: bool = True) -> DecodedPrint:
    """Decode one complete job."""
    dec = EscPosDecoder(chinese_at_power_on=chinese_at_power_on)
    dec.feed(data)
    return dec.finish()
