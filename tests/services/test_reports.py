"""Every report's figures against direct SQL sums, on a generated site, SQLite and PostgreSQL.

The facts come from where the product reads them: the centre's ``day_totals`` (grouped
in SQL per report) on PostgreSQL, the journal on SQLite. The site: ``demo-data`` (every
kind of journal entry, offline exceptions, blocked cards) plus what only the services
write — card-office actions (audit rows, a Chinese holder), a sale and its void, closed
shifts with and without a drawer difference. The clock is Asia/Shanghai with a 04:00
cut-off, so business days and hours are not UTC's. Expected figures are summed by SQL
grouped by the database itself (local time by SQL date arithmetic), independently of the
facts the reports add up.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, bindparam, insert, text

from tillcard.commands.demo_data import run_demo_data
from tillcard.domain.cash import CashCount
from tillcard.domain.clock import SiteClock
from tillcard.domain.journal import Entry, EntryKind
from tillcard.domain.office import IssueRequest
from tillcard.domain.permissions import Role
from tillcard.domain.reports import Report, ReportKind
from tillcard.domain.shift import ShiftSummary, Totals
from tillcard.domain.site import SiteRules
from tillcard.services.auth import PermissionDenied, SecretHasher, Session
from tillcard.services.card_office import CardOffice
from tillcard.services.reports import ReportService
from tillcard.store.day_totals import BOOTH_SHARES, facts
from tillcard.store.engine import make_engine
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.migrate import upgrade
from tillcard.store.office import office_store
from tillcard.store.shifts import ShiftStore
from tillcard.store.site import set_rules
from tillcard.store.types import UtcDateTime

CLOCK = SiteClock("Asia/Shanghai", 240)
HOLDER = "王小明"
KINDS = ("sale", "void", "cash_sale", "recharge", "expire", "refund", "transfer_out",
         "transfer_in", "allowance", "allowance_reset", "deposit", "correction")


@dataclass
class Site:
    engine: Engine
    service: ReportService
    manager: Session
    first: date
    last: date
    start: datetime
    end: datetime
    shift_id: uuid.UUID

    def run(self, kind: str, language: str = "en") -> Report:
        return self.service.run(self.manager, kind, self.first, self.last, language)

    def sql(self, query: str, **params: Any) -> list[Any]:
        binds = [bindparam(k, type_=UtcDateTime()) for k in ("start", "end")
                 if f":{k}" in query]
        with self.engine.connect() as conn:
            return list(conn.execute(text(query).bindparams(*binds),
                                     {"start": self.start, "end": self.end, **params}))

    def local(self, part: str) -> str:
        """SQL for the local day, month, hour or minute of ``j.created_at`` (UTC+8, 04:00)."""
        if self.engine.dialect.name == "sqlite":
            return {"day": "date(j.created_at, '+4 hours')",
                    "month": "strftime('%Y-%m', j.created_at, '+4 hours')",
                    "hour": "CAST(strftime('%H', j.created_at, '+8 hours') AS INTEGER)",
                    "minute": "(CAST(strftime('%H', j.created_at, '+8 hours') AS INTEGER) * 60"
                              " + CAST(strftime('%M', j.created_at, '+8 hours') AS INTEGER))",
                    }[part]
        loc = "(j.created_at AT TIME ZONE 'Asia/Shanghai')"
        return {"day": f"CAST({loc} - interval '4 hours' AS date)",
                "month": f"to_char({loc} - interval '4 hours', 'YYYY-MM')",
                "hour": f"CAST(extract(hour FROM {loc}) AS integer)",
                "minute": f"CAST(extract(hour FROM {loc}) * 60 + extract(minute FROM {loc})"
                          " AS integer)"}[part]

    def sums(self, group: str, joins: str = "", where: str = "1 = 1"
             ) -> dict[str, dict[str, list[int]]]:
        """Journal sums of the range per ``group`` (as text) and kind, by SQL alone."""
        by = "" if group.startswith("'") else f"{group}, "  # a constant groups nothing
        rows = self.sql(
            f"SELECT {group} AS g, j.kind, count(*), sum(j.list_amount), sum(j.discount), "
            "sum(j.cash_delta), sum(j.bonus_delta), sum(j.allowance_delta), "
            "sum(j.grant_amount), sum(j.tendered_cash) FROM journal j "
            "JOIN cards c ON c.id = j.card_id JOIN tills t ON t.id = j.till_id "
            f"{joins} WHERE j.created_at >= :start AND j.created_at < :end AND {where} "
            f"GROUP BY {by}j.kind")
        out: dict[str, dict[str, list[int]]] = {}
        for r in rows:
            out.setdefault(str(r[0]), {})[r[1]] = [int(v) for v in r[2:]]
        return out


Z = [0] * 8
n_, LIST, DISC, CASH, BONUS, ALLOW, GRANT, TEND = range(8)


def purse(s: list[int]) -> int:
    return s[CASH] + s[BONUS] + s[ALLOW]


def figures(k: dict[str, list[int]]) -> dict[str, int]:
    """The sales columns by their definitions, restated over SQL's sums."""
    sale, void, cs = k.get("sale", Z), k.get("void", Z), k.get("cash_sale", Z)
    card = -purse(sale) - purse(void)
    cash = sale[TEND] + cs[TEND] - void[TEND]
    net = (sale[TEND] + cs[TEND] + k.get("recharge", Z)[LIST] + k.get("deposit", Z)[TEND]
           - void[TEND] - k.get("refund", Z)[TEND])
    return {"sales": sale[n_] + cs[n_], "voids": void[n_], "card_part": card,
            "cash_part": cash, "revenue": card + cash, "discount": sale[DISC],
            "net_cash": net}


