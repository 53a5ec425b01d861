"""Seed data for ``tillcard demo``: card types, twenty holders with cards, and the staff."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tillcard.domain.cards import BonusTier, CardStatus, CardType, RechargeRule
from tillcard.services.auth import AuthService, Role, SecretHasher
from tillcard.store.ledger import Ledger
from tillcard.store.reference import ReferenceStore

SEED_TILL = 99  # the office's chain, so each till's own chain starts at 1

CARD_TYPES = (
    CardType("standard", "Standard", recharge=RechargeRule(
        tiers=(BonusTier(10_000, 1_000), BonusTier(20_000, 3_000)), bonus_expiry_days=30)),
    CardType("staff", "Staff", discount_bp=1_000, daily_amount_limit=8_000, pin_above=5_000,
             offline_limit=3_000, recharge=RechargeRule(bonus_bp=500, bonus_expiry_days=14)),
    CardType("student", "Student", discount_bp=500, per_txn_limit=2_000,
             daily_amount_limit=3_000, daily_count_limit=5, offline_limit=1_500),
)

# name, type, balance (minor units), status
HOLDERS = (
    ("张伟", "staff", 12_000, CardStatus.ACTIVE), ("Li Na", "staff", 20_000, CardStatus.ACTIVE),
    ("王芳", "standard", 5_000, CardStatus.ACTIVE),
    ("Chen Jie", "student", 3_000, CardStatus.ACTIVE),
    ("刘洋", "student", 250, CardStatus.ACTIVE),  # nearly empty
    ("Zhao Min", "standard", 10_000, CardStatus.FROZEN),
    ("黄磊", "standard", 8_000, CardStatus.ACTIVE), ("Zhou Xin", "staff", 15_000,
                                                    CardStatus.ACTIVE),
    ("吴静", "student", 4_000, CardStatus.ACTIVE), ("Xu Hao", "standard", 20_000,
                                                   CardStatus.ACTIVE),
    ("孙丽", "staff", 9_000, CardStatus.ACTIVE), ("Hu Bin", "student", 2_000,
                                                 CardStatus.ACTIVE),
    ("朱婷", "standard", 6_500, CardStatus.ACTIVE), ("Gao Yang", "staff", 30_000,
                                                    CardStatus.ACTIVE),
    ("林涛", "standard", 1_200, CardStatus.ACTIVE), ("He Mei", "student", 5_000,
                                                    CardStatus.ACTIVE),
    ("郭强", "staff", 7_700, CardStatus.ACTIVE), ("Ma Lin", "standard", 12_500,
                                                 CardStatus.ACTIVE),
    ("罗敏", "student", 3_300, CardStatus.ACTIVE), ("Liang Yu", "standard", 25_000,
                                                   CardStatus.ACTIVE),
)

DEMO_PIN = "1234"
STAFF_UIDS = {"cashier": "5AFF0001", "cashier2": "5AFF0002", "manager": "5AFF0009"}


@dataclass(frozen=True)
class DemoCard:
    card_id: int
    number: str
    uid: str
    holder: str
    type_code: str
    status: CardStatus


def demo_uid(i: int) -> str:
    return f"04{i:02X}A1B2C3D4{(i * 37) % 256:02X}"


def seed_demo(refs: ReferenceStore, ledger: Ledger, auth: AuthService, hasher: SecretHasher,
              now: datetime, till_id: int = 1, till_name: str = "Till 1",
              site: str = "Canteen North") -> list[DemoCard]:
    """Create the demo data; balances arrive through recharge entries, as in real life."""
    refs.ensure_till(SEED_TILL, "Card office", site)
    refs.ensure_till(till_id, till_name, site)
    type_ids = {ct.code: refs.add_card_type(ct) for ct in CARD_TYPES}
    # at a till: pick your name (or tap the staff card), then the PIN
    auth.create_user("cashier", "Li Na", Role.CASHIER, "1234", pin=DEMO_PIN,
                     staff_uid=STAFF_UIDS["cashier"])
    auth.create_user("cashier2", "赵敏", Role.CASHIER, "1234", pin="2222",
                     staff_uid=STAFF_UIDS["cashier2"])
    auth.create_user("manager", "Wang Qiang", Role.MANAGER, "manager", pin="9999",
                     staff_uid=STAFF_UIDS["manager"])
    auth.create_user("admin", "Admin", Role.ADMIN, "admin")
    pin_hash = hasher.hash(DEMO_PIN)
    cards: list[DemoCard] = []
    for i, (name, code, balance, status) in enumerate(HOLDERS, start=1):
        holder_id = refs.add_holder(name, f"E{1000 + i}")
        number = f"88000000{i:02d}"
        card_id = refs.add_card(number, holder_id, type_ids[code], uid=demo_uid(i),
                                pin_hash=pin_hash if code == "staff" else None,
                                valid_until=(now + timedelta(days=365)).date())
        if balance:
            ledger.recharge(uuid.uuid4(), SEED_TILL, card_id, balance, now)
        if status is not CardStatus.ACTIVE:
            refs.set_card_status(card_id, status)
        cards.append(DemoCard(card_id, number, demo_uid(i), name, code, status))
    return cards
