from datetime import date

import pytest

from tillcard.domain.cards import Card, CardStatus, CardType, Holder
from tillcard.domain.quote import make_quote, sale_refusal
from tillcard.domain.rules import MAX_PIN_FAILURES, DaySpend, RefusalCode
from tillcard.domain.wallet import BonusGrant, Wallet

TODAY = date(2026, 11, 23)


def card(ct: CardType | None = None, status: CardStatus = CardStatus.ACTIVE, **kw) -> Card:
    return Card(1, "8800000001", "04AA", Holder(1, "Zhang Wei"), ct or CardType("std", "Std"),
                status, **kw)


def test_quote_matches_the_screen_sketch():
    w = Wallet(11_040, (BonusGrant("g1", 1_000, date(2026, 11, 30)),
                        BonusGrant("g2", 800, date(2026, 12, 31))))
    q = make_quote(2_900, 1_000, w, TODAY)
    assert (q.list_amount, q.discount, q.charge) == (2_900, 290, 2_610)
    assert q.balance_before == 12_840
    assert q.balance_after == 10_230
    assert q.allocation.bonus_parts == (("g1", 1_000), ("g2", 800))
    assert q.allocation.cash == 810
    assert q.shortfall == 0


def test_discount_rounds_once_half_up():
    # 8.55 at 10 % = 0.855 → 0.86 off (half up), charge 7.69
    q = make_quote(855, 1_000, Wallet(10_000), TODAY)
    assert (q.discount, q.charge) == (86, 769)


def test_expired_bonus_is_not_spendable():
    w = Wallet(100, (BonusGrant("old", 500, date(2026, 11, 22)),))
    q = make_quote(300, 0, w, TODAY)
    assert q.balance_before == 100 and q.shortfall == 200


def test_insufficient_reports_shortfall_and_split_passes():
    c = card()
    q = make_quote(1_000, 0, Wallet(390), TODAY)
    r = sale_refusal(c, q, DaySpend(), TODAY)
    assert r is not None and r.code is RefusalCode.INSUFFICIENT
    assert r.numbers["shortfall"] == 610
    assert r.message == "Insufficient balance — short 6.10"
    assert sale_refusal(c, q, DaySpend(), TODAY, split_tender=True) is None
    assert q.card_part == 390


@pytest.mark.parametrize(("status", "code"), [
    (CardStatus.FROZEN, RefusalCode.FROZEN), (CardStatus.LOST, RefusalCode.LOST),
    (CardStatus.BLOCKED, RefusalCode.BLOCKED), (CardStatus.CLOSED, RefusalCode.CLOSED),
    (CardStatus.EXPIRED, RefusalCode.EXPIRED),
])
def test_card_status_refusals(status, code):
    q = make_quote(100, 0, Wallet(10_000), TODAY)
    r = sale_refusal(card(status=status), q, DaySpend(), TODAY)
    assert r is not None and r.code is code


def test_validity_expired():
    q = make_quote(100, 0, Wallet(10_000), TODAY)
    r = sale_refusal(card(valid_until=date(2026, 11, 22)), q, DaySpend(), TODAY)
    assert r is not None and r.code is RefusalCode.EXPIRED


def test_limits():
    ct = CardType("stu", "Student", per_txn_limit=2_000, daily_amount_limit=3_000,
                  daily_count_limit=5)
    c = card(ct)
    w = Wallet(100_000)
    r = sale_refusal(c, make_quote(2_001, 0, w, TODAY), DaySpend(), TODAY)
    assert r is not None and r.code is RefusalCode.OVER_TXN_LIMIT and r.numbers["limit"] == 2_000
    r = sale_refusal(c, make_quote(1_500, 0, w, TODAY), DaySpend(2_000, 1), TODAY)
    assert r is not None and r.code is RefusalCode.OVER_DAILY_AMOUNT
    assert r.numbers == {"left": 1_000, "limit": 3_000}
    r = sale_refusal(c, make_quote(100, 0, w, TODAY), DaySpend(500, 5), TODAY)
    assert r is not None and r.code is RefusalCode.OVER_DAILY_COUNT
    assert sale_refusal(c, make_quote(1_000, 0, w, TODAY), DaySpend(2_000, 4), TODAY) is None


def test_pin_required_above_amount_and_lock():
    c = card(CardType("staff", "Staff", pin_above=5_000))
    w = Wallet(100_000)
    assert sale_refusal(c, make_quote(5_000, 0, w, TODAY), DaySpend(), TODAY) is None
    r = sale_refusal(c, make_quote(5_001, 0, w, TODAY), DaySpend(), TODAY)
    assert r is not None and r.code is RefusalCode.PIN_REQUIRED
    assert sale_refusal(c, make_quote(5_001, 0, w, TODAY), DaySpend(), TODAY,
                        pin_verified=True) is None
    locked = card(CardType("staff", "Staff", pin_above=5_000), pin_failures=MAX_PIN_FAILURES)
    r = sale_refusal(locked, make_quote(100, 0, w, TODAY), DaySpend(), TODAY)
    assert r is not None and r.code is RefusalCode.PIN_LOCKED


def test_nothing_to_charge():
    r = sale_refusal(card(), make_quote(0, 0, Wallet(100), TODAY), DaySpend(), TODAY)
    assert r is not None and r.code is RefusalCode.NOTHING_TO_CHARGE


def test_card_type_validates_discount():
    with pytest.raises(ValueError, match="basis points"):
        CardType("x", "X", discount_bp=10_001)


def test_recharge_rule_best_of_tiers_and_rate():
    from tillcard.domain.cards import BonusTier, RechargeRule
    rule = RechargeRule(bonus_bp=500, tiers=(BonusTier(10_000, 1_000), BonusTier(20_000, 3_000)))
    assert rule.bonus_for(5_000) == 250
    assert rule.bonus_for(10_000) == 1_000
    assert rule.bonus_for(25_000) == 3_000