def table(r: Report, label: str, keys: tuple[str, ...]) -> Counter[tuple[Any, ...]]:
    return Counter(tuple([row[r.column(label)], *(row[r.column(k)] for k in keys)])
                   for row in r.rows)


def _cheap_hasher() -> SecretHasher:
    return SecretHasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _service_activity(engine: Engine, now: datetime) -> uuid.UUID:
    """What only the services write: card office actions, a void, two closed shifts."""
    with engine.connect() as conn:
        admin = conn.execute(text("SELECT id FROM users WHERE role = 'admin' ORDER BY id")
                             ).scalars().first()
        office = conn.execute(text("SELECT till_id FROM journal WHERE kind = 'deposit' "
                                   "LIMIT 1")).scalar_one()
        code = conn.execute(text("SELECT code FROM card_types WHERE deposit > 0 AND "
                                 "code <> 'walk_in' ORDER BY id")).scalars().first()
        till, cashier = conn.execute(text(
            "SELECT till_id, cashier_id FROM journal WHERE kind = 'sale' AND cashier_id IS "
            "NOT NULL ORDER BY created_at DESC LIMIT 1")).one()
        sale = conn.execute(text(
            "SELECT j.id FROM journal j JOIN cards c ON c.id = j.card_id WHERE j.kind = "
            "'sale' AND c.status = 'active' AND c.replaced_by IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM journal v WHERE v.void_of = j.id) ORDER BY j.created_at DESC "
            "LIMIT 1")).scalar_one()
    assert admin is not None and code is not None
    if isinstance(sale, str):
        sale = uuid.UUID(sale)
    boss = Session(admin, "admin", "Admin", Role.ADMIN)
    svc = CardOffice(office_store(engine, office), _cheap_hasher(), lambda: now)
    card = svc.issue(boss, IssueRequest("R-0001", HOLDER, code, opening_recharge=5_000,
                                        member_no="M1", uid="AA01")).card_id
    svc.freeze(boss, card, "checking 核对")
    svc.unfreeze(boss, card, "ok")
    wrong = svc.recharge(boss, card, 2_000).entry
    assert wrong is not None
    svc.reverse_recharge(boss, wrong.id, "keyed twice 重复", confirmed=True)
    svc.set_pin(boss, card, "2468")
    svc.add_back_charge(boss, sale, "charged twice", confirmed=True)
    ledger = Ledger(engine)
    sold = ledger.sale(SaleRequest(uuid.uuid4(), till, card, 1_500, now, cashier_id=cashier))
    assert sold.entry is not None, sold.refusal
    ledger.void(uuid.uuid4(), till, sold.entry.id, now, cashier)
    svc.report_lost(boss, card, "lost 丢失")
    new = svc.replace(boss, card, "R-0002", "lost 丢失", uid="AA02").new_card_id
    svc.close(boss, new, "left 离职")
    # a card an offline sale left owing, still blocked (the demo's holders settle theirs)
    owing = svc.issue(boss, IssueRequest("R-0003", "欠款 Owing", code,
                                         opening_recharge=1_000, uid="AA03")).card_id
    with engine.begin() as conn:
        ledger._append(conn, Entry(uuid.uuid4(), till, 0, EntryKind.SALE, owing, -1_600,
                                   list_amount=1_600, created_at=now), None)
    return _shifts(engine, till, cashier, now)


