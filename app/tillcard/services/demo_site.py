"""A demo site's reference data: booths and tills, cashiers, card types, holders and cards.

What ``tillcard demo-data`` builds before its years of activity (``demo_activity``): a
canteen site with a card office, card types of every kind (staff with a discount and
limits, student, standard with a recharge bonus, a meal type living on a monthly allowance
inside meal windows, visitors whose bonus often lapses), and holders with Chinese and Latin
names. Pure data, drawn from one seeded ``random.Random`` so a seed gives the same site.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from tillcard.domain.cards import BonusTier, CardType, RechargeRule
from tillcard.domain.clock import SiteClock
from tillcard.domain.meals import MealWindow
from tillcard.domain.wallet import ALLOWANCE, BONUS, CASH
from tillcard.store.bulk_load import IdBase

BOOTHS = ("North Canteen 北区食堂", "South Canteen 南区食堂", "Noodle Bar 面馆", "Café 咖啡")
OFFICE_BOOTH = "Card Office 卡务中心"

SURNAMES_ZH = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"
GIVEN_ZH = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
            "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "志强", "晓明", "雪", "慧")
SURNAMES_LATIN = ("Wang", "Li", "Zhang", "Liu", "Chen", "Smith", "Müller", "García",
                  "Nguyen", "Kim", "Rossi", "Dubois", "Novak", "Silva", "Okafor", "Sato")
GIVEN_LATIN = ("Wei", "Na", "Min", "Anna", "Ben", "Clara", "David", "Elena", "Farid", "Grace",
               "Hugo", "Ines", "Jonas", "Kofi", "Lena", "Marco", "Nora", "Omar", "Paula")


@dataclass(frozen=True)
class DemoType:
    """A card type of the demo site, with how its holders behave.

    ``share``: part of the cards; ``allowance``: granted per card each month (0: none);
    ``prices``: what a meal costs at a keyed till; ``recharges``: amounts they top up with.
    """

    card_type: CardType
    share: float
    deposit: int = 0
    card_fee: int = 0
    allowance: int = 0
    prices: tuple[int, ...] = (800, 1_000, 1_200, 1_500, 1_800, 2_200, 2_800)
    recharges: tuple[int, ...] = (5_000, 10_000, 20_000)


MEAL_WINDOWS = (
    MealWindow("Breakfast 早餐", 6 * 60 + 30, 9 * 60 + 30, count_limit=1, fixed_price=500),
    MealWindow("Lunch 午餐", 11 * 60, 13 * 60 + 30, count_limit=1, fixed_price=1_500),
    MealWindow("Supper 晚餐", 17 * 60, 19 * 60 + 30, count_limit=1, fixed_price=1_200),
)

DEMO_TYPES = (
    DemoType(CardType("demo_staff", "Staff 员工", discount_bp=1_000, per_txn_limit=5_000,
                      daily_amount_limit=8_000, pin_above=3_000, offline_limit=3_000,
                      recharge=RechargeRule(bonus_bp=500, bonus_expiry_days=14)),
             share=0.30, recharges=(10_000, 20_000, 30_000)),
    DemoType(CardType("demo_student", "Student 学生", discount_bp=500, per_txn_limit=2_000,
                      daily_amount_limit=4_000, daily_count_limit=5, offline_limit=1_500,
                      validity_days=4 * 365),
             share=0.25, deposit=1_000, card_fee=500, prices=(600, 800, 1_000, 1_200, 1_500),
             recharges=(3_000, 5_000, 10_000)),
    DemoType(CardType("demo_standard", "Standard 普通卡", recharge=RechargeRule(
        tiers=(BonusTier(10_000, 1_000), BonusTier(20_000, 3_000)), bonus_expiry_days=30),
        offline_limit=2_000),
             share=0.20, deposit=2_000, recharges=(5_000, 10_000, 20_000)),
    DemoType(CardType("demo_meal", "Meal plan 餐补卡", meal_windows=MEAL_WINDOWS,
                      refuse_outside_windows=True, allowance_reset="period",
                      spend_order=(BONUS, ALLOWANCE, CASH), daily_count_limit=3,
                      recharge=RechargeRule(bonus_bp=1_000, bonus_expiry_days=10)),
             share=0.18, allowance=40_000, recharges=(2_000, 5_000)),
    # bonus kept for last: what a visitor does not come back for in time expires
    DemoType(CardType("demo_visitor", "Visitor 访客", validity_days=90,
                      spend_order=(CASH, BONUS, ALLOWANCE),
                      recharge=RechargeRule(bonus_bp=2_000, bonus_expiry_days=5)),
             share=0.07, deposit=1_000, card_fee=200, recharges=(2_000, 5_000)),
)


@dataclass(frozen=True)
class DemoTill:
    id: int
    name: str
    booth: str
    weight: float  # share of the site's sales


@dataclass(frozen=True)
class DemoUser:
    id: int
    login: str
    name: str
    role: str  # cashier | manager | admin


@dataclass(frozen=True)
class DemoHolder:
    id: int
    name: str
    staff_no: str


@dataclass(frozen=True)
class DemoCard:
    id: int
    number: str
    uid: str
    holder: DemoHolder
    type_index: int  # into DemoSite.types
    weight: float  # how often its holder eats here (heavy-tailed: some rarely come)
    valid_until: date | None


@dataclass
class DemoSite:
    """Everything of the site but its money: tills, users, card types, holders, cards."""

    clock: SiteClock
    tills: list[DemoTill]
    office: DemoTill
    users: list[DemoUser]
    types: tuple[DemoType, ...]
    type_ids: list[int]
    cards: list[DemoCard]
    next_holder: int
    next_card: int
    walk_in: int  # the walk-in card of cash sales (migration 0010)
    cashiers: dict[int, list[int]] = field(default_factory=dict)  # till → user ids

    @property
    def admin(self) -> DemoUser:
        return next(u for u in self.users if u.role == "admin")

    def new_card(self, holder: DemoHolder, type_index: int, weight: float,
                 valid_until: date | None) -> DemoCard:
        """A card issued during the run (a replacement): numbered after every other."""
        card = DemoCard(self.next_card, card_number(self.next_card),
                        card_uid(self.next_card), holder, type_index, weight, valid_until)
        self.next_card += 1
        return card


def card_number(card_id: int) -> str:
    return f"D{card_id:08d}"


def card_uid(card_id: int) -> str:
    return f"DE{card_id:010X}"


def holder_name(rng: random.Random) -> str:
    """Two in three holders have a Chinese name, written without a space."""
    if rng.random() < 0.66:
        return rng.choice(SURNAMES_ZH) + rng.choice(GIVEN_ZH)
    return f"{rng.choice(SURNAMES_LATIN)} {rng.choice(GIVEN_LATIN)}"


def card_count(entries: int, days: int) -> int:
    """About two and a half entries per card and business day: a busy canteen's regulars."""
    return max(12, min(250_000, round(entries / (days * 2.5))))


