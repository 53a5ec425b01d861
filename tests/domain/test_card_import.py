"""The card-import CSV: encodings Excel writes, and every bad row named at once."""

from __future__ import annotations

import codecs

import pytest

from tillcard.domain.card_import import COLUMNS, RowProblem, decode_csv, parse_card_import
from tillcard.domain.money import Currency

HEADER = ",".join(COLUMNS)


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8",
              line_end: str = "\r\n") -> bytes:
    return line_end.join([header, *rows, ""]).encode(encoding)


def problems(data: bytes, **kw: object) -> list[str]:
    return [str(p) for p in parse_card_import(data, **kw).problems]  # type: ignore[arg-type]


def test_a_good_file() -> None:
    data = csv_bytes("10001,04A1B2C3,Li Na,S-17,138 0013 8000,staff,100.50",
                     "10002,,Wang Fang,,,standard,",
                     '10003,04:a1:b2:c4,"Zhao, Min",S-19,+86 10 1234,staff,0.1')

    result = parse_card_import(data, card_types={"staff", "standard"})

    assert result.ok and result.encoding == "utf-8"
    assert [(r.row, r.card_number, r.uid, r.holder_name, r.opening_balance)
            for r in result.rows] == [
        (2, "10001", "04A1B2C3", "Li Na", 10_050),
        (3, "10002", None, "Wang Fang", 0),
        (4, "10003", "04A1B2C4", "Zhao, Min", 10),
    ]
    assert result.rows[0].member_no == "S-17" and result.rows[0].phone == "138 0013 8000"


def test_bom_utf8_with_chinese_names() -> None:
    data = codecs.BOM_UTF8 + csv_bytes("20001,,张伟,工号001,13800138000,员工卡,50",
                                       "20002,0A0B0C0D,欧阳娜娜,,,员工卡,12.5")

    result = parse_card_import(data, card_types={"员工卡"})

    assert result.ok, result.problems
    assert result.encoding == "utf-8-sig"
    assert [r.holder_name for r in result.rows] == ["张伟", "欧阳娜娜"]
    assert result.rows[0].member_no == "工号001"
    assert [r.opening_balance for r in result.rows] == [5_000, 1_250]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_gbk_from_a_chinese_excel(encoding: str) -> None:
    header = "卡号说明,card_number,uid,holder_name,member_no,phone,card_type,opening_balance"
    data = csv_bytes("第一张,30001,,李娜,,,staff,20",
                     "第二张,30002,,王芳芳,A-1,,staff,0.50",
                     header=header, encoding=encoding)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the point: this file is not UTF-8

    result = parse_card_import(data)

    assert result.ok, result.problems
    assert result.encoding == "gb18030"
    assert [(r.card_number, r.holder_name, r.opening_balance) for r in result.rows] == [
        ("30001", "李娜", 2_000), ("30002", "王芳芳", 50)]


def test_a_gbk_file_with_bad_rows_names_them_in_chinese() -> None:
    data = csv_bytes("30001,,,,,staff,1", "30001,,李娜,,,staff,1", encoding="gbk")
    assert problems(data) == ["row 2, holder_name: empty: every card needs its holder's name",
                              "row 3, card_number: 30001 is on row 2 too"]