def _shifts(engine: Engine, till: int, cashier: int, now: datetime) -> uuid.UUID:
    store = ShiftStore(engine)
    ids = []
    for counted in (20_000 + 700, 20_000 + 950):  # expected 20 950: one off, one not
        float_count = CashCount(((10_000, 2),))
        shift = store.open(till, cashier, float_count, now - timedelta(hours=2), 0)
        totals = Totals(sales=3, sales_list=3_000, card_part=2_700, sale_cash=300,
                        cash_sales=1, cash_sales_amount=650, cashiers=(cashier,))
        z = ShiftSummary(shift.id, till, shift.opened_at, cashier, float_count, totals,
                         closed_at=now, closed_by=cashier,
                         counted=CashCount(((10_000, 2), (counted - 20_000, 1))),
                         names={cashier: "收银员"})
        store.close(shift.id, till, now, cashier, 10, counted, z.expected, None,
                    lambda n, z=z: ShiftSummary(**{**z.__dict__, "z_no": n}).snapshot())
        ids.append(shift.id)
    return ids[0]


def _build_site(url: str) -> Iterator[Site]:
    engine = make_engine(url)
    upgrade(engine)
    set_rules(engine, SiteRules(CLOCK))
    now = datetime.now(UTC)
    today = CLOCK.business_day(now)
    run_demo_data(url, 4_000, 40, 3, 4, today - timedelta(days=1))
    with engine.begin() as conn:
        booth = conn.execute(text("SELECT site FROM tills ORDER BY id")).scalars().first()
        conn.execute(insert(BOOTH_SHARES).values(booth=booth, owner_bp=2_500))
    shift_id = _service_activity(engine, now)
    first = today - timedelta(days=40)
    manager = Session(1, "m", "Manager", Role.MANAGER)
    yield Site(engine, ReportService(engine, facts), manager, first, today,
               CLOCK.day_bounds(first)[0], CLOCK.day_bounds(today)[1], shift_id)
    engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Site]:
    if request.param == "sqlite":
        yield from _build_site(str(tmp_path_factory.mktemp("reports") / "site.db"))
        return
    from tests.pg import throwaway_database

    with throwaway_database() as url:
        yield from _build_site(url)


# -- the site holds what the reports must explain -------------------------------------------

def test_the_site_has_every_kind_and_every_office_action(site: Site) -> None:
    kinds = {r[0] for r in site.sql("SELECT DISTINCT kind FROM journal j WHERE "
                                    "j.created_at >= :start AND j.created_at < :end")}
    assert kinds == set(KINDS)
    actions = {r[0] for r in site.sql("SELECT DISTINCT action FROM audit")}
    assert {"card_issued", "card_freeze", "card_unfreeze", "card_recharged", "card_lost",
            "card_replaced", "card_closed", "correction_recharge", "correction_charge",
            "pin_set"} <= actions


# -- the fact-based reports ------------------------------------------------------------------

SALES_KEYS = ("sales", "voids", "card_part", "cash_part", "revenue", "discount", "net_cash")


def _expect(sums: dict[str, dict[str, list[int]]], names: dict[str, str] | None = None,
            keep_all: bool = False) -> Counter[tuple[Any, ...]]:
    out: Counter[tuple[Any, ...]] = Counter()
    for g, k in sums.items():
        f = figures(k)
        if keep_all or any(f[x] for x in ("sales", "voids", "card_part", "cash_part",
                                            "net_cash")):
            out[((names or {}).get(g, g), *(f[x] for x in SALES_KEYS))] += 1
    return out


