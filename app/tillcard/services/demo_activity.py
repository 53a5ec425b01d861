"""A demo site's years of activity, day by day: the journal lines and the purses they leave.

The rules the ledger applies are followed so the result is a ledger ``tillcard verify``
accepts and that looks like a real canteen: purses pay in the card type's order (bonus
grants soonest-expiring first), discounts round half up, limits and meal windows are kept
(a holder over a limit pays cash), stale bonus leaves through an ``expire`` entry before
the next sale, a till that was offline back-fills its sales when it comes back (dated
when they happened, recorded later, possibly overdrawing a card, which is then blocked).
The card office issues cards, grants and resets allowances monthly, corrects a wrong
recharge, replaces a lost card and closes a card (``demo_office``).

Instants inside the generator are naive datetimes in UTC (an aware one formats four times
slower, and ten million entries format two each); ``Projection`` hands out aware ones.
"""

from __future__ import annotations

import bisect
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, cast

from tillcard.domain.meals import MealCounter, window_at
from tillcard.domain.wallet import ALLOWANCE, BONUS
from tillcard.services.demo_chain import Chains, NewGrant, Parts, Record
from tillcard.services.demo_site import DemoCard, DemoHolder, DemoSite, DemoType

if TYPE_CHECKING:
    from tillcard.services.demo_office import Office

WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 0.95, 0.45, 0.35)
# minute of the day (local): breakfast, lunch and supper peaks over a thin background
PEAKS = ((7 * 60 + 45, 35, 0.17), (12 * 60 + 5, 28, 0.50), (18 * 60 + 5, 35, 0.25))
OPEN, CLOSE = 6 * 60 + 30, 21 * 60 + 30
SALE_SPREAD_US = 60_000_000
AFTERNOON = (14 * 60 + 30) * 60_000_000  # the second shift takes over
VOID_RATE, CASH_SALE_RATE, OUTAGE_RATE = 0.005, 0.04, 0.35
# a card an offline sale left owing is blocked; its holder tops it up at a till within
# a week, which unblocks it: a site does not keep a third of its cards blocked, and the
# exceptions report lists the few that still owe
SETTLE_DAYS = (1, 7)
MEAL_CUM = (0.2, 0.7)  # a meal holder eats breakfast, lunch or supper: 20, 50, 30 %


@dataclass
class Grant:
    card: int
    remaining: int
    expires: date
    version: int = 0
    amount: int = 0  # as made


@dataclass
class CardState:
    """A card's purses, day counter and status as its entries leave them."""

    card: DemoCard
    kind: DemoType
    cash: int = 0
    allowance: int = 0
    grants: dict[str, Grant] = field(default_factory=dict)  # live (remaining ≠ 0) only
    version: int = 0
    day: date | None = None
    day_amount: int = 0
    day_count: int = 0
    meal: MealCounter = field(default_factory=MealCounter)  # the last counted window
    status: str = "active"
    deposit: int = 0
    replaced_by: int | None = None
    reason: str = ""
    updated: datetime | None = None
    settles_on: date | None = None  # blocked owing: the day its holder tops it up

    def live(self, today: date) -> list[tuple[str, Grant]]:
        if not self.grants:
            return []
        return sorted(((i, g) for i, g in self.grants.items()
                       if g.remaining > 0 and g.expires >= today),
                      key=lambda x: (x[1].expires, x[0]))

    def balance(self, today: date) -> int:
        return self.cash + self.allowance + sum(
            g.remaining for g in self.grants.values() if g.remaining > 0 and g.expires >= today)


@dataclass
class DayBatch:
    """One business day: cards issued that day (before its lines), then its lines."""

    day: date
    holders: list[DemoHolder]
    cards: list[DemoCard]
    lines: list[Record]  # to chain in order (``demo_chain.Hasher``)


@dataclass(frozen=True)
class DemoPlan:
    entries: int
    days: int
    last_day: date
    seed: int

    @property
    def first_day(self) -> date:
        return self.last_day - timedelta(days=self.days - 1)


