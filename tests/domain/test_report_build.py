"""Reports from facts: the journal's signs per kind, shares, empty ranges, both languages."""

from __future__ import annotations

from datetime import date

import pytest

from tillcard.domain import report_build as build
from tillcard.domain.report_facts import NO_CASHIER, NO_MEAL, Fact, FactKey, Measures
from tillcard.domain.report_texts import COLUMN_TYPES, column, keys, text, title
from tillcard.domain.reports import ReportKind, ValueType

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)
NAMES = build.Names(tills={1: "Till 1", 2: "Till 2", 9: "Office"},
                    users={5: "李娜", 6: "Wang Fang"}, card_types={1: "Staff 员工", 2: "Walk-in"},
                    meals={(1, 2): "Lunch 午餐"}, owner_bp={"Noodles 面馆": 3_000})


def fact(kind: str, *, day: date = D1, hour: int = 12, till: int = 1,
         booth: str = "Noodles 面馆", cashier: int = 5, ctype: int = 1, meal: int = NO_MEAL,
         **m: int) -> Fact:
    return Fact(FactKey(day, hour, till, booth, cashier, ctype, meal, kind), Measures(**m))


# a sale of 1 000 list, 100 off: 700 from purses (500 cash, 100 bonus, 100 allowance) and
# 200 cash beside; its void gives the 700 back and hands the 200 back
SALE = fact("sale", meal=2, n=1, list_amount=1_000, discount=100, cash_delta=-500,
            bonus_delta=-100, allowance_delta=-100, tendered_cash=200)
VOID = fact("void", meal=2, n=1, cash_delta=500, bonus_delta=100, allowance_delta=100,
            tendered_cash=200)
SALE2 = fact("sale", day=D2, hour=8, till=2, booth="Rice 饭堂", cashier=6, n=2,
             list_amount=3_000, cash_delta=-3_000)
CASH_SALE = fact("cash_sale", till=2, booth="Rice 饭堂", ctype=2, n=1, list_amount=800,
                 tendered_cash=800)
RECHARGE = fact("recharge", till=9, booth="", cashier=NO_CASHIER, n=2, list_amount=10_000,
                cash_delta=10_000, bonus_delta=1_000, grant_amount=1_000)
OFFICE = [
    fact("expire", till=9, booth="", n=1, bonus_delta=-300),
    fact("allowance", till=9, booth="", n=3, list_amount=1_500, allowance_delta=1_500),
    fact("allowance_reset", day=D2, till=9, booth="", n=1, list_amount=200,
         allowance_delta=-200),
    fact("deposit", till=9, booth="", n=1, list_amount=2_000, tendered_cash=2_500),
    fact("refund", till=9, booth="", n=1, list_amount=2_000, cash_delta=-700, bonus_delta=-50,
         allowance_delta=-25, tendered_cash=2_700),
    fact("correction", till=9, booth="", n=1, list_amount=400, cash_delta=-400,
         bonus_delta=-40),
    fact("transfer_out", till=9, booth="", n=1, cash_delta=-900, bonus_delta=-10,
         allowance_delta=-5),
    fact("transfer_in", till=9, booth="", n=2, cash_delta=900, bonus_delta=10,
         allowance_delta=5, grant_amount=10),
]
ALL = [SALE, VOID, SALE2, CASH_SALE, RECHARGE, *OFFICE]


def frame(language: str = "en") -> build.Frame:
    return build.Frame(D1, D2, language, cutoff_hour=4)


def test_both_languages_say_every_key() -> None:
    en, zh = keys()
    assert en == zh
    for k in COLUMN_TYPES:
        for lang in ("en", "zh_CN"):
            c = column(k, lang)
            assert c.title and c.definition and c.type is COLUMN_TYPES[k]
    for kind in ReportKind:
        assert title(kind, "zh_CN") != title(kind, "en")
    assert text("row.total", "zh") == "合计"


def test_summary_reads_each_kind_with_the_journal_s_signs() -> None:
    r = build.summary(ALL, frame())
    got = {k: (n, a) for k, (_, n, a) in zip(
        [k for k, _, _ in build.summary_lines({})], r.rows, strict=True)}
    assert got["sales_list"] == (3, 4_000)
    assert got["discount"] == (None, 100)
    assert got["sales_charged"] == (3, 900 + 3_000)  # 700 from purses + 200 cash, and 3 000
    assert got["sales_card"] == (None, 3_700) and got["sales_cash"] == (None, 200)
    assert got["voids"] == (1, 900)
    assert got["cash_sales"] == (1, 800)
    assert got["revenue"] == (None, 3_900 + 800 - 900)
    assert got["recharges"] == (2, 10_000) and got["bonus_granted"] == (None, 1_000)
    assert got["bonus_used"] == (None, 0)  # the only bonus sale was voided
    assert got["bonus_expired"] == (1, 300)
    assert got["allowance_granted"] == (3, 1_500) and got["allowance_used"] == (None, 0)
    assert got["allowance_reset"] == (1, 200)
    assert got["deposits"] == (1, 2_000) and got["fees"] == (None, 500)
    assert got["refunds"] == (1, 2_700)
    assert got["corrections"] == (1, 440) and got["transfers"] == (1, 915)
    # drawers: 200 + 800 + 10 000 + 2 500 in; 200 + 2 700 out
    assert got["net_cash"] == (None, 200 + 800 + 10_000 + 2_500 - 200 - 2_700)
    assert len(r.notes) == len(r.rows) and all(":" in n for n in r.notes)