def test_summary_equals_the_journal_by_kind(site: Site) -> None:
    k = site.sums("'all'")["all"]
    r = site.run("summary")
    got = dict(zip(r.values("item"), zip(r.values("count"), r.values("amount"), strict=True),
                   strict=True))
    sale, void, cs = k["sale"], k["void"], k["cash_sale"]
    f = figures(k)
    assert got["Sales at list price"] == (sale[n_], sale[LIST])
    assert got["Discounts"] == (None, sale[DISC])
    assert got["Sales charged"] == (sale[n_], sale[LIST] - sale[DISC])  # list less discount
    assert got["Voids"] == (void[n_], purse(void) + void[TEND])
    assert got["Cash-mode sales"] == (cs[n_], cs[LIST])
    assert got["Revenue"] == (None, f["revenue"])
    assert got["Recharges"] == (k["recharge"][n_], k["recharge"][CASH])
    assert got["Bonus granted"] == (None, k["recharge"][GRANT])
    assert got["Bonus used"] == (None, -(sale[BONUS] + void[BONUS]))
    assert got["Bonus expired"] == (k["expire"][n_], -k["expire"][BONUS])
    assert got["Allowance granted"] == (k["allowance"][n_], k["allowance"][ALLOW])
    assert got["Allowance used"] == (None, -(sale[ALLOW] + void[ALLOW]))
    assert got["Allowance reset"] == (k["allowance_reset"][n_], -k["allowance_reset"][ALLOW])
    assert got["Card deposits"] == (k["deposit"][n_], k["deposit"][LIST])
    assert got["Card fees"] == (None, k["deposit"][TEND] - k["deposit"][LIST])
    assert got["Refunds on closing"] == (k["refund"][n_], k["refund"][TEND])
    assert got["Recharges corrected"][0] == k["correction"][n_]
    assert got["Moved to replacement cards"] == (k["transfer_out"][n_], -purse(
        k["transfer_out"]))
    assert got["Net cash"] == (None, f["net_cash"])
    assert f["revenue"] > 0 and all(v > 0 for v in (sale[n_], void[n_], cs[n_]))


def test_time_tables_equal_the_journal_grouped_by_local_time(site: Site) -> None:
    daily = site.run("daily")
    assert daily.values("day")[0] == site.first.isoformat() and len(daily.rows) == 41
    active = Counter(r for r in table(daily, "day", SALES_KEYS).elements() if any(r[1:]))
    assert active == _expect(site.sums(site.local("day")))
    hourly = site.run("hourly")
    assert hourly.values("hour")[0] == "04:00" and hourly.chart is not None
    expected = _expect(site.sums(site.local("hour")), {str(h): f"{h:02d}:00"
                                                        for h in range(24)})
    assert Counter(r for r in table(hourly, "hour", SALES_KEYS).elements()
                   if any(r[1:])) == expected
    monthly = site.run("monthly")
    assert Counter(r for r in table(monthly, "month", SALES_KEYS).elements()
                   if any(r[1:])) == _expect(site.sums(site.local("month")))


def test_tills_cashiers_and_card_types_equal_the_journal(site: Site) -> None:
    assert table(site.run("tills"), "till", SALES_KEYS) == _expect(site.sums("t.name"))
    users = {str(i): n for i, n in site.sql("SELECT id, name FROM users")}
    users["None"] = "(none)"
    assert table(site.run("cashiers"), "cashier", SALES_KEYS) == _expect(
        site.sums("j.cashier_id"), users)
    assert table(site.run("card-types"), "card_type", SALES_KEYS) == _expect(
        site.sums("ct.name", "JOIN card_types ct ON ct.id = c.card_type_id"))
    r = site.run("tills")
    assert r.totals is not None and r.totals[r.column("revenue")] == figures(
        site.sums("'all'")["all"])["revenue"]


def test_booths_share_revenue_by_the_owner_rates(site: Site) -> None:
    r = site.run("booths")
    rates = dict(site.sql("SELECT booth, owner_bp FROM booth_shares"))
    assert any(rates.values())
    expected = site.sums("t.site")
    for row in r.rows:
        booth = row[0]
        f = figures(expected[str(booth)])
        bp = rates.get(booth, 0)
        owner = (f["revenue"] * bp * 2 + 10_000) // 20_000
        assert row[r.column("revenue")] == f["revenue"]
        assert (row[r.column("owner_bp")], row[r.column("owner_part")],
                row[r.column("site_part")]) == (bp, owner, f["revenue"] - owner)
    assert len(r.rows) == sum(1 for k in expected.values() if figures(k)["revenue"]
                              or figures(k)["sales"] or figures(k)["net_cash"])


