"""The reports that are not sums of facts: names, top cards, audit, purses, exceptions, Zs.

Each reads what the facts cannot hold (a card, a holder, a purse as it stands now, an
audit row, a frozen Z) with one aggregate query over an indexed range of instants (the
business days' bounds from ``SiteClock.day_bounds``), never a loop per card. Plain
SELECTs on either engine, so a replica serves them as well as the centre.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, case, func, or_, select

from tillcard.domain.clock import SiteClock
from tillcard.domain.journal import EntryKind
from tillcard.domain.report_build import Frame, Names, PurseTotals
from tillcard.domain.reports import Cell, Report, ReportKind
from tillcard.domain.shift import ShiftSummary
from tillcard.store.day_totals import BOOTH_SHARES
from tillcard.store.ledger import CASH_CARD
from tillcard.store.schema import (
    AuditRow,
    BonusGrantRow,
    CardRow,
    CardTypeRow,
    ExceptionRow,
    HolderRow,
    JournalRow,
    MealWindowRow,
    PurseRow,
    ShiftRow,
    TillRow,
    UserRow,
)

J = JournalRow


def names(conn: Connection) -> Names:
    """Every name a report shows for an id, and each booth's owner rate."""
    def pairs(q: Any) -> dict[Any, Any]:
        return {r[0]: r[1] for r in conn.execute(q)}

    return Names(
        tills=pairs(select(TillRow.id, TillRow.name)),
        users=pairs(select(UserRow.id, UserRow.name)),
        card_types=pairs(select(CardTypeRow.id, CardTypeRow.name)),
        meals={(t, p): n for t, p, n in conn.execute(select(
            MealWindowRow.card_type_id, MealWindowRow.position, MealWindowRow.name))},
        owner_bp=pairs(select(BOOTH_SHARES.c.booth, BOOTH_SHARES.c.owner_bp)))


