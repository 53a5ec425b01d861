"""A hostile till: a real login in role ``tillcard_till`` tries every route to move money.

The database is made as a site makes it (``tillcard db upgrade``, ``tillcard db roles``, a
login per till bound to its till id). Each attack is one of the findings of the money
safety review, reproduced as the attacker would; each ends by checking that the total of
all balances did not move (or moved only by what the centre itself decided) and that
``tillcard verify`` is clean.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

from tests.conftest import NOW, Books
from tests.pg import CentreClock, till_login_engine
from tillcard.domain.journal import GENESIS_HASH, Entry, EntryKind
from tillcard.domain.money import AmountError
from tillcard.store.backfill import backfill
from tillcard.store.ledger import (
    AlreadyVoided,
    InvalidRequest,
    Ledger,
    NotPermitted,
    SaleRequest,
)
from tillcard.store.migrations import sql_0013
from tillcard.store.schema import PurseRow
from tillcard.store.verify import verify

pytestmark = pytest.mark.postgres


@dataclass
class Site:
    owner: Books
    till: Engine  # logged in as till 1's own login
    clock: CentreClock

    def total(self) -> int:
        with self.owner.engine.connect() as conn:
            return int(conn.execute(select(func.sum(PurseRow.cash + PurseRow.bonus)))
                       .scalar_one())

    def attack(self, sql: str, **params: object) -> None:
        """Run ``sql`` as the till; the database must refuse it."""
        with pytest.raises(DBAPIError), self.till.begin() as conn:
            conn.execute(text(sql), params)

    def clean(self, total: int) -> None:
        assert self.total() == total
        rep = verify(self.owner.engine)
        assert rep.ok, rep.problems[:5]


@pytest.fixture
def site(pg_books: Books, pg_url: str, centre_clock: CentreClock) -> Iterator[Site]:
    for i in range(3):
        pg_books.card(f"70{i}", "bonus", cash=10_000)
    engine = till_login_engine(pg_url, pg_books.engine, till_id=1)
    yield Site(pg_books, engine, centre_clock)
    engine.dispose()


def test_1_a_till_cannot_insert_money_even_chained_and_hashed(site: Site):
    """Finding 1: a recharge of 1,000,000,000.00, hashed with the schema's own helpers."""
    total = site.total()
    card = site.owner.card("7101")
    with site.till.connect() as conn:
        head = conn.execute(text("SELECT last_seq, last_hash FROM tills WHERE id = 1")).one()
    forged = Entry(uuid.uuid4(), 1, head.last_seq + 1, EntryKind.RECHARGE, card,
                   100_000_000_000, list_amount=100_000_000_000, created_at=NOW,
                   prev_hash=head.last_hash)
    site.attack(
        "INSERT INTO journal (id, till_id, seq, kind, card_id, cash_delta, bonus_delta, "
        "bonus_parts, grant_amount, list_amount, discount, tendered_cash, created_at, "
        "recorded_at, prev_hash, hash) VALUES (:id, 1, :seq, 'recharge', :card, :amt, 0, "
        "'[]', 0, :amt, 0, 0, :at, :at, :prev, tillcard_chain_hash(:prev, "
        "tillcard_entry_canonical(:id, 1, :seq, 'recharge', :card, :amt, '[]', NULL, 0, "
        "NULL, :amt, 0, 0, NULL, NULL, :at)))",
        id=forged.id, seq=forged.seq, card=card, amt=forged.cash_delta, at=NOW,
        prev=forged.prev_hash)
    for sql in ("UPDATE purses SET cash = cash + 100000",
                "INSERT INTO purses (card_id, cash, bonus, day_amount, day_count, updated_at) "
                "VALUES (999999, 100000, 0, 0, 0, now())",
                "INSERT INTO bonus_grants (id, card_id, remaining, expires_on, origin_entry) "
                "VALUES ('free', 1, 100000, '2099-01-01', gen_random_uuid())",
                "UPDATE bonus_grants SET remaining = remaining + 100000",
                "UPDATE cards SET status = 'active'",
                "UPDATE tills SET last_seq = 0, last_hash = :h",
                "INSERT INTO exceptions (entry_id, till_id, card_id, kind, amount, sold_at, "
                "recorded_at, note) VALUES (gen_random_uuid(), 1, 1, 'x', 0, now(), now(), '')",
                "DELETE FROM exceptions",
                "SELECT tillcard_recharge(gen_random_uuid(), 1, 1, 100000, NULL)",
                "SELECT password_hash FROM users"):
        site.attack(sql, h=GENESIS_HASH)
    site.clean(total)