def test_meals_equal_sales_inside_the_windows(site: Site) -> None:
    minute = site.local("minute")
    joins = ("JOIN meal_windows w ON w.card_type_id = c.card_type_id AND "
             f"{minute} >= w.start_min AND {minute} < w.end_min")
    sums = site.sums("w.name || '|' || t.site", joins)
    expected = Counter()
    for g, k in sums.items():
        sale, void = k.get("sale", Z), k.get("void", Z)
        line = (sale[n_], void[n_], -purse(sale) + sale[TEND])
        if any(line):
            expected[(*g.split("|"), *line)] += 1
    r = site.run("meals")
    assert Counter(tuple(row) for row in r.rows) == expected and expected


def test_allowance_by_period_equals_the_journal(site: Site) -> None:
    sums = site.sums(f"{site.local('month')} || '|' || ct.name",
                     "JOIN card_types ct ON ct.id = c.card_type_id")
    expected = Counter()
    for g, k in sums.items():
        line = (k.get("allowance", Z)[ALLOW],
                -(k.get("sale", Z)[ALLOW] + k.get("void", Z)[ALLOW]),
                -k.get("allowance_reset", Z)[ALLOW], -k.get("refund", Z)[ALLOW],
                sum(s[ALLOW] for s in k.values()))
        if any(line):
            expected[(*g.split("|"), *line)] += 1
    r = site.run("allowance")
    assert Counter(tuple(row) for row in r.rows) == expected and expected


# -- the reports read from tables -----------------------------------------------------------

def test_card_office_counts_the_audit_and_the_office_entries(site: Site) -> None:
    r = site.run("card-office")
    got = dict(zip(r.values("operation"), zip(r.values("count"), r.values("amount"),
                                              strict=True), strict=True))
    audit = dict(site.sql("SELECT action, count(*) FROM audit WHERE at >= :start AND "
                          "at < :end GROUP BY action"))
    assert got["Cards issued"] == (audit["card_issued"], None)
    assert got["Cards frozen"] == (audit["card_freeze"], None)
    assert got["Cards replaced"] == (audit["card_replaced"], None)
    assert got["Charges added back"] == (audit["correction_charge"], None)
    assert got["PINs set or reset"] == (audit.get("pin_set", 0) + audit.get("pin_reset", 0),
                                        None)
    k = site.sums("'all'")["all"]
    assert got["Deposits and fees taken"] == (k["deposit"][n_], k["deposit"][TEND])
    assert got["Recharges (every till)"] == (k["recharge"][n_], k["recharge"][LIST])
    assert got["Recharge corrections"] == (k["correction"][n_],
                                           -(k["correction"][CASH] + k["correction"][BONUS]))
    assert got["Refunds on closing"] == (k["refund"][n_], k["refund"][TEND])
    assert got["Allowance reset"] == (k["allowance_reset"][n_], -k["allowance_reset"][ALLOW])


def test_liability_equals_the_purses_now_and_breakage_the_range(site: Site) -> None:
    r = site.run("liability")
    got = dict(zip(r.values("item"), zip(r.values("cards"), r.values("amount"), strict=True),
                   strict=True))
    cash, cash_n, owed, bonus, allowance = site.sql(
        "SELECT sum(CASE WHEN cash > 0 THEN cash ELSE 0 END), "
        "sum(CASE WHEN cash > 0 THEN 1 ELSE 0 END), sum(CASE WHEN cash < 0 THEN cash "
        "ELSE 0 END), sum(bonus), sum(allowance) FROM purses")[0]
    deposits = site.sql("SELECT sum(deposit_held) FROM cards")[0][0]
    assert got["Cash purses"] == (cash_n, cash)
    assert got["Owed by cards (negative cash)"][1] == owed
    assert got["Bonus purses"][1] == bonus and got["Allowance purses"][1] == allowance
    assert got["Deposits held"][1] == deposits
    assert got["Owed to holders"][1] == cash + owed + bonus + allowance + deposits
    k = site.sums("'all'")["all"]
    assert got["Breakage in the range"][1] == -k["expire"][BONUS] - k["allowance_reset"][ALLOW]
    assert got["Breakage in the range"][1] > 0