class Activity:
    """Generates the site's days; after the last, its state is the projection to store."""

    def __init__(self, site: DemoSite, plan: DemoPlan, rng: random.Random) -> None:
        self.site, self.plan, self.rng = site, plan, rng
        self.chains = Chains(rng)
        self.states: dict[int, CardState] = {}
        self.grants: dict[str, Grant] = {}  # every grant ever made, by id
        self.exceptions: list[tuple[object, ...]] = []
        self.batches: list[tuple[object, ...]] = []  # allowance_batches rows
        self.kinds: dict[str, int] = {}
        self.recharges: deque[tuple[str, int, int]] = deque(maxlen=500)  # id, card, amount
        self._lines: list[Record] = []
        self._bases: dict[date, tuple[datetime, datetime]] = {}
        self._zone = site.clock.zone
        self._cutoff = site.clock.cutoff_minutes
        self.day = plan.first_day

    # -- the run --------------------------------------------------------------------------

    def run(self) -> Iterator[DayBatch]:
        from tillcard.services.demo_office import Office

        office = Office(self)
        weights = [WEEKDAY_WEIGHT[(self.plan.first_day + timedelta(days=i)).weekday()]
                   * self.rng.uniform(0.9, 1.1) for i in range(self.plan.days)]
        total = sum(weights)
        cum = 0.0
        for i in range(self.plan.days):
            self.day = self.plan.first_day + timedelta(days=i)
            cum += weights[i]
            last = i == self.plan.days - 1
            target = self.plan.entries if last else round(self.plan.entries * cum / total)
            holders, cards = office.morning(i)
            self._sales(max(0, round((target - self.chains.lines) / 1.12)), office, i)
            if last:
                self._fill()
            lines, self._lines = self._lines, []
            yield DayBatch(self.day, holders, cards + office.issued(), lines)

    def room(self, n: int) -> bool:
        return self.chains.lines + n <= self.plan.entries

    # -- time -----------------------------------------------------------------------------

    def at(self, micros: int) -> datetime:
        """The instant ``micros`` after local midnight of the business day (cut-off aware)."""
        bases = self.bases()
        if micros < self._cutoff * 60_000_000:  # after midnight: the next calendar day's
            return bases[1] + timedelta(microseconds=micros)
        return bases[0] + timedelta(microseconds=micros)

    def bases(self) -> tuple[datetime, datetime]:
        """Local midnights (naive UTC) that begin the business day and the calendar day after."""
        bases = self._bases.get(self.day)
        if bases is None:
            bases = self._bases[self.day] = (self._midnight(self.day),
                                             self._midnight(self.day + timedelta(days=1)))
        return bases

    def _midnight(self, day: date) -> datetime:
        """Local midnight of ``day`` in UTC, at the offset of its noon (DST moves at night)."""
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=self._zone)
        off = noon.utcoffset() or timedelta(0)
        return datetime(day.year, day.month, day.day) - off

    def minute_us(self, minute: float) -> int:
        return int(minute * 60_000_000) + int(self.rng.random() * SALE_SPREAD_US)

    # -- entries --------------------------------------------------------------------------

    def emit(self, till: int, kind: str, st: CardState | None, card: int, at: datetime, *,
             cash: int = 0, parts: Parts | None = None, allow: int = 0,
             grant: NewGrant | None = None, lst: int = 0, disc: int = 0, tend: int = 0,
             refers: str | None = None, cashier: int | None = None,
             recorded: datetime | None = None, eid: str | None = None) -> str:
        """Append one entry to ``till``'s chain and move ``st``'s purses as the trigger does."""
        rec = recorded or at
        eid = eid or self.chains.entry_id(rec)
        parts = parts or []
        self._lines.append(self.chains.append(eid, till, kind, card, cash, parts, allow,
                                              grant, lst, disc, tend, refers, cashier, at,
                                              rec))
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if st is None:
            return eid
        st.cash += cash
        st.allowance += allow
        st.version += 1
        st.updated = rec
        for gid, d in parts:
            g = self.grants[gid]
            g.remaining += d
            g.version = st.version
            if g.remaining == 0:
                st.grants.pop(gid, None)
            else:
                st.grants[gid] = g
        if grant is not None:
            g = self.grants[grant[0]] = Grant(card, grant[1], grant[2], st.version,
                                                 grant[1])
            st.grants[grant[0]] = g
        return eid

    def recharge(self, st: CardState, till: int, amount: int, at: datetime,
                 cashier: int | None) -> str:
        rule = st.kind.card_type.recharge
        bonus = rule.bonus_for(amount)
        eid = self.chains.entry_id(at)
        grant = (eid, bonus, self.day + timedelta(days=rule.bonus_expiry_days)
                 ) if bonus else None
        self.emit(till, "recharge", st, st.card.id, at, cash=amount, grant=grant, lst=amount,
                  cashier=cashier, eid=eid)
        self.recharges.append((eid, st.card.id, amount))
        if st.status == "blocked" and st.balance(self.day) >= 0:
            st.status = "active"
        return eid

    def cash_sale(self, till: int, at: datetime, cashier: int | None,
                  recorded: datetime | None = None) -> None:
        amount = self.rng.choice((600, 800, 1_000, 1_200, 1_500, 2_000, 3_500))
        self.emit(till, "cash_sale", None, self.site.walk_in, at, lst=amount, tend=amount,
                  cashier=cashier, recorded=recorded)

    # -- sales ----------------------------------------------------------------------------

    def _sales(self, n: int, office: Office, index: int) -> None:
        rng, rand, pick = self.rng, self.rng.random, bisect.bisect
        tills = [t.id for t in self.site.tills]
        till_cum = _cumulative([t.weight for t in self.site.tills])
        active = [s for s in self.states.values() if s.status == "active"]
        card_cum = _cumulative([s.card.weight for s in active])
        till_top, card_top, minute = till_cum[-1], card_cum[-1], self._minute
        outage = None
        if tills and rng.random() < OUTAGE_RATE:
            start = rng.randrange(11 * 60, 13 * 60) * 60_000_000
            outage = (rng.choice(tills), start, start + rng.randrange(15, 50) * 60_000_000)
        events: list[tuple[int, int, int, int, int]] = []  # (applied, made, n, till, card)
        for k in range(n if tills else 0):
            till = tills[pick(till_cum, rand() * till_top)]
            card = -1
            if active and rand() >= CASH_SALE_RATE:
                card = pick(card_cum, rand() * card_top)
            made = minute(active[card] if card >= 0 else None)
            applied = made
            if outage and till == outage[0] and outage[1] <= made < outage[2]:
                applied = outage[2] + made // 1000  # back-filled, in the order they were made
            events.append((applied, made, k, till, card))
        owing = [s for s in self.states.values() if s.status == "blocked"
                 and s.settles_on is not None and s.settles_on <= self.day]
        for i in range(len(owing)):
            if tills:
                made = minute(None)
                events.append((made, made, n + i, tills[pick(till_cum, rand() * till_top)],
                               -2 - i))
        events.extend(office.day_events(index))
        events.sort()
        base, after = self.bases()
        cutoff, cashiers = self._cutoff * 60_000_000, self.site.cashiers
        chains, last, delay = self.chains, self.plan.entries, timedelta(milliseconds=30)
        for applied, made, _k, till, card in events:
            if chains.lines >= last:
                return
            at = (after if made < cutoff else base) + timedelta(microseconds=made)
            if till < 0:
                office.run(card, at)
                continue
            offline = applied != made
            rec = ((after if applied < cutoff else base) + timedelta(microseconds=applied)
                   if offline else at + delay)
            cashier = cashiers[till][0 if made < AFTERNOON else 1]
            if card <= -2:  # an owing holder settles up
                debtor = owing[-2 - card]
                if debtor.status == "blocked" and self.room(1):
                    self.recharge(debtor, till, self.rng.choice(debtor.kind.recharges)
                                  + max(0, -debtor.balance(self.day)), at, cashier)
                continue
            st = active[card] if card >= 0 else None
            for _ in range(3):  # refused (a limit, a meal had): the next in the queue
                if st is None or self._card_sale(st, till, at, rec, cashier, offline, made):
                    break
                st = active[pick(card_cum, rand() * card_top)]
            else:
                st = None
            if st is None:
                self.cash_sale(till, at, cashier, rec)

    def _minute(self, st: CardState | None) -> int:
        rng = self.rng
        if st is not None and st.kind.card_type.refuse_outside_windows:
            windows = st.kind.card_type.meal_windows
            w = windows[bisect.bisect(_meal_cum(len(windows)), rng.random())]
            mid, half = (w.start_min + w.end_min) / 2, (w.end_min - w.start_min) / 2
            m = min(max(rng.gauss(mid, half / 2), w.start_min), w.end_min - 1.01)
            return self.minute_us(m)
        r = rng.random()
        for centre, sd, share in PEAKS:
            if r < share:
                return self.minute_us(min(max(rng.gauss(centre, sd), OPEN), CLOSE))
            r -= share
        return self.minute_us(rng.uniform(9 * 60 + 30, 21 * 60))

    def _card_sale(self, st: CardState, till: int, at: datetime, rec: datetime,
                   cashier: int, offline: bool, made: int) -> bool:
        """``False``: refused (its status, a limit, a meal window), nothing written."""
        ct, today = st.kind.card_type, self.day
        if st.status != "active" or (st.card.valid_until is not None
                                     and today > st.card.valid_until):
            return False
        minute = made // 60_000_000
        window = window_at(ct.meal_windows, minute) if ct.meal_windows else None
        if window is None:
            if ct.refuse_outside_windows:
                return False
        elif window.count_limit and st.meal.had(today, window) >= window.count_limit:
            return False
        rand = self.rng.random
        if window is not None and window.fixed_price:
            amount = window.fixed_price
        else:
            prices = st.kind.prices
            amount = prices[int(rand() * len(prices))] + int(rand() * 6) * 50
        if offline and ct.offline_limit:
            amount = min(amount, ct.offline_limit)
        disc = (amount * ct.discount_bp + 5_000) // 10_000 if ct.discount_bp else 0
        charge = amount - disc
        spent_amount, spent_count = (st.day_amount, st.day_count) if st.day == today else (0, 0)
        if (ct.per_txn_limit and charge > ct.per_txn_limit) or (
                ct.daily_count_limit and spent_count + 1 > ct.daily_count_limit) or (
                ct.daily_amount_limit and spent_amount + charge > ct.daily_amount_limit):
            return False
        stale = [(i, g) for i, g in st.grants.items()
                 if g.remaining > 0 and g.expires < today] if st.grants else []
        need = 1 + bool(stale)
        available = st.balance(today)
        if not offline and available < charge and rand() < 0.7:
            need += 1
        if not self.room(need):
            return False
        if stale:
            self.emit(till, "expire", st, st.card.id, at, parts=[
                (i, -g.remaining) for i, g in sorted(stale, key=lambda x: (x[1].expires, x[0]))],
                cashier=cashier, recorded=rec)
        if need - bool(stale) == 2:  # tops up at the till first (F6)
            self.recharge(st, till, self.rng.choice(st.kind.recharges) + charge, at, cashier)
            available = st.balance(today)
        part = charge if offline else min(charge, max(available, 0))
        if part == 0:
            self.cash_sale(till, at, cashier, rec)  # nothing on the card: pays in cash
            return True
        parts, allow, cash = self._allocate(st, part, today)
        eid = self.emit(till, "sale", st, st.card.id, at, cash=-cash, parts=parts,
                        allow=-allow, lst=amount, disc=disc, tend=charge - part,
                        cashier=cashier, recorded=rec)
        if st.day is None or today > st.day:
            st.day, st.day_amount, st.day_count = today, part, 1
        elif today == st.day:
            st.day_amount += part
            st.day_count += 1
        if window is not None:
            st.meal = st.meal.add(today, minute, ct.meal_windows, self._cutoff)
        if st.cash < 0:
            self._overdrawn(st, eid, till, cashier, at, rec)
        elif not offline and rand() < VOID_RATE and self.room(1):
            self._void(st, eid, till, cashier, at, part, parts, allow, cash, charge - part)
            st.meal = st.meal.remove(today, minute, ct.meal_windows)
        return True

    def _allocate(self, st: CardState, amount: int, today: date) -> tuple[Parts, int, int]:
        """``Wallet.allocate``: the purses in the type's order, the excess on cash."""
        rest, parts, allow, cash = amount, [], 0, 0
        for purse in st.kind.card_type.spend_order:
            if rest == 0:
                break
            if purse == BONUS:
                for gid, g in st.live(today):
                    if rest == 0:
                        break
                    take = min(g.remaining, rest)
                    parts.append((gid, -take))
                    rest -= take
            elif purse == ALLOWANCE:
                allow = min(max(st.allowance, 0), rest)
                rest -= allow
            else:
                cash = min(max(st.cash, 0), rest)
                rest -= cash
        return parts, allow, cash + rest

    def _void(self, st: CardState, sale: str, till: int, cashier: int, at: datetime,
              part: int, parts: Parts, allow: int, cash: int, tend: int) -> None:
        when = at + timedelta(seconds=self.rng.randrange(5, 40))
        self.emit(till, "void", st, st.card.id, when, cash=cash,
                  parts=[(g, -d) for g, d in parts], allow=allow, tend=tend, refers=sale,
                  cashier=cashier, recorded=when)
        if st.day == self.day:
            st.day_amount, st.day_count = max(0, st.day_amount - part), max(0, st.day_count - 1)

    def _overdrawn(self, st: CardState, eid: str, till: int, cashier: int, at: datetime,
                   rec: datetime) -> None:
        """A back-filled sale left the card owing: blocked, and a manager's exception."""
        st.status = "blocked"
        st.settles_on = self.day + timedelta(days=self.rng.randint(*SETTLE_DAYS))
        self.exceptions.append((eid, till, st.card.id, cashier, "negative_balance", st.cash,
                                _aware(at), _aware(rec)))

    def _fill(self) -> None:
        """The last day's evening: cash sales until the journal holds exactly N entries."""
        micros = 21 * 3_600_000_000
        till = self.site.tills[0].id if self.site.tills else self.site.office.id
        while self.room(1):
            micros += 1_000_000
            at = self.at(micros)
            self.cash_sale(till, at, self.site.cashiers.get(till, [None])[-1])