def test_2_the_sale_function_trusts_nothing_it_is_given(site: Site):
    """Finding 2: negative amounts, the caller's date, PIN rule and lock key."""
    card = site.owner.card("7201", cash=1_000)
    total = site.total()
    for amount in (-500_000, -1, 2**63 - 1, 100_000_001):
        site.attack("SELECT tillcard_sale(gen_random_uuid(), 1, :c, :a, NULL, false, false)",
                    c=card, a=amount)
    # the old signature, which took today, the PIN-failure maximum and the lock key
    site.attack("SELECT tillcard_sale(gen_random_uuid(), 1, :c, 100, now(), "
                "'2000-01-01', NULL, false, false, 99, 1)", c=card)
    # the centre's clock is not the till's to set
    site.attack("SELECT set_config('tillcard.fake_now', '2000-01-01', false), "
                "tillcard_sale(gen_random_uuid(), 1, :c, 100, NULL, false, false)", c=card)
    ledger = Ledger(site.till)
    with pytest.raises(AmountError):
        ledger.sale(SaleRequest(uuid.uuid4(), 1, card, -500_000, NOW))
    with pytest.raises(InvalidRequest, match="outside"):  # past the till's own checks
        ledger._pg.sale(SaleRequest(uuid.uuid4(), 1, card, -5, NOW))  # type: ignore[union-attr]
    out = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 100, NOW - timedelta(days=400)))
    assert out.entry is not None and out.entry.created_at > NOW - timedelta(days=1)
    site.clean(total - 100)


def test_3_a_sale_is_voided_once_whatever_the_till_sends(site: Site):
    """Finding 3: a second void, and a void row with void_of left empty."""
    card = site.owner.card("7301", cash=1_000)
    ledger = Ledger(site.till)
    sold = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 400, NOW)).entry
    assert sold is not None
    total = site.total()
    assert ledger.void(uuid.uuid4(), 1, sold.id, NOW).entry is not None
    with pytest.raises(AlreadyVoided):
        ledger.void(uuid.uuid4(), 1, sold.id, NOW)
    # even the owner cannot write a void that names no sale (refers_to is hashed)
    with pytest.raises(DBAPIError, match="ck_journal_void_names_its_sale"), \
            site.owner.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO journal SELECT gen_random_uuid(), till_id, seq + 1, 'void', card_id, "
            "-cash_delta, -bonus_delta, bonus_parts, grant_id, grant_amount, "
            "grant_expires_on, 0, 0, tendered_cash, id, NULL, cashier_id, created_at, "
            "recorded_at, prev_hash, hash FROM journal WHERE id = :i"), {"i": sold.id})
    site.clean(total + 400)


def test_3b_a_till_cannot_void_or_sell_for_another_till(site: Site):
    card = site.owner.card("7302", cash=1_000)
    other = site.owner.ledger.sale(SaleRequest(uuid.uuid4(), 2, card, 300, NOW)).entry
    assert other is not None
    total = site.total()
    ledger = Ledger(site.till)
    with pytest.raises(NotPermitted):
        ledger.sale(SaleRequest(uuid.uuid4(), 2, card, 100, NOW))
    with pytest.raises(NotPermitted):
        ledger.void(uuid.uuid4(), 1, other.id, NOW)
    with pytest.raises(NotPermitted):
        backfill(site.till, 2, [Entry(uuid.uuid4(), 2, 0, EntryKind.SALE, card, -100,
                                      list_amount=100, created_at=NOW)])
    with pytest.raises(NotPermitted):
        ledger.set_pin_failures(2, card, 0)
    site.clean(total)