def test_top_cards_equal_the_journal_per_card(site: Site) -> None:
    rows = site.sql(
        "SELECT c.number, sum(CASE WHEN j.kind = 'sale' THEN 1 ELSE 0 END), "
        "-sum(j.cash_delta + j.bonus_delta + j.allowance_delta) AS spent FROM journal j "
        "JOIN cards c ON c.id = j.card_id WHERE j.created_at >= :start AND j.created_at < "
        ":end AND j.kind IN ('sale', 'void') AND c.number <> 'CASH' GROUP BY c.number "
        "ORDER BY spent DESC, c.number LIMIT 50")
    r = site.run("top-cards")
    assert [(row[1], row[4], row[5]) for row in r.rows] == [tuple(x) for x in rows]
    assert r.values("rank") == list(range(1, len(rows) + 1)) and 10 < len(rows) <= 50


def test_exceptions_list_every_case_to_chase(site: Site) -> None:
    r = site.run("exceptions")
    by = Counter(r.values("category"))
    amounts: Counter[str] = Counter()
    for row in r.rows:
        amounts[str(row[0])] += int(row[-1] or 0)
    offline = site.sql("SELECT count(*), sum(amount) FROM exceptions WHERE sold_at >= :start "
                       "AND sold_at < :end")[0]
    blocked = site.sql("SELECT count(*) FROM cards WHERE status = 'blocked'")[0][0]
    k = site.sums("'all'")["all"]
    shifts = site.sql("SELECT count(*), sum(difference) FROM shifts WHERE closed_at >= "
                      ":start AND closed_at < :end AND difference <> 0")[0]
    assert offline[0] > 0 and blocked > 0
    assert sum(by[c] for c in by if c not in ("Card blocked", "Void", "Recharge corrected",
                                              "Shift difference")) == offline[0]
    assert by["Card blocked"] == blocked
    assert (by["Void"], amounts["Void"]) == (k["void"][n_], purse(k["void"]) + k["void"][TEND])
    assert by["Recharge corrected"] == k["correction"][n_]
    assert (by["Shift difference"], amounts["Shift difference"]) == (1, shifts[1]) == (
        shifts[0], -250)
    assert HOLDER in r.values("holder")  # the void of the Chinese holder's sale


def test_shift_reports_reprint_the_frozen_zs(site: Site) -> None:
    r = site.run("shift")
    rows = site.sql("SELECT z_no, expected, counted_total, difference FROM shifts WHERE "
                    "closed_at >= :start AND closed_at < :end ORDER BY closed_at, till_id")
    assert [(row[1], row[10], row[11], row[12]) for row in r.rows] == [tuple(x) for x in rows]
    assert r.values("closed_by") == ["收银员", "收银员"]
    one = site.service.run(site.manager, ReportKind.SHIFT, site.first, site.last, "zh_CN",
                           shift_id=site.shift_id)
    got = dict(zip(one.values("item"), one.values("amount"), strict=True))
    assert got["差额"] == -250 and got["钱箱应有"] == 20_950 and one.title.startswith("班次")


# -- the service's guards ------------------------------------------------------------------

def test_a_cashier_is_refused_and_bad_ranges_are_clear(site: Site) -> None:
    cashier = Session(1, "c", "Cashier", Role.CASHIER)
    with pytest.raises(PermissionDenied):
        site.service.run(cashier, "summary", site.first, site.last)
    with pytest.raises(ValueError, match="after the last day"):
        site.service.run(site.manager, "summary", site.last, site.first)
    with pytest.raises(ValueError, match="bogus"):
        site.service.run(site.manager, "bogus", site.first, site.last)


@pytest.mark.parametrize("kind", [k.value for k in ReportKind])
def test_a_range_without_entries_is_zeros_in_both_languages(site: Site, kind: str) -> None:
    before = site.first - timedelta(days=400)
    for language in ("en", "zh_CN"):
        r = site.service.run(site.manager, kind, before, before + timedelta(days=2), language)
        assert r.kind is ReportKind(kind) and all(c.definition for c in r.columns)
        if kind in ("liability", "exceptions"):
            continue  # a state as of now, beside the range
        money = [i for i, c in enumerate(r.columns) if c.type.value == "money"]
        for row in (*r.rows, *([r.totals] if r.totals else [])):
            assert all(row[i] in (0, None) for i in money), (kind, row)


def test_reports_in_chinese_carry_chinese_titles(site: Site) -> None:
    r = site.run("booths", "zh_CN")
    assert r.title == "按档口（含分成）" and r.columns[0].title == "档口"
    assert "营业额" in [c.title for c in r.columns]