class Projection:
    """What the journal leaves once every day has run: the rows a load writes beside it."""

    def __init__(self, act: Activity) -> None:
        self._act = act

    def purses(self) -> list[tuple[object, ...]]:
        now = datetime.now(UTC)
        return [(c, s.cash, sum(g.remaining for g in s.grants.values()), s.allowance, s.day,
                 s.day_amount, s.day_count, _aware(s.updated) if s.updated else now,
                 s.version,
                 s.meal.day, s.meal.minute, s.meal.count)
                for c, s in self._act.states.items()]

    def grants(self) -> list[tuple[object, ...]]:
        return [(i, g.card, g.remaining, g.expires, i, g.version)
                for i, g in self._act.grants.items()]

    def heads(self) -> list[tuple[int, int, datetime]]:
        """Each till's last number and latest instant (its hash is the ``Hasher``'s)."""
        return [(t, h.seq, _aware(h.at)) for t, h in self._act.chains.heads.items()]

    def batches(self) -> list[tuple[object, ...]]:
        """``allowance_batches`` rows, their instant (the 7th) made aware."""
        return [(*b[:6], _aware(cast(datetime, b[6])), *b[7:]) for b in self._act.batches]

    def statuses(self) -> list[tuple[int, str, int, int | None, str]]:
        """Cards the office or an overdraft changed (the loader rewrites their rows)."""
        owing = {e[2] for e in self._act.exceptions}
        return [(c, s.status, s.deposit, s.replaced_by, s.reason)
                for c, s in self._act.states.items()
                if s.status != "active" or s.reason or c in owing]


def _meal_cum(n: int) -> tuple[float, ...]:
    """Cumulative weights of a meal holder's windows: breakfast, lunch, supper (then even)."""
    return MEAL_CUM if n == len(MEAL_CUM) else tuple((i + 1) / n for i in range(n - 1))


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC)


def _cumulative(weights: list[float]) -> list[float]:
    out, s = [], 0.0
    for w in weights:
        s += w
        out.append(s)
    return out or [0.0]