def test_4_temporary_tables_cannot_shadow_the_real_ones(site: Site, pg_url: str):
    """Finding 4: temp ``tills``/``purses`` shadowing the tables inside the functions."""
    site.attack("CREATE TEMP TABLE tills (id int)")
    card = site.owner.card("7401", cash=1_000)
    total = site.total()
    # a site that granted TEMP by mistake: pg_temp is searched last inside every function
    with site.owner.engine.begin() as conn:
        db = conn.execute(text("SELECT current_database()")).scalar_one()
        login = conn.execute(text("SELECT login FROM till_logins WHERE till_id = 1")).scalar_one()
        conn.execute(text(f'GRANT TEMPORARY ON DATABASE "{db}" TO {login}'))
    with site.till.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE tills (id int, name text, site text, "
                          "last_seq bigint, last_hash text, last_at timestamptz)"))
        conn.execute(text("INSERT INTO tills VALUES (1, 'x', '', 0, :h, NULL)"),
                     {"h": GENESIS_HASH})
        conn.execute(text("CREATE TEMP TABLE purses AS SELECT * FROM public.purses"))
        conn.execute(text("UPDATE purses SET cash = 10000000"))
        conn.execute(text("CREATE TEMP TABLE till_logins (login text, till_id int)"))
        conn.execute(text("INSERT INTO till_logins VALUES (:l, 2)"), {"l": login})
        doc = conn.execute(text("SELECT tillcard_sale(gen_random_uuid(), 1, :c, 100, NULL, "
                                "false, false)"), {"c": card}).scalar_one()
        conn.commit()
    assert doc["status"] == "applied" and doc["card"]["cash"] == 1_000  # the real purse
    site.attack("CREATE TEMP TABLE till_logins (login text, till_id int); "
                "INSERT INTO till_logins VALUES (session_user, 2); "
                "SELECT tillcard_sale(gen_random_uuid(), 2, :c, 100, NULL, false, false)",
                c=card)  # the real binding still says till 1
    site.clean(total - 100)


def test_6_a_void_frees_the_limit_of_its_own_business_day_only(site: Site):
    """Finding 6: the sale's and the counter's days, both by the site clock."""
    from tillcard.domain.clock import SiteClock
    from tillcard.domain.site import SiteRules
    from tillcard.store.site import set_rules

    set_rules(site.owner.engine, SiteRules(SiteClock("Asia/Shanghai", 4 * 60)))
    owner = Ledger(site.owner.engine)
    card = site.owner.card("7601", "staff", cash=20_000)  # 80.00 a day
    from datetime import datetime
    from zoneinfo import ZoneInfo

    local = ZoneInfo("Asia/Shanghai")
    site.clock.set(datetime(2026, 11, 24, 2, 0, tzinfo=local))  # business day of the 23rd
    late = owner.sale(SaleRequest(uuid.uuid4(), 1, card, 5_000, NOW, cashier_id=1))
    assert late.entry is not None and late.spent.amount == 4_500
    site.clock.set(datetime(2026, 11, 24, 3, 59, tzinfo=local))  # still the 23rd
    assert owner.void(uuid.uuid4(), 1, late.entry.id, NOW).spent.amount == 0
    again = owner.sale(SaleRequest(uuid.uuid4(), 1, card, 5_000, NOW, cashier_id=1))
    assert again.entry is not None
    site.clock.set(datetime(2026, 11, 24, 4, 1, tzinfo=local))  # the 24th: a new day
    today = owner.sale(SaleRequest(uuid.uuid4(), 1, card, 8_000, NOW, cashier_id=1,
                                   pin_verified=True))
    assert today.entry is not None and today.spent.amount == 7_200
    # voiding yesterday's sale gives nothing back to today's limit
    assert owner.void(uuid.uuid4(), 1, again.entry.id, NOW).spent.amount == 7_200
    refused = owner.sale(SaleRequest(uuid.uuid4(), 1, card, 2_000, NOW, cashier_id=1))
    assert refused.refusal is not None and refused.refusal.code.value == "over_daily_amount"
    assert verify(site.owner.engine).ok


def test_7_the_day_counter_never_moves_backwards(site: Site):
    """Finding 7: two tills seconds apart around midnight; four sales of 50.00, limit 60.00."""
    from datetime import UTC, datetime

    from tillcard.domain.cards import CardType

    capped = site.owner.refs.add_card_type(CardType("capped60", "Capped", daily_amount_limit=6_000))
    site.owner.types["capped60"] = capped
    card = site.owner.card("7701", "capped60", cash=50_000)
    owner = Ledger(site.owner.engine)
    times = [datetime(2026, 11, 24, 0, 0, 2, tzinfo=UTC), datetime(2026, 11, 23, 23, 59, 58,
                                                                   tzinfo=UTC),
             datetime(2026, 11, 24, 0, 0, 3, tzinfo=UTC), datetime(2026, 11, 23, 23, 59, 59,
                                                                   tzinfo=UTC)]
    sold = 0
    for i, at in enumerate(times):
        site.clock.set(at)  # the centre's clock, as two tills' requests reach it
        out = owner.sale(SaleRequest(uuid.uuid4(), 1 + i % 2, card, 5_000, at))
        sold += out.entry is not None
    assert sold == 1
    with site.owner.engine.connect() as conn:
        day = conn.execute(text("SELECT day FROM purses WHERE card_id = :c"), {"c": card})
        assert str(day.scalar_one()) == "2026-11-24"
    # a back-filled sale of the day before (till 2 was offline) leaves today's counter alone
    site.clock.set(times[2])
    backfill(site.owner.engine, 2, [Entry(uuid.uuid4(), 2, 0, EntryKind.SALE, card, -1_000,
                                          list_amount=1_000,
                                          created_at=times[1] - timedelta(hours=1))])
    with site.owner.engine.connect() as conn:
        row = conn.execute(text("SELECT day, day_amount, day_count FROM purses "
                                "WHERE card_id = :c"), {"c": card}).one()
    assert (str(row.day), row.day_amount, row.day_count) == ("2026-11-24", 5_000, 1)
    assert verify(site.owner.engine).ok