def test_booths_split_revenue_between_site_and_owner() -> None:
    r = build.booths(ALL, frame(), NAMES)
    rows = {row[0]: row for row in r.rows}
    noodles, rice = rows["Noodles 面馆"], rows["Rice 饭堂"]
    assert noodles[r.column("revenue")] == 0  # sold and voided
    assert rice[r.column("revenue")] == 3_800
    assert rice[r.column("owner_bp")] == 0  # no share set: all the site's
    assert rice[r.column("site_part")] == 3_800
    assert "" not in rows  # the office's booth sold nothing but moved cash
    assert r.totals is not None and r.totals[r.column("share")] == 10_000


@pytest.mark.parametrize(("amount", "bp", "owner"), [
    (1_000, 3_000, 300), (5, 1_000, 1), (4, 1_000, 0), (15, 5_000, 8), (-15, 5_000, -8),
    (0, 10_000, 0), (999, 10_000, 999)])
def test_owner_share_rounds_half_away_from_zero(amount: int, bp: int, owner: int) -> None:
    assert build.share_of(amount, bp) == owner


def test_time_tables_cover_every_slot_and_add_up() -> None:
    daily = build.daily(ALL, frame())
    assert daily.values("day") == ["2026-03-01", "2026-03-02"]
    assert daily.values("revenue") == [800, 3_000]
    assert daily.totals is not None and daily.totals[daily.column("revenue")] == 3_800
    assert daily.chart is not None and daily.chart.value_column == "revenue"
    hourly = build.hourly(ALL, frame())
    assert hourly.values("hour")[0] == "04:00" and len(hourly.rows) == 24  # from the cut-off
    assert dict(zip(hourly.values("hour"), hourly.values("revenue"), strict=True))[
        "08:00"] == 3_000
    monthly = build.monthly(ALL, build.Frame(date(2026, 2, 27), date(2026, 4, 1)))
    assert monthly.values("month") == ["2026-02", "2026-03", "2026-04"]


def test_named_tables_name_ids_and_the_missing_cashier() -> None:
    cashiers = build.cashiers(ALL, frame("zh_CN"), NAMES)
    assert set(cashiers.values("cashier")) == {"李娜", "Wang Fang", "（无）"}
    assert cashiers.title == "按收银员"
    tills = build.tills(ALL, frame(), NAMES)
    net = dict(zip(tills.values("till"), tills.values("net_cash"), strict=True))
    assert net == {"Till 1": 0, "Till 2": 800, "Office": 10_000 + 2_500 - 2_700}
    types = build.card_types(ALL, frame(), NAMES)
    assert dict(zip(types.values("card_type"), types.values("sales"), strict=True)) == {
        "Staff 员工": 3, "Walk-in": 1}


def test_meals_and_allowance() -> None:
    meals = build.meals(ALL, frame(), NAMES)
    assert meals.rows == (("Lunch 午餐", "Noodles 面馆", 1, 1, 900),)
    allowance = build.allowance(ALL, frame(), NAMES)
    assert allowance.rows == (("2026-03", "Staff 员工", 1_500, 0, 200, 25,
                               1_500 - 200 - 25),)


def test_card_office_and_liability() -> None:
    r = build.card_office(ALL, {"card_issued": 4, "pin_set": 1, "pin_reset": 2}, frame())
    amounts = dict(zip(r.values("operation"), zip(r.values("count"), r.values("amount"),
                                                  strict=True), strict=True))
    assert amounts["Cards issued"] == (4, None) and amounts["PINs set or reset"] == (3, None)
    assert amounts["Deposits and fees taken"] == (1, 2_500)
    assert amounts["Refunds on closing"] == (1, 2_700)
    assert amounts["Balances moved to new cards"] == (1, 915)
    now = build.PurseTotals(cash=9_000, cash_cards=3, owed=-100, owed_cards=1, bonus=700,
                            bonus_cards=2, allowance=50, allowance_cards=1, deposits=4_000,
                            deposit_cards=2)
    li = build.liability(now, ALL, frame())
    got = dict(zip(li.values("item"), li.values("amount"), strict=True))
    assert got["Owed to holders"] == 9_000 - 100 + 700 + 50 + 4_000
    assert got["Breakage in the range"] == 300 + 200


@pytest.mark.parametrize("kind", ["summary", "hourly", "daily", "monthly", "tills", "booths",
                                  "cashiers", "card-types", "meals", "allowance"])
def test_an_empty_range_is_a_table_of_zeros(kind: str) -> None:
    fr = frame()
    r = {"summary": lambda: build.summary([], fr), "hourly": lambda: build.hourly([], fr),
         "daily": lambda: build.daily([], fr), "monthly": lambda: build.monthly([], fr),
         }.get(kind, lambda: getattr(build, kind.replace("-", "_"))([], fr, NAMES))()
    assert r.kind == ReportKind(kind)
    money = [i for i, c in enumerate(r.columns) if c.type is ValueType.MONEY]
    assert money
    for row in (*r.rows, *([r.totals] if r.totals else [])):
        assert all(row[i] in (0, None) for i in money)
