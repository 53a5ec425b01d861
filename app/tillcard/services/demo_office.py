"""The demo site's card office: issuing, monthly allowance batches, corrections, lost cards.

Entries of the shapes the card office's functions write (``sql_0013``): a deposit and an
opening recharge per card issued, one ``allowance`` entry per card of a type each month
(and the ``allowance_reset`` of what was left, for types that reset), a recharge taken
back (``correction``), a lost card's purses moved to its replacement (``transfer_out`` and
``transfer_in``, one per bonus grant moved), a card closed (``refund``). A few of the rare
kinds are scheduled on random days so that even a small run holds every kind of entry.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from tillcard.services.demo_site import DemoCard, DemoHolder

if TYPE_CHECKING:
    from tillcard.services.demo_activity import Activity, CardState

CORRECTION, REPLACE, CLOSE, FREEZE = range(4)
OFFICE_KEY = 10**12  # sorts the office's events after the day's sales of the same instant


class Office:
    """The card office's till and its admin, acting on the activity's cards."""

    def __init__(self, act: Activity) -> None:
        self.act = act
        self.till = act.site.office.id
        self.admin = act.site.admin.id
        self._new: list[DemoCard] = []
        self._corrected: set[str] = set()
        self._granted: dict[int, str] = {}  # type index → last period granted
        plan, rng = act.plan, act.rng
        self._schedule: dict[int, list[int]] = {}
        counts = {CORRECTION: max(1, plan.entries // 25_000),
                  REPLACE: max(1, plan.entries // 15_000),
                  CLOSE: max(1, plan.entries // 15_000), FREEZE: max(1, plan.entries // 20_000)}
        for action, n in counts.items():
            for _ in range(n):
                day = rng.randrange(1, plan.days) if plan.days > 1 else 0
                self._schedule.setdefault(day, []).append(action)

    def issued(self) -> list[DemoCard]:
        new, self._new = self._new, []
        return new

    # -- the morning: issue cards, allowance batches ----------------------------------------

    def morning(self, index: int) -> tuple[list[DemoHolder], list[DemoCard]]:
        act = self.act
        micros = max(act.site.clock.cutoff_minutes, 5 * 60) * 60_000_000
        cards: list[DemoCard] = []
        if index == 0:
            cards = list(act.site.cards)
            step = 3_600_000_000 // max(1, len(cards))
            for i, card in enumerate(cards):
                self._issue(card, act.at(micros + i * step))
        day = act.day
        if index == 0 or day.day == 1:
            self._allowance(act.at(micros + 3_700_000_000), day)
        return [c.holder for c in cards], cards

    def _issue(self, card: DemoCard, at: datetime) -> None:
        from tillcard.services.demo_activity import CardState

        act = self.act
        kind = act.site.types[card.type_index]
        st = act.states[card.id] = CardState(card, kind)
        if kind.deposit + kind.card_fee > 0 and act.room(1):
            act.emit(self.till, "deposit", st, card.id, at, lst=kind.deposit,
                     tend=kind.deposit + kind.card_fee, cashier=self.admin)
            st.deposit = kind.deposit
        if act.room(1):
            amount = act.rng.choice(kind.recharges) * (1 if kind.allowance else 2)
            act.recharge(st, self.till, amount, at, self.admin)

    def _allowance(self, at: datetime, day: date) -> None:
        act = self.act
        period = f"{day.year:04d}-{day.month:02d}"
        for t, kind in enumerate(act.site.types):
            if not kind.allowance:
                continue
            type_id = act.site.type_ids[t]
            mine = [s for s in act.states.values() if s.card.type_index == t]
            last = self._granted.get(t)
            if last is not None and last < period and kind.card_type.allowance_reset == "period":
                left = [s for s in mine if s.allowance > 0]
                if not act.room(len(left)):
                    continue
                total = 0
                for s in left:
                    total += s.allowance
                    act.emit(self.till, "allowance_reset", s, s.card.id, at, lst=s.allowance,
                             allow=-s.allowance, cashier=self.admin)
                act.batches.append((type_id, last, "reset", 0, len(left), -total, at,
                                    self.admin))
            takers = [s for s in mine if s.status == "active"]
            if last == period or not act.room(len(takers)):
                continue
            for s in takers:
                act.emit(self.till, "allowance", s, s.card.id, at, lst=kind.allowance,
                         allow=kind.allowance, cashier=self.admin)
            act.batches.append((type_id, period, "grant", kind.allowance, len(takers),
                                len(takers) * kind.allowance, at, self.admin))
            self._granted[t] = period

    # -- the day's scheduled actions ------------------------------------------------------

    def day_events(self, index: int) -> list[tuple[int, int, int, int, int]]:
        events = []
        for j, action in enumerate(self._schedule.get(index, ())):
            micros = self.act.rng.randrange(10 * 60, 16 * 60) * 60_000_000
            events.append((micros, micros, OFFICE_KEY + j, -1, action))
        return events

    def run(self, action: int, at: datetime) -> None:
        act = self.act
        pool = [s for s in act.states.values() if s.status == "active" and s.cash > 0]
        if action == CORRECTION:
            self._correct(at)
        elif pool and action == REPLACE:
            self._replace(act.rng.choice(pool), at)
        elif pool and action == CLOSE:
            self._close(act.rng.choice(pool), at)
        elif pool and action == FREEZE:
            st = act.rng.choice(pool)
            st.status, st.reason = "frozen", "holder on leave 休假"

    def _correct(self, at: datetime) -> None:
        """The latest recharge still held whole on its card is taken back."""
        act = self.act
        for eid, card, amount in reversed(act.recharges):
            st = act.states.get(card)
            if (st is None or eid in self._corrected or st.cash < amount
                    or st.status == "closed" or st.replaced_by is not None):
                continue
            g = act.grants.get(eid)
            take = 0 if g is None else min(max(g.remaining, 0), g.amount)
            if not act.room(1):
                return
            act.emit(self.till, "correction", st, card, at, cash=-amount, lst=amount,
                     parts=[(eid, -take)] if take > 0 else [], refers=eid,
                     cashier=self.admin)
            self._corrected.add(eid)
            return

    def _replace(self, old: CardState, at: datetime) -> None:
        """Reported lost and replaced: everything on it arrives on a new card."""
        from tillcard.services.demo_activity import CardState

        act = self.act
        grants = sorted(((i, g.remaining, g.expires) for i, g in old.grants.items()
                         if g.remaining != 0), key=lambda x: (x[2], x[0]))
        if not act.room(1 + max(1, len(grants))):
            return
        card = act.site.new_card(old.card.holder, old.card.type_index, old.card.weight,
                                 old.card.valid_until)
        self._new.append(card)
        new = act.states[card.id] = CardState(card, old.kind, deposit=old.deposit)
        cash, allowance = old.cash, old.allowance
        out = act.emit(self.till, "transfer_out", old, old.card.id, at, cash=-cash,
                       parts=[(i, -r) for i, r, _ in grants], allow=-allowance,
                       cashier=self.admin)
        for k in range(max(1, len(grants))):
            eid = act.chains.entry_id(at)
            grant = (eid, grants[k][1], grants[k][2]) if grants else None
            act.emit(self.till, "transfer_in", new, card.id, at, eid=eid,
                     cash=cash if k == 0 else 0, allow=allowance if k == 0 else 0,
                     grant=grant, refers=out, cashier=self.admin)
        old.status, old.replaced_by, old.deposit = "lost", card.id, 0
        old.reason = "reported lost 挂失"

    def _close(self, st: CardState, at: datetime) -> None:
        """Closed: cash and deposit paid out, bonus and allowance forfeited."""
        act = self.act
        if not act.room(1):
            return
        grants = sorted(((i, g) for i, g in st.grants.items() if g.remaining != 0),
                        key=lambda x: (x[1].expires, x[0]))
        act.emit(self.till, "refund", st, st.card.id, at, cash=-st.cash,
                 parts=[(i, -g.remaining) for i, g in grants], allow=-st.allowance,
                 lst=st.deposit, tend=st.cash + st.deposit, cashier=self.admin)
        st.status, st.deposit, st.reason = "closed", 0, "left the site 离职"