def test_backfilled_times_are_bounded_by_now_and_the_tills_last_entry(site: Site):
    card = site.owner.card("7801", cash=10_000)
    ledger = Ledger(site.till)
    site.clock.set(None)  # the till's login gets the real clock anyway
    first = ledger.sale(SaleRequest(uuid.uuid4(), 1, card, 100, NOW))
    assert first.entry is not None
    far = first.entry.created_at
    future = Entry(uuid.uuid4(), 1, 0, EntryKind.SALE, card, -100, list_amount=100,
                   created_at=far + timedelta(days=3650))
    past = Entry(uuid.uuid4(), 1, 0, EntryKind.SALE, card, -100, list_amount=100,
                 created_at=far - timedelta(days=3650))
    res = backfill(site.till, 1, [future, past])
    a, b = (r.entry.created_at for r in res.items)
    assert far <= a < far + timedelta(minutes=5)  # not in the future: the centre's now
    assert b == a  # not before the till's last entry
    assert verify(site.owner.engine).ok


def test_tills_replicate_only_users_who_may_sign_in_at_a_till(site: Site):
    """Suspicion: every till replicated the password hashes of managers and admins."""
    site.owner.refs.add_user("boss", "Boss", "admin", "$argon2id$secret")
    with site.till.connect() as conn:
        roles = set(conn.execute(text("SELECT role FROM till_users")).scalars())
    assert roles == {"cashier", "manager"}
    site.attack("SELECT * FROM users")
    with pytest.raises(ProgrammingError), site.till.connect() as conn:
        conn.execute(text("SELECT password_hash FROM users WHERE role = 'admin'"))


def test_the_roles_table_in_the_readme_is_what_the_database_enforces(site: Site):
    """What each role may execute is what ``tillcard db roles`` granted, nothing more."""
    with site.owner.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT p.proname, r.rolname FROM pg_proc p CROSS JOIN pg_roles r "
            "WHERE p.proname LIKE 'tillcard_%' AND r.rolname LIKE 'tillcard_%' "
            "AND p.prosecdef AND has_function_privilege(r.oid, p.oid, 'EXECUTE')")).all()
        definers = conn.execute(text(
            "SELECT proname, proconfig FROM pg_proc WHERE prosecdef AND "
            "proname LIKE 'tillcard_%'")).all()
    granted = {(f, r) for f, r in rows}
    assert granted == {("tillcard_sale", "tillcard_till"), ("tillcard_void", "tillcard_till"),
                       ("tillcard_backfill", "tillcard_till"),
                       ("tillcard_set_pin_failures", "tillcard_till"),
                       ("tillcard_lease", "tillcard_till"),
                       ("tillcard_reprovision", "tillcard_till"),
                       ("tillcard_heartbeat", "tillcard_till"),  # 0017: moves no money
                       # 0020: creates the coming months' partitions, moves no money
                       ("tillcard_ensure_partitions", "tillcard_till"),
                       ("tillcard_recharge", "tillcard_admin"),
                       *{(fn.split("(")[0], "tillcard_admin") for fn in sql_0013.ADMIN}}
    for name, config in definers:  # every SECURITY DEFINER function pins its search_path
        assert config[0] == "search_path=pg_catalog, public, pg_temp", name
        # and may set nothing else but the sale's planner settings (migration 0019)
        assert set(config[1:]) <= {"enable_seqscan=off", "jit=off", "join_collapse_limit=1"
                                   }, name
