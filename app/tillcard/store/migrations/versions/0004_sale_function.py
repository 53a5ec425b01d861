"""online sale in one call: tillcard_sale() decides and records a charge at the server

PostgreSQL only (SQLite keeps the Python apply path; a till's local database never has
sixteen tills behind it). The function does in one round trip what
``tillcard.store.ledger.Ledger.sale`` does in about fifteen: lock the card's purse row,
look the entry's UUID up (replay / conflict), expire stale bonus grants through an
``expire`` entry, price and decide the sale exactly as ``tillcard.domain`` does
(``make_quote``, ``sale_refusal``, ``Wallet.allocate``), append the entry to the till's
hash chain and update the spend-of-day counters. Its hash is computed over the same
bytes as ``Entry.canonical()`` (``tillcard_entry_canonical``), so ``tillcard verify``,
which recomputes every hash in Python, checks these entries like any other.

Why mirror the rules here instead of calling Python: see ``tillcard.store.pg_sale``. The
mirror is held to the domain by ``tests/store/test_pg_sale_rules.py`` (random cases
through both paths) and ``tests/store/test_pg_sale.py`` (byte-identical canonical form).

The functions run with the caller's rights (``SECURITY INVOKER``): a till can do through
them exactly what its role can do anyway (lock its purse row, insert a journal row,
update the spend counters); the journal trigger still moves balances. The trigger is
redefined with 0003's behaviour kept whole (chain check, purses, grants, a negative sale
blocks the card and raises an exception) and two changes for speed: it writes the spend
of the day tillcard_sale() hands over for the entry being inserted in the UPDATE that
moves the money, and it skips the grant loop for entries that touch no grant.

Revision ID: 0004
Revises: 0003
"""

from alembic import context, op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Python's json.dumps(ensure_ascii=True) escapes of a string: the short escapes, then
# \uXXXX (lower-case hex, surrogate pairs beyond the BMP) for everything outside ' '..'~'.
JSON_STR = r"""
CREATE OR REPLACE FUNCTION tillcard_json_str(s text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    out text := '"';
    code integer;
BEGIN
    IF s !~ '[^\x20-\x7e]' THEN
        RETURN '"' || replace(replace(s, '\', '\\'), '"', '\"') || '"';
    END IF;
    FOR i IN 1 .. length(s) LOOP
        code := ascii(substr(s, i, 1));
        out := out || CASE
            WHEN code = 34 THEN '\"'
            WHEN code = 92 THEN '\\'
            WHEN code = 8 THEN '\b'
            WHEN code = 12 THEN '\f'
            WHEN code = 10 THEN '\n'
            WHEN code = 13 THEN '\r'
            WHEN code = 9 THEN '\t'
            WHEN code BETWEEN 32 AND 126 THEN chr(code)
            WHEN code > 65535 THEN
                '\u' || lpad(to_hex(55296 + ((code - 65536) >> 10)), 4, '0')
                || '\u' || lpad(to_hex(56320 + ((code - 65536) & 1023)), 4, '0')
            ELSE '\u' || lpad(to_hex(code), 4, '0')
        END;
    END LOOP;
    RETURN out || '"';
END $$
"""

# Entry.canonical(): keys sorted, no spaces, "at" as datetime.isoformat() in UTC
# (microseconds only when non-zero). A single SELECT, so PL/pgSQL can inline it.
CANONICAL = r"""
CREATE OR REPLACE FUNCTION tillcard_entry_canonical(
    p_id uuid, p_till bigint, p_seq bigint, p_kind text, p_card bigint, p_cash bigint,
    p_bonus_json text, p_grant_id text, p_grant_amount bigint, p_grant_expires date,
    p_list bigint, p_discount bigint, p_tendered bigint, p_refers uuid, p_cashier bigint,
    p_at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT '{"at":"'
    || replace(to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '')
    || '+00:00","bonus":' || p_bonus_json
    || ',"card":' || p_card || ',"cash":' || p_cash
    || ',"cashier":' || coalesce(p_cashier::text, 'null')
    || ',"discount":' || p_discount
    || ',"grant":' || CASE WHEN p_grant_id IS NULL THEN 'null' ELSE
           '[' || tillcard_json_str(p_grant_id) || ',' || p_grant_amount || ',"'
           || to_char(p_grant_expires, 'YYYY-MM-DD') || '"]' END
    || ',"id":"' || p_id || '","kind":' || tillcard_json_str(p_kind)
    || ',"list":' || p_list
    || ',"refers":' || CASE WHEN p_refers IS NULL THEN 'null' ELSE '"' || p_refers || '"' END
    || ',"seq":' || p_seq || ',"tendered":' || p_tendered || ',"till":' || p_till || '}'
$$
"""