def test_every_bad_row_is_named_and_none_is_returned() -> None:
    data = csv_bytes(
        "40001,04A1B2C3,Li Na,,,staff,10",            # row 2: fine
        "40002,XYZ12345,Wang,,,staff,10",             # row 3: bad hex
        "40003,,Zhao,,,staff,12.345",                 # row 4: three decimals
        "40001,,Qian,,,staff,1",                      # row 5: duplicate number
        "40005,04-a1-b2-c3,Sun,,,staff,1",            # row 6: duplicate uid, written apart
        "40006,,,,,staff,-5",                         # row 7: no name and negative
        "40007,,Zhou,,,gold,ten",                     # row 8: unknown type, not a number
        "6.22E+15,,Wu,,,staff,1",                     # row 9: Excel's scientific notation
        "40009,0A1B2C3,Zheng,,call me,staff,1",       # row 10: odd hex, bad phone
        ",,Feng,,,,",                                 # row 11: no number, no type
        "40011,,Chen,x,,staff,1,extra",               # row 12: an unquoted comma
    )

    result = parse_card_import(data, card_types={"staff"})

    assert not result.ok
    assert [r.row for r in result.rows] == [2]  # what was good, never imported alone
    assert [str(p) for p in result.problems] == [
        "row 3, uid: 'XYZ12345' is not a chip UID: 8 to 32 hex digits, in pairs",
        "row 4, opening_balance: at most 2 decimal places",
        "row 5, card_number: 40001 is on row 2 too",
        "row 6, uid: 04A1B2C3 is on row 2 too",
        "row 7, holder_name: empty: every card needs its holder's name",
        "row 7, opening_balance: amount cannot be negative",
        "row 8, card_type: no card type 'gold' (known: staff)",
        "row 8, opening_balance: 'ten' is not a number",
        "row 9, card_number: '6.22E+15' was turned into a number by Excel: format the "
        "column as text and type it again",
        "row 10, uid: '0A1B2C3' is not a chip UID: 8 to 32 hex digits, in pairs",
        "row 10, phone: 'call me' is not a phone number",
        "row 11, card_number: empty",
        "row 11, card_type: empty",
        "row 12: 8 cells but the header names 7: a comma inside a value needs quotes "
        "around the value",
    ]


def test_missing_and_doubled_columns_are_named_on_the_header_row() -> None:
    data = csv_bytes("1,Li Na,staff", header="card_number,holder_name,card_type,Card_Type")
    assert problems(data) == [
        "row 1, card_type: column named twice",
        "row 1, uid: missing column",
        "row 1, member_no: missing column",
        "row 1, phone: missing column",
        "row 1, opening_balance: missing column",
    ]


def test_columns_in_any_order_and_case_blank_lines_skipped() -> None:
    header = "Holder_Name, CARD_NUMBER ,opening_balance,card_type,phone,member_no,uid"
    data = csv_bytes("Li Na,50001,1.00,staff,,,", ",,,,,,", "", "Wang,50002,2,staff,,,",
                     header=header, line_end="\n")
    result = parse_card_import(data)
    assert result.ok
    assert [(r.row, r.card_number, r.holder_name, r.opening_balance) for r in result.rows] == [
        (2, "50001", "Li Na", 100), (5, "50002", "Wang", 200)]


def test_amounts_follow_the_currency_and_the_maximum() -> None:
    data = csv_bytes("60001,,Li Na,,,staff,1500", "60002,,Wang,,,staff,1500.5")
    result = parse_card_import(data, currency=Currency("JPY", "ja_JP"), max_minor=2_000)
    assert [r.opening_balance for r in result.rows] == [1_500]
    assert [str(p) for p in result.problems] == [
        "row 3, opening_balance: at most 0 decimal places"]
    over = parse_card_import(csv_bytes("60003,,Li,,,staff,20.01"), max_minor=2_000)
    assert [p.reason for p in over.problems] == ["amount is over the maximum 20.00"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "row 1: no header row"),
    (b"\r\n\r\n", "row 1: no header row"),
    ("card_number\r\n".encode("utf-16"), "file: this is UTF-16"),
    (codecs.BOM_UTF8 + b"card_number,\xff\xfe\r\n", "file: starts as UTF-8 but byte 15"),
    (b"card_number,\x80\x80\x80\r\n", "file: neither UTF-8 nor GBK/GB18030"),
])
def test_files_that_are_not_card_lists(data: bytes, message: str) -> None:
    [problem] = problems(data)
    assert problem.startswith(message)


def test_decode_prefers_utf8_and_falls_back_to_gb18030() -> None:
    assert decode_csv("张伟".encode()) == ("张伟", "utf-8")
    assert decode_csv("张伟".encode("gbk")) == ("张伟", "gb18030")
    assert decode_csv(codecs.BOM_UTF8 + "张伟".encode()) == ("张伟", "utf-8-sig")


def test_problem_text() -> None:
    assert str(RowProblem(0, "", "unreadable")) == "file: unreadable"
    assert str(RowProblem(7, "uid", "bad")) == "row 7, uid: bad"
    assert str(RowProblem(7, "", "bad")) == "row 7: bad"