def _local(clock: SiteClock, at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(clock.zone).strftime("%Y-%m-%d %H:%M")


def _purse(j: Any = J) -> Any:
    return j.cash_delta + j.bonus_delta + j.allowance_delta


# -- top cards --------------------------------------------------------------------------------

def top_cards(conn: Connection, frame: Frame, start: datetime, end: datetime,
              limit: int) -> Report:
    """The cards that spent most: sales paid from their purses, less voids."""
    spent = (-func.sum(_purse())).label("spent")
    sales = func.sum(case((J.kind == EntryKind.SALE.value, 1), else_=0)).label("sales")
    walk_in = select(CardRow.id).where(CardRow.number == CASH_CARD)
    per_card = (select(J.card_id, sales, spent)
                .where(J.created_at >= start, J.created_at < end,
                       J.kind.in_((EntryKind.SALE.value, EntryKind.VOID.value)),
                       J.card_id.not_in(walk_in))
                .group_by(J.card_id).cte("per_card"))
    # the names are joined to the leaders only: every card spending at least the
    # ``limit``-th amount (ties at the cut kept, so the order by number stays exact)
    cut = (select(per_card.c.spent).order_by(per_card.c.spent.desc())
           .offset(limit - 1).limit(1).scalar_subquery())
    q = (select(CardRow.number, HolderRow.name, CardTypeRow.name, per_card.c.sales,
                per_card.c.spent)
         .join(CardRow, CardRow.id == per_card.c.card_id)
         .join(HolderRow, HolderRow.id == CardRow.holder_id)
         .join(CardTypeRow, CardTypeRow.id == CardRow.card_type_id)
         .where(or_(cut.is_(None), per_card.c.spent >= cut))
         .order_by(per_card.c.spent.desc(), CardRow.number).limit(limit))
    rows = [[i, r[0], r[1], r[2], int(r[3]), int(r[4])]
            for i, r in enumerate(conn.execute(q).all(), start=1)]
    totals: list[Cell] = [None, frame.t("row.total"), None, None,
                          sum(int(r[4] or 0) for r in rows), sum(int(r[5] or 0) for r in rows)]
    cols = [frame.col("rank"), frame.col("card"), frame.col("holder"), frame.col("card_type"),
            frame.col("sales"), frame.col("spent")]
    notes = [] if rows else [frame.t("note.empty")]
    return frame.report(ReportKind.TOP_CARDS, cols, rows, totals, notes=notes)


# -- the audit log and the purses as they stand ------------------------------------------

def audit_counts(conn: Connection, start: datetime, end: datetime) -> dict[str, int]:
    rows = conn.execute(select(AuditRow.action, func.count()).where(
        AuditRow.at >= start, AuditRow.at < end).group_by(AuditRow.action))
    return {a: int(n) for a, n in rows}


def _pos_sum(col: Any) -> Any:
    return func.coalesce(func.sum(case((col > 0, col), else_=0)), 0)


def _pos_count(col: Any) -> Any:
    return func.coalesce(func.sum(case((col > 0, 1), else_=0)), 0)


def purse_totals(conn: Connection, today: date) -> PurseTotals:
    """Holders' purses and deposits now; bonus past expiry that no entry took out yet."""
    p = PurseRow
    purses = conn.execute(select(
        _pos_sum(p.cash), _pos_count(p.cash),
        func.coalesce(func.sum(case((p.cash < 0, p.cash), else_=0)), 0),
        func.coalesce(func.sum(case((p.cash < 0, 1), else_=0)), 0),
        func.coalesce(func.sum(p.bonus), 0), _pos_count(p.bonus),
        func.coalesce(func.sum(p.allowance), 0), _pos_count(p.allowance))).one()
    g = BonusGrantRow
    lapsed = conn.execute(select(func.coalesce(func.sum(g.remaining), 0),
                                 func.count(func.distinct(g.card_id))).where(
        g.remaining > 0, g.expires_on < today)).one()
    deposits = conn.execute(select(_pos_sum(CardRow.deposit_held),
                                   _pos_count(CardRow.deposit_held))).one()
    v = [int(x) for x in (*purses, *lapsed, *deposits)]
    return PurseTotals(cash=v[0], cash_cards=v[1], owed=v[2], owed_cards=v[3], bonus=v[4],
                       bonus_cards=v[5], allowance=v[6], allowance_cards=v[7],
                       bonus_lapsed=v[8], bonus_lapsed_cards=v[9], deposits=v[10],
                       deposit_cards=v[11])


# -- exceptions ----------------------------------------------------------------------------

EXCEPTION_ORDER = ("exception", "blocked", "void", "correction", "shift")


def _exception_kind(kind: str) -> str:
    if kind.startswith("sold_while"):
        return "ex.sold_while"
    return f"ex.{kind}" if kind in ("negative_balance", "bonus_moved_to_cash") else "ex.other"


def _entry_lines(conn: Connection, clock: SiteClock, start: datetime, end: datetime,
                 n: Names) -> list[tuple[str, list[Cell]]]:
    """Voids and corrections of the range, each with who, where and how much."""
    q = (select(J.kind, J.created_at, J.till_id, J.cashier_id, CardRow.number,
                HolderRow.name, _purse(), J.tendered_cash, J.cash_delta, J.bonus_delta)
         .join(CardRow, CardRow.id == J.card_id)
         .join(HolderRow, HolderRow.id == CardRow.holder_id)
         .where(J.created_at >= start, J.created_at < end,
                J.kind.in_((EntryKind.VOID.value, EntryKind.CORRECTION.value)))
         .order_by(J.created_at, J.till_id, J.seq))
    out = []
    for r in conn.execute(q).all():
        void = r[0] == EntryKind.VOID.value
        amount = r[6] + r[7] if void else -(r[8] + r[9])
        out.append(("void" if void else "correction", [
            None, _local(clock, r[1]), n.tills.get(r[2], f"#{r[2]}"),
            _user(n, r[3]), r[4], r[5], int(amount)]))
    return out


def _user(n: Names, user_id: int | None) -> str:
    return "" if user_id is None else n.users.get(user_id, f"#{user_id}")


def _exception_lines(conn: Connection, frame: Frame, clock: SiteClock, start: datetime,
                     end: datetime, n: Names) -> list[tuple[str, list[Cell]]]:
    x = ExceptionRow
    q = (select(x.kind, x.sold_at, x.till_id, x.cashier_id, CardRow.number, HolderRow.name,
                x.amount)
         .join(CardRow, CardRow.id == x.card_id)
         .join(HolderRow, HolderRow.id == CardRow.holder_id)
         .where(x.sold_at >= start, x.sold_at < end).order_by(x.sold_at, x.id))
    return [("exception", [frame.t(_exception_kind(r.kind)), _local(clock, r.sold_at),
                           n.tills.get(r.till_id, f"#{r.till_id}"), _user(n, r.cashier_id),
                           r.number, r.name, int(r.amount)]) for r in conn.execute(q).all()]


def _blocked_lines(conn: Connection) -> list[tuple[str, list[Cell]]]:
    q = (select(CardRow.number, HolderRow.name, PurseRow.cash)
         .join(HolderRow, HolderRow.id == CardRow.holder_id)
         .join(PurseRow, PurseRow.card_id == CardRow.id)
         .where(CardRow.status == "blocked").order_by(CardRow.number))
    return [("blocked", [None, None, None, None, r.number, r.name, int(r.cash)])
            for r in conn.execute(q).all()]


def _shift_lines(conn: Connection, clock: SiteClock, start: datetime, end: datetime,
                 n: Names) -> list[tuple[str, list[Cell]]]:
    s = ShiftRow
    q = select(s.closed_at, s.till_id, s.closed_by, s.difference).where(
        s.closed_at >= start, s.closed_at < end, s.difference != 0).order_by(s.closed_at)
    return [("shift", [None, _local(clock, r.closed_at), n.tills.get(r.till_id, f"#{r.till_id}"),
                       _user(n, r.closed_by), None, None, int(r.difference or 0)])
            for r in conn.execute(q).all()]


def exceptions(conn: Connection, frame: Frame, clock: SiteClock, start: datetime,
               end: datetime, n: Names) -> Report:
    """Offline exceptions, blocked cards (now), voids, corrections, shift differences."""
    lines = (_exception_lines(conn, frame, clock, start, end, n) + _blocked_lines(conn)
             + _entry_lines(conn, clock, start, end, n)
             + _shift_lines(conn, clock, start, end, n))
    lines.sort(key=lambda c: EXCEPTION_ORDER.index(c[0]))  # stable: in time within each
    category: dict[str, str] = {}  # one look-up per category, not per line
    for cat, cells in lines:
        if cells[0] is None:
            if cat not in category:
                category[cat] = frame.t(f"ex.{cat}")
            cells[0] = category[cat]
    cols = [frame.col("category"), frame.col("at"), frame.col("till"), frame.col("cashier"),
            frame.col("card"), frame.col("holder"), frame.col("amount", "exception_amount")]
    notes = [frame.t(f"exwhy.{c}") for c in EXCEPTION_ORDER]
    return frame.report(ReportKind.EXCEPTIONS, cols, [c for _, c in lines], notes=notes)


# -- shifts: the frozen Zs, reprinted --------------------------------------------------------

def _snapshots(conn: Connection, start: datetime, end: datetime,
               shift_id: uuid.UUID | None) -> list[ShiftSummary]:
    s = ShiftRow
    q = select(s.snapshot).where(s.closed_at.is_not(None), s.snapshot.is_not(None))
    q = (q.where(s.id == shift_id) if shift_id is not None
         else q.where(s.closed_at >= start, s.closed_at < end))
    return [ShiftSummary.from_snapshot(t or "") for t in conn.execute(
        q.order_by(s.closed_at, s.till_id)).scalars()]


def _who(z: ShiftSummary, n: Names, user: int | None) -> str:
    return "" if user is None else z.names.get(user) or _user(n, user)


def _shift_row(z: ShiftSummary, clock: SiteClock, n: Names) -> list[Cell]:
    t = z.totals
    return [n.tills.get(z.till_id, f"#{z.till_id}"), z.z_no, _local(clock, z.opened_at),
            _local(clock, z.closed_at), _who(z, n, z.closed_by), t.sales + t.cash_sales,
            t.net_sales, t.cash_in, t.cash_out, z.float_count.total, z.expected,
            None if z.counted is None else z.counted.total, z.difference]


SHIFT_COLUMNS = ("till", "z_no", "opened", "closed", "closed_by", "sales", "shift_revenue",
                 "cash_in", "cash_out", "float", "expected", "counted", "difference")


def shifts(conn: Connection, frame: Frame, clock: SiteClock, start: datetime,
           end: datetime, n: Names, shift_id: uuid.UUID | None = None) -> Report:
    """The Zs closed in the range, one row each; or one Z's every figure, as printed."""
    zs = _snapshots(conn, start, end, shift_id)
    if shift_id is not None:
        if not zs:
            raise ValueError(f"no closed shift {shift_id}")
        return _one_shift(zs[0], frame, clock, n)
    rows = [_shift_row(z, clock, n) for z in zs]
    sums: list[Cell] = [sum(int(r[i] or 0) for r in rows) for i in range(5, 13)]
    totals: list[Cell] = [frame.t("row.total"), None, None, None, None, *sums]
    cols = [frame.col(c) for c in SHIFT_COLUMNS]
    notes = [] if rows else [frame.t("note.empty")]
    return frame.report(ReportKind.SHIFT, cols, rows, totals, notes=notes)


def _one_shift(z: ShiftSummary, frame: Frame, clock: SiteClock, n: Names) -> Report:
    t = z.totals
    lines: Sequence[tuple[str, int | None, int | None]] = (
        ("sales", t.sales, t.sales_list), ("discounts", None, t.discounts),
        ("card_part", None, t.card_part), ("sale_cash", None, t.sale_cash),
        ("voids", t.voids, t.voided_card), ("handed_back", None, t.handed_back),
        ("cash_sales", t.cash_sales, t.cash_sales_amount),
        ("recharges", t.recharges, t.recharge_cash), ("refunds", None, t.refunds),
        ("deposits", None, t.deposits), ("net_sales", None, t.net_sales),
        ("float", None, z.float_count.total), ("cash_in", None, t.cash_in),
        ("cash_out", None, t.cash_out), ("expected", None, z.expected),
        ("counted", None, None if z.counted is None else z.counted.total),
        ("difference", None, z.difference))
    head = frame.t("z.head").format(
        till=n.tills.get(z.till_id, f"#{z.till_id}"), z=z.z_no,
        opened=_local(clock, z.opened_at), closed=_local(clock, z.closed_at),
        by=_who(z, n, z.closed_by))
    notes = [head, *([z.comment] if z.comment else [])]
    cols = [frame.col("item"), frame.col("count"), frame.col("amount")]
    return frame.report(ReportKind.SHIFT, cols, [[frame.t(f"z.{k}"), c, a] for k, c, a in lines],
                        notes=notes, heading=frame.t("title.shift_one"))
