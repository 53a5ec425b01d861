"""Reading a card-import CSV: decode it, check every row, name every problem at once.

Files come from Excel as often as from scripts: UTF-8 with or without a BOM, or GBK (a
Chinese Excel's "CSV" is GB18030's subset, so GB18030 reads both). The import is all or
nothing, so the parser never stops at the first bad row: the person fixing the file gets
the whole list, each with its row number as the spreadsheet shows it (the header is row
1), the column and the reason. Pure: bytes in, rows or problems out.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Collection
from dataclasses import dataclass

from tillcard.domain.money import DEFAULT_MAX_MINOR, AmountError, Currency, parse_amount

__all__ = ["COLUMNS", "CardImport", "ImportRow", "RowProblem", "decode_csv",
           "parse_card_import"]

COLUMNS = ("card_number", "uid", "holder_name", "member_no", "phone", "card_type",
           "opening_balance")
HEADER_ROW = 1
_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,32}$")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
_HEX = re.compile(r"^[0-9A-F]+$")
_PHONE = re.compile(r"^[0-9+() -]{0,32}$")
_UID_SEPARATORS = str.maketrans("", "", ": -")


@dataclass(frozen=True)
class ImportRow:
    """One card to issue, checked; ``row`` is where it is in the spreadsheet."""

    row: int
    card_number: str
    uid: str | None
    holder_name: str
    member_no: str
    phone: str
    card_type: str
    opening_balance: int  # minor units


@dataclass(frozen=True)
class RowProblem:
    """What is wrong where; ``row`` 0 is the file as a whole."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row == 0:
            return f"file: {self.reason}"
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class CardImport:
    """Every good row and every problem; import only when ``ok``."""

    rows: tuple[ImportRow, ...]
    problems: tuple[RowProblem, ...]
    encoding: str

    @property
    def ok(self) -> bool:
        return not self.problems


class _Undecodable(ValueError):
    pass


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was in: UTF-8 (BOM or not) first, then GB18030.

    UTF-8 is tried strictly first: Chinese text in GBK is almost never valid UTF-8, the
    other way round it often decodes to nonsense, so the order decides right.

    Raises:
        ValueError: neither encoding reads it (UTF-16 from "Unicode text" says so).
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise _Undecodable(f"starts as UTF-8 but byte {exc.start + 3} is not") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _Undecodable("this is UTF-16 (Excel's \"Unicode text\"): save it as "
                           "\"CSV UTF-8\" instead")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise _Undecodable(f"neither UTF-8 nor GBK/GB18030 (byte {exc.start})") from None


def parse_card_import(data: bytes, *, card_types: Collection[str] | None = None,
                      currency: Currency | None = None,
                      max_minor: int = DEFAULT_MAX_MINOR) -> CardImport:
    """Check a whole file; ``card_types`` (codes), when given, must hold every row's type."""
    try:
        text, encoding = decode_csv(data)
    except _Undecodable as exc:
        return CardImport((), (RowProblem(0, "", str(exc)),), "")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return CardImport((), (RowProblem(0, "", f"not a CSV file: {exc}"),), encoding)
    if not records or not any(cell.strip() for cell in records[0]):
        return CardImport((), (RowProblem(HEADER_ROW, "", "no header row: the first row "
                                          "names the columns"),), encoding)
    columns, problems = _header(records[0])
    if problems:
        return CardImport((), tuple(problems), encoding)
    checker = _RowChecker(columns, len(records[0]), card_types, currency or Currency(),
                          max_minor)
    rows = []
    for number, cells in enumerate(records[1:], start=HEADER_ROW + 1):
        if not any(cell.strip() for cell in cells):
            continue  # Excel leaves blank lines at the end
        row = checker.check(number, cells)
        if row is not None:
            rows.append(row)
    return CardImport(tuple(rows), tuple(checker.problems), encoding)