# journal.chain_hash(): SHA-256 over the previous hash's bytes and the canonical bytes.
# STABLE like convert_to() (and not STRICT), so that the planner can inline it.
CHAIN_HASH = """
CREATE OR REPLACE FUNCTION tillcard_chain_hash(p_prev text, p_canonical text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT encode(sha256(decode(p_prev, 'hex') || convert_to(p_canonical, 'UTF8')), 'hex')
$$
"""

# The sale. Mirrors, in this order: Ledger._lock, Ledger._replay, Ledger._expire,
# make_quote (Wallet.available / allocate: live grants soonest-expiring first, ties by id
# in code-point order, hence COLLATE "C"), sale_refusal (card_state_refusal,
# insufficient, limit_refusal, pin_refusal), Ledger._append. Errors a caller must see as
# exceptions use SQLSTATEs of their own: TC404 unknown card or till, TC409 the UUID is
# recorded with a different card, kind or amount, TC422 reference data the domain refuses.
#
# Written for few statements (each costs more than the arithmetic around it): the purse
# lock with the card; grants, replay look-up and the till's chain lock in one statement
# (after the card's lock, so they see what the transaction we may have waited for did);
# the chain head read inside the INSERT (after the chain lock, same reason). Today's spend
# is handed to the journal trigger (``tillcard.spend``, keyed by the entry's id), which
# writes it in the same UPDATE of the purse that moves the money: one row version per
# sale instead of two. The answer is one JSON document.
SALE = r"""
CREATE OR REPLACE FUNCTION tillcard_sale(
    p_id uuid, p_till integer, p_card bigint, p_list bigint, p_at timestamptz,
    p_today date, p_cashier integer, p_split boolean, p_pin_verified boolean,
    p_max_pin_failures integer, p_lock_key integer) RETURNS json
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    c record;
    v_ids text[];
    v_rem bigint[];
    v_exp date[];
    v_replay json;
    v_locked integer;
    w_ids text[] := '{}';
    w_rem bigint[] := '{}';
    w_exp date[] := '{}';
    n integer;
    s_amount bigint := 0;
    s_count integer := 0;
    v_stale text := '';
    v_stale_total bigint := 0;
    x_id uuid;
    x_seq bigint;
    x_prev text;
    x_parts text;
    x_hash text;
    v_live bigint := 0;
    q_discount bigint;
    q_charge bigint;
    q_balance bigint;
    q_available bigint;
    q_shortfall bigint;
    v_part bigint;
    v_rest bigint;
    v_take bigint;
    a_ids text[] := '{}';
    a_amounts bigint[] := '{}';
    r_code text;
    r_numbers json;
    v_parts text := '';
    e_seq bigint;
    e_prev text;
    e_hash text;
    v_spend text;
    k integer;
BEGIN
    -- Ledger._lock: the card's purse row, serialising every change to this card
    SELECT p.cash, p.day, p.day_amount, p.day_count,
           cd.number, cd.uid, cd.status, cd.valid_until, cd.pin_hash, cd.pin_failures,
           h.id AS holder_id, h.name AS holder_name, h.staff_no,
           t.code, t.name AS type_name, t.discount_bp, t.per_txn_limit,
           t.daily_amount_limit, t.daily_count_limit, t.pin_above, t.offline_limit,
           t.validity_days, t.bonus_bp, t.bonus_tiers, t.bonus_expiry_days
      INTO c
      FROM purses p
      JOIN cards cd ON cd.id = p.card_id
      JOIN holders h ON h.id = cd.holder_id
      JOIN card_types t ON t.id = cd.card_type_id
     WHERE p.card_id = p_card
       FOR UPDATE OF p;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown card id %', p_card USING ERRCODE = 'TC404';
    END IF;
    -- what mapping.card_from / CardType refuse to build
    IF c.status NOT IN ('active', 'frozen', 'lost', 'blocked', 'closed', 'expired') THEN
        RAISE EXCEPTION '% is not a valid CardStatus', c.status USING ERRCODE = 'TC422';
    END IF;
    IF c.discount_bp NOT BETWEEN 0 AND 10000 THEN
        RAISE EXCEPTION 'discount must be 0..10000 basis points, got %', c.discount_bp
            USING ERRCODE = 'TC422';
    END IF;
    IF c.day = p_today THEN
        s_amount := c.day_amount;
        s_count := c.day_count;
    END IF;
    SELECT array_agg(g.id ORDER BY g.expires_on, g.id COLLATE "C"),
           array_agg(g.remaining ORDER BY g.expires_on, g.id COLLATE "C"),
           array_agg(g.expires_on ORDER BY g.expires_on, g.id COLLATE "C"),
           (SELECT row_to_json(jr) FROM journal jr WHERE jr.id = p_id),
           (SELECT 1 FROM pg_advisory_xact_lock(p_lock_key, p_till))
      INTO v_ids, v_rem, v_exp, v_replay, v_locked
      FROM bonus_grants g
     WHERE g.card_id = p_card AND g.remaining <> 0;
    n := coalesce(array_length(v_ids, 1), 0);

    -- Ledger._replay: a retry returns the first result; other content is a conflict
    IF v_replay IS NOT NULL THEN
        IF (v_replay->>'card_id')::bigint <> p_card OR v_replay->>'kind' <> 'sale'
           OR (p_list <> 0 AND (v_replay->>'list_amount')::bigint <> p_list) THEN
            RAISE EXCEPTION 'entry % exists with a different card, kind or amount', p_id
                USING ERRCODE = 'TC409';
        END IF;
        RETURN json_build_object(
            'status', 'replayed', 'card', row_to_json(c), 'spent', s_amount,
            'spent_count', s_count, 'grant_ids', coalesce(v_ids, '{}'),
            'grant_remaining', coalesce(v_rem, '{}'), 'grant_expires', coalesce(v_exp, '{}'),
            'entry', v_replay);
    END IF;

    -- Ledger._expire: stale remainders leave through an entry; the rest is the wallet
    FOR i IN 1 .. n LOOP
        IF v_rem[i] > 0 AND v_exp[i] < p_today THEN
            v_stale := v_stale || CASE WHEN v_stale = '' THEN '[' ELSE ',[' END
                || tillcard_json_str(v_ids[i]) || ',' || (-v_rem[i]) || ']';
            v_stale_total := v_stale_total + v_rem[i];
        ELSE
            w_ids := w_ids || v_ids[i];
            w_rem := w_rem || v_rem[i];
            w_exp := w_exp || v_exp[i];
        END IF;
    END LOOP;
    IF v_stale <> '' THEN
        x_id := gen_random_uuid();
        x_parts := '[' || v_stale || ']';
        v_spend := set_config('tillcard.spend', x_id || ' ' || to_char(p_today, 'YYYY-MM-DD')
                              || ' ' || s_amount || ' ' || s_count, true);
        INSERT INTO journal (id, till_id, seq, kind, card_id, cash_delta, bonus_delta,
                             bonus_parts, grant_id, grant_amount, grant_expires_on,
                             list_amount, discount, tendered_cash, refers_to, void_of,
                             cashier_id, created_at, recorded_at, prev_hash, hash)
        SELECT x_id, p_till, tl.last_seq + 1, 'expire', p_card, 0, -v_stale_total, x_parts,
               NULL, 0, NULL, 0, 0, 0, NULL, NULL, p_cashier, p_at, now(), tl.last_hash,
               tillcard_chain_hash(tl.last_hash, tillcard_entry_canonical(
                   x_id, p_till, tl.last_seq + 1, 'expire', p_card, 0, x_parts, NULL, 0,
                   NULL, 0, 0, 0, NULL, p_cashier, p_at))
          FROM tills tl WHERE tl.id = p_till
        RETURNING seq, prev_hash, hash INTO x_seq, x_prev, x_hash;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'unknown till %', p_till USING ERRCODE = 'TC404';
        END IF;
    END IF;

    -- make_quote: discount rounded half up once, then bonus grants, then cash
    q_discount := (p_list * c.discount_bp + 5000) / 10000;
    q_charge := p_list - q_discount;
    k := coalesce(array_length(w_ids, 1), 0);
    FOR i IN 1 .. k LOOP
        IF w_rem[i] > 0 AND w_exp[i] >= p_today THEN
            v_live := v_live + w_rem[i];
        END IF;
    END LOOP;
    q_balance := c.cash + v_live;
    q_available := greatest(0, q_balance);
    v_part := least(q_charge, q_available);
    q_shortfall := q_charge - v_part;
    v_rest := v_part;
    FOR i IN 1 .. k LOOP
        EXIT WHEN v_rest = 0;
        IF w_rem[i] > 0 AND w_exp[i] >= p_today THEN
            v_take := least(w_rem[i], v_rest);
            a_ids := a_ids || w_ids[i];
            a_amounts := a_amounts || v_take;
            v_rest := v_rest - v_take;
        END IF;
    END LOOP;

    -- sale_refusal: the first reason, with the numbers the cashier needs
    IF p_list = 0 THEN
        r_code := 'nothing_to_charge';
    ELSIF c.status <> 'active' THEN
        r_code := c.status;
    ELSIF c.valid_until IS NOT NULL AND p_today > c.valid_until THEN
        r_code := 'expired';
    ELSIF c.pin_failures >= p_max_pin_failures THEN
        r_code := 'pin_locked';
    ELSIF q_shortfall <> 0 AND NOT p_split THEN
        r_code := 'insufficient';
        r_numbers := json_build_object('shortfall', q_shortfall, 'available', q_available);
    ELSIF coalesce(c.per_txn_limit, 0) <> 0 AND v_part > c.per_txn_limit THEN
        r_code := 'over_txn_limit';
        r_numbers := json_build_object('limit', c.per_txn_limit);
    ELSIF coalesce(c.daily_count_limit, 0) <> 0 AND s_count + 1 > c.daily_count_limit THEN
        r_code := 'over_daily_count';
        r_numbers := json_build_object('limit_count', c.daily_count_limit);
    ELSIF coalesce(c.daily_amount_limit, 0) <> 0
          AND s_amount + v_part > c.daily_amount_limit THEN
        r_code := 'over_daily_amount';
        r_numbers := json_build_object('left', greatest(0, c.daily_amount_limit - s_amount),
                                       'limit', c.daily_amount_limit);
    ELSIF c.pin_above IS NOT NULL AND v_part > c.pin_above AND NOT p_pin_verified THEN
        r_code := 'pin_required';
        r_numbers := json_build_object('limit', c.pin_above);
    END IF;

    IF r_code IS NULL THEN
        -- Ledger._append: next in the till's chain, with today's spend in the same statement
        FOR i IN 1 .. coalesce(array_length(a_ids, 1), 0) LOOP
            v_parts := v_parts || CASE WHEN i = 1 THEN '[' ELSE ',[' END
                || tillcard_json_str(a_ids[i]) || ',' || (-a_amounts[i]) || ']';
        END LOOP;
        v_parts := '[' || v_parts || ']';
        v_spend := set_config('tillcard.spend', p_id || ' ' || to_char(p_today, 'YYYY-MM-DD')
                              || ' ' || (s_amount + v_part) || ' ' || (s_count + 1), true);
        INSERT INTO journal (id, till_id, seq, kind, card_id, cash_delta, bonus_delta,
                             bonus_parts, grant_id, grant_amount, grant_expires_on,
                             list_amount, discount, tendered_cash, refers_to, void_of,
                             cashier_id, created_at, recorded_at, prev_hash, hash)
        SELECT p_id, p_till, tl.last_seq + 1, 'sale', p_card, -v_rest, v_rest - v_part,
               v_parts, NULL, 0, NULL, p_list, q_discount, q_shortfall, NULL, NULL,
               p_cashier, p_at, now(), tl.last_hash,
               tillcard_chain_hash(tl.last_hash, tillcard_entry_canonical(
                   p_id, p_till, tl.last_seq + 1, 'sale', p_card, -v_rest, v_parts, NULL, 0,
                   NULL, p_list, q_discount, q_shortfall, NULL, p_cashier, p_at))
          FROM tills tl WHERE tl.id = p_till
        ON CONFLICT (id) DO NOTHING
        RETURNING seq, prev_hash, hash INTO e_seq, e_prev, e_hash;
        IF NOT FOUND THEN
            IF NOT EXISTS (SELECT 1 FROM tills tl WHERE tl.id = p_till) THEN
                RAISE EXCEPTION 'unknown till %', p_till USING ERRCODE = 'TC404';
            END IF;
            -- the same UUID arrived meanwhile for another card
            RAISE EXCEPTION 'entry % exists with a different card, kind or amount', p_id
                USING ERRCODE = 'TC409';
        END IF;
        s_amount := s_amount + v_part;
        s_count := s_count + 1;
    END IF;

    RETURN json_build_object(
        'status', CASE WHEN r_code IS NULL THEN 'applied' ELSE 'refused' END,
        'card', row_to_json(c), 'spent', s_amount, 'spent_count', s_count,
        'grant_ids', w_ids, 'grant_remaining', w_rem, 'grant_expires', w_exp,
        'discount', q_discount, 'charge', q_charge, 'balance', q_balance,
        'available', q_available, 'shortfall', q_shortfall, 'alloc_ids', a_ids,
        'alloc_amounts', a_amounts, 'alloc_cash', v_rest, 'refusal', r_code,
        'numbers', r_numbers, 'seq', e_seq, 'prev_hash', e_prev,
        'expire_id', x_id, 'expire_seq', x_seq, 'expire_prev_hash', x_prev,
        'expire_parts', x_parts);
END $$
"""