def build_site(rng: random.Random, clock: SiteClock, tills: int, cards: int, base: IdBase,
               first_day: date) -> DemoSite:
    """The site's reference data, numbered after ``base``."""
    booths = [DemoTill(base.till + i + 1, f"Till {i + 1}", BOOTHS[i % len(BOOTHS)],
                       1.0 if i % len(BOOTHS) < 2 else 0.5) for i in range(tills)]
    office = DemoTill(base.till + tills + 1, "Card office", OFFICE_BOOTH, 0.0)
    users: list[DemoUser] = []
    cashiers: dict[int, list[int]] = {}
    for till in booths:
        for shift in (1, 2):
            uid = base.user + len(users) + 1
            users.append(DemoUser(uid, f"demo_cashier{till.id}_{shift}", holder_name(rng),
                                  "cashier"))
            cashiers.setdefault(till.id, []).append(uid)
    for role in ("manager", "manager", "admin"):
        uid = base.user + len(users) + 1
        users.append(DemoUser(uid, f"demo_{role}{uid}", holder_name(rng), role))
    type_ids = [base.card_type + i + 1 for i in range(len(DEMO_TYPES))]
    shares = [t.share for t in DEMO_TYPES]
    made: list[DemoCard] = []
    for i in range(cards):
        holder = DemoHolder(base.holder + i + 1, holder_name(rng), f"M{base.holder + i + 1:06d}")
        t = rng.choices(range(len(DEMO_TYPES)), weights=shares)[0]
        days = DEMO_TYPES[t].card_type.validity_days
        until = None if days is None else date.fromordinal(first_day.toordinal() + days)
        cid = base.card + i + 1
        made.append(DemoCard(cid, card_number(cid), card_uid(cid), holder, t,
                             min(rng.paretovariate(2.0), 6.0), until))
    return DemoSite(clock, booths, office, users, DEMO_TYPES, type_ids, made,
                    next_holder=base.holder + cards + 1, next_card=base.card + cards + 1,
                    walk_in=base.walk_in, cashiers=cashiers)