def _header(cells: list[str]) -> tuple[dict[str, int], list[RowProblem]]:
    """Where each column is, by name (any order, any case; other columns are ignored)."""
    names = [c.strip().lower() for c in cells]
    problems = [RowProblem(HEADER_ROW, name, "column named twice")
                for i, name in enumerate(names) if name in COLUMNS and name in names[:i]]
    problems += [RowProblem(HEADER_ROW, name, "missing column")
                 for name in COLUMNS if name not in names]
    return {name: names.index(name) for name in COLUMNS if name in names}, problems


class _RowChecker:
    """Checks rows one by one, remembering numbers and UIDs to find duplicates."""

    def __init__(self, columns: dict[str, int], width: int,
                 card_types: Collection[str] | None, currency: Currency, max_minor: int
                 ) -> None:
        self._columns = columns
        self._width = width
        self._types = card_types
        self._currency = currency
        self._max = max_minor
        self._numbers: dict[str, int] = {}
        self._uids: dict[str, int] = {}
        self.problems: list[RowProblem] = []

    def check(self, row: int, cells: list[str]) -> ImportRow | None:
        before = len(self.problems)
        if len(cells) > self._width and any(c.strip() for c in cells[self._width:]):
            self._bad(row, "", f"{len(cells)} cells but the header names {self._width}: a "
                               "comma inside a value needs quotes around the value")
            return None
        cells = cells + [""] * (self._width - len(cells))
        get = {name: cells[i].strip() for name, i in self._columns.items()}
        number = self._number(row, get["card_number"])
        uid = self._uid(row, get["uid"])
        name = " ".join(get["holder_name"].split())
        if not name:
            self._bad(row, "holder_name", "empty: every card needs its holder's name")
        elif len(name) > 120:
            self._bad(row, "holder_name", "longer than 120 characters")
        if len(get["member_no"]) > 40:
            self._bad(row, "member_no", "longer than 40 characters")
        if not _PHONE.match(get["phone"]):
            self._bad(row, "phone", f"{get['phone']!r} is not a phone number")
        card_type = self._card_type(row, get["card_type"])
        balance = self._amount(row, get["opening_balance"])
        if len(self.problems) > before:
            return None
        return ImportRow(row, number, uid, name, get["member_no"], get["phone"], card_type,
                         balance)

    def _bad(self, row: int, column: str, reason: str) -> None:
        self.problems.append(RowProblem(row, column, reason))

    def _number(self, row: int, value: str) -> str:
        if not value:
            self._bad(row, "card_number", "empty")
        elif _SCIENTIFIC.match(value):
            self._bad(row, "card_number", f"{value!r} was turned into a number by Excel: "
                                          "format the column as text and type it again")
        elif not _NUMBER.match(value):
            self._bad(row, "card_number", f"{value!r}: 1 to 32 letters, digits or -")
        elif value in self._numbers:
            self._bad(row, "card_number", f"{value} is on row {self._numbers[value]} too")
        else:
            self._numbers[value] = row
        return value

    def _uid(self, row: int, value: str) -> str | None:
        if not value:
            return None
        uid = value.translate(_UID_SEPARATORS).upper()
        if not _HEX.match(uid) or len(uid) % 2 or not 8 <= len(uid) <= 32:
            self._bad(row, "uid", f"{value!r} is not a chip UID: 8 to 32 hex digits, in "
                                  "pairs")
        elif uid in self._uids:
            self._bad(row, "uid", f"{uid} is on row {self._uids[uid]} too")
        else:
            self._uids[uid] = row
        return uid

    def _card_type(self, row: int, value: str) -> str:
        if not value:
            self._bad(row, "card_type", "empty")
        elif self._types is not None and value not in self._types:
            known = ", ".join(sorted(self._types)) or "none yet"
            self._bad(row, "card_type", f"no card type {value!r} (known: {known})")
        return value

    def _amount(self, row: int, value: str) -> int:
        if not value:
            return 0
        try:
            return parse_amount(value, self._currency, self._max)
        except AmountError as exc:
            self._bad(row, "opening_balance", exc.reason)
            return 0