# 0003's projection trigger, with two changes and otherwise the same behaviour (chain
# check, purses, grants, a negative sale blocks the card and raises an exception): it
# writes the spend of the day that tillcard_sale() hands over for this very entry in the
# same UPDATE, and it skips the grant loop when the entry touches no grant.
APPLY = """
CREATE OR REPLACE FUNCTION tillcard_journal_apply() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE part json; new_cash bigint; spend text; cleared text;
BEGIN
    UPDATE tills SET last_seq = NEW.seq, last_hash = NEW.hash
     WHERE id = NEW.till_id AND last_seq = NEW.seq - 1 AND last_hash = NEW.prev_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'entry % does not continue the chain of till %', NEW.seq,
            NEW.till_id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    spend := current_setting('tillcard.spend', true);
    IF spend <> '' AND split_part(spend, ' ', 1) = NEW.id::text THEN
        cleared := set_config('tillcard.spend', '', true);
        UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + NEW.bonus_delta,
                          day = split_part(spend, ' ', 2)::date,
                          day_amount = split_part(spend, ' ', 3)::bigint,
                          day_count = split_part(spend, ' ', 4)::integer, updated_at = now()
         WHERE card_id = NEW.card_id RETURNING cash INTO new_cash;
    ELSE
        UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + NEW.bonus_delta
         WHERE card_id = NEW.card_id RETURNING cash INTO new_cash;
    END IF;
    IF NEW.bonus_parts <> '[]' THEN
        FOR part IN SELECT * FROM json_array_elements(NEW.bonus_parts::json) LOOP
            UPDATE bonus_grants SET remaining = remaining + (part->>1)::bigint
             WHERE id = part->>0;
        END LOOP;
    END IF;
    IF NEW.grant_id IS NOT NULL THEN
        INSERT INTO bonus_grants (id, card_id, remaining, expires_on, origin_entry)
        VALUES (NEW.grant_id, NEW.card_id, NEW.grant_amount, NEW.grant_expires_on, NEW.id);
    END IF;
    IF new_cash < 0 AND NEW.kind = 'sale' THEN
        UPDATE cards SET status = 'blocked', updated_at = now()
         WHERE id = NEW.card_id AND status = 'active';
        INSERT INTO exceptions (entry_id, till_id, card_id, cashier_id, kind, amount,
                                sold_at, recorded_at, note)
        VALUES (NEW.id, NEW.till_id, NEW.card_id, NEW.cashier_id, 'negative_balance',
                new_cash, NEW.created_at, now(), '')
        ON CONFLICT (entry_id) DO NOTHING;
    END IF;
    RETURN NULL;
END $$
"""

FUNCTIONS = ("tillcard_sale(uuid, integer, bigint, bigint, timestamptz, date, integer, "
             "boolean, boolean, integer, integer)",
             "tillcard_entry_canonical(uuid, bigint, bigint, text, bigint, bigint, text, "
             "text, bigint, date, bigint, bigint, bigint, uuid, bigint, timestamptz)",
             "tillcard_chain_hash(text, text)",
             "tillcard_json_str(text)")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for sql in (JSON_STR, CANONICAL, CHAIN_HASH, SALE, APPLY):
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for fn in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")
    # 0003's trigger function, from 0003 itself
    previous = context.script.get_revision("0003")
    assert previous is not None
    for sql in previous.module.PG_UP:
        if "FUNCTION tillcard_journal_apply()" in sql:
            op.execute(sql)
