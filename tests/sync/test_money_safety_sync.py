"""A till whose link flaps never forgets what it sold; the centre's answers keep its replica.

Findings 5 and the suspicions of the money safety review, at service level with a real
centre: offline limits across back-fills, replica rows never overwritten by older ones,
bonus gone by the time of a back-fill, a frozen card that also went negative, and the
till's own copy of its chain head against the centre's.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from sqlalchemy import select, text

from tests.conftest import Centre
from tests.sync.conftest import TillFactory
from tillcard.cli import main
from tillcard.domain.cards import CardStatus, CardType
from tillcard.domain.rules import RefusalCode
from tillcard.store.ledger import Ledger, SaleRequest
from tillcard.store.schema import ExceptionRow
from tillcard.store.verify import verify
from tillcard.sync.push import push
from tillcard.sync.till_sync import TillSync

pytestmark = pytest.mark.postgres


def now() -> datetime:
    return datetime.now().astimezone()


def sale(sync: TillSync, card_id: int, amount: int):
    return sync.sale(SaleRequest(uuid.uuid4(), sync.till_id, card_id, amount, now()))


def test_a_flapping_link_neither_resets_offline_limits_nor_forgets_what_was_sent(
        centre: Centre, make_till: TillFactory):
    """Finding 5: 150.00 sold offline against a 50.00 offline daily limit; went negative."""
    capped = centre.books.refs.add_card_type(CardType("off50", "Capped", offline_limit=5_000))
    centre.books.types["off50"] = capped
    card = centre.books.card("3001", "off50", cash=12_000)
    till = make_till()
    today = till.business_day(now())
    sold = 0
    for _ in range(3):
        till.link.down("flap")
        out = sale(till, card, 5_000)
        sold += out.entry is not None
        if out.entry is None:
            assert out.refusal is not None
            assert out.refusal.code is RefusalCode.OFFLINE_LIMIT
        result = push(till.central, till.cache)  # back-filled; no pull afterwards
        # the answer is in the replica already: what the centre holds, nothing counted twice
        assert till.cache.card_state(card, today)[1].cash == 12_000 - 5_000 * sold
        assert result.exceptions == 0
    assert sold == 1
    till.link.down("flap")
    assert sale(till, card, 100).refusal is not None  # the offline limit of the day is spent
    assert verify(centre.engine).ok


def test_an_older_answer_never_overwrites_a_newer_replica_row(
        centre: Centre, make_till: TillFactory):
    """Suspicion: a replica write after an online sale overwrote a newer pulled purse."""
    card = centre.books.card("3002", cash=10_000)
    till = make_till()
    out = sale(till, card, 1_000)  # the answer: 9,000 at version v
    assert out.entry is not None and out.version is not None
    Ledger(centre.engine).recharge(uuid.uuid4(), 99, card, 5_000, now())  # v + 1
    till.cycle()  # the pull brings 14,000
    today = till.business_day(now())
    assert till.cache.card_state(card, today)[1].cash == 14_000
    till.cache.applied_online(out)  # the old answer, arriving late
    assert till.cache.card_state(card, today)[1].cash == 14_000


def test_bonus_gone_by_the_back_fill_is_paid_from_cash_and_said(
        centre: Centre, make_till: TillFactory):
    """Suspicion: a back-fill whose bonus had gone silently moved that part onto cash."""
    card = centre.books.card("3003", "bonus")
    Ledger(centre.engine).recharge(uuid.uuid4(), 99, card, 1_000, now())  # +100 bonus
    till = make_till()
    till.cycle()
    till.link.down("test")
    offline = sale(till, card, 300)  # the till spends the bonus first: 100 + 200 cash
    assert offline.entry is not None and offline.entry.bonus_delta == -100
    Ledger(centre.engine).sale(SaleRequest(uuid.uuid4(), 2, card, 100, now()))  # meanwhile
    till.link.recovering()
    till.cycle()
    with centre.engine.connect() as conn:
        exc = conn.execute(select(ExceptionRow).where(
            ExceptionRow.entry_id == offline.entry.id)).one()
    assert (exc.kind, exc.amount) == ("bonus_moved_to_cash", 100)
    item = till.cache.item(offline.entry.id)
    assert item is not None and item.note == "bonus_moved_to_cash"
    assert item.entry.cash_delta == -300  # what the centre charged, in the till's outbox
    assert verify(centre.engine).ok


def test_a_frozen_card_that_also_went_negative_records_both(
        centre: Centre, make_till: TillFactory):
    """Suspicion: only the negative balance was recorded."""
    card = centre.books.card("3004", cash=1_000)
    till = make_till()
    till.link.down("test")
    offline = sale(till, card, 800)
    assert offline.entry is not None
    Ledger(centre.engine).sale(SaleRequest(uuid.uuid4(), 2, card, 500, now()))
    centre.books.refs.set_card_status(card, CardStatus.FROZEN)
    till.link.recovering()
    till.cycle()
    with centre.engine.connect() as conn:
        kinds = sorted(conn.execute(select(ExceptionRow.kind).where(
            ExceptionRow.entry_id == offline.entry.id)).scalars())
    assert kinds == ["negative_balance", "sold_while_frozen"]
    assert verify(centre.engine).ok


def test_sync_status_says_when_the_centres_copy_of_the_chain_disagrees(
        centre: Centre, make_till: TillFactory, tmp_path, capsys):
    card = centre.books.card("3005", cash=10_000)
    till = make_till()
    assert sale(till, card, 100).entry is not None
    check = till.chain_check()
    assert check.agrees and check.own is not None and check.own[0] == check.centre[0]
    cfg = tmp_path / "till.toml"
    cfg.write_text(f'profile = "central"\n[till]\nid = 1\n[database]\nlocal = '
                   f'"{till.cache.engine.url.database}"\ncentral_url = "{centre.url}"\n',
                   encoding="utf-8")
    assert main(["--config", str(cfg), "sync", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["chain"]["agrees"] is True
    # the owner writes into till 1's chain behind its back
    Ledger(centre.engine).sale(SaleRequest(uuid.uuid4(), 1, card, 100, now()))
    assert main(["--config", str(cfg), "sync", "status", "--json"]) == 1
    chain = json.loads(capsys.readouterr().out)["chain"]
    assert chain["agrees"] is False and "does not know" in chain["problem"]
    # and a chain cut back at the centre
    with centre.engine.begin() as conn:
        conn.execute(text("ALTER TABLE journal DISABLE TRIGGER USER"))
        conn.execute(text("DELETE FROM journal WHERE till_id = 1"))
        conn.execute(text("ALTER TABLE journal ENABLE TRIGGER USER"))
        conn.execute(text("UPDATE tills SET last_seq = 0 WHERE id = 1"))
    assert "entries were removed" in (till.chain_check().problem or "")


@pytest.mark.parametrize("bad", [12.5, 12.0, True, "100", None, -1, 2**63])
def test_amounts_are_typed_at_the_till_online_and_offline(centre: Centre,
                                                          make_till: TillFactory, bad: object):
    """Finding of the failure review: a float sold online was stored as 12.5, charged as 12."""
    from tillcard.domain.money import AmountError

    card = centre.books.card("3006", cash=10_000)
    till = make_till()
    for online in (True, False):
        if not online:
            till.link.down("test")
        with pytest.raises(AmountError):
            till.sale(SaleRequest(uuid.uuid4(), 1, card, bad, now()))  # type: ignore[arg-type]
    assert till.cache.items() == [] and till.cache.unsent_count() == 0
    assert Ledger(centre.engine).card_state(card, now().date())[1].cash == 10_000
