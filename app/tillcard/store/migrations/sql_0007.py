"""Migration 0007's money functions, as they were written then (frozen like the migration).

Each is SECURITY DEFINER with ``search_path`` pinned (``pg_temp`` last), validates every
argument, takes time and date from the server (``tillcard.fake_now`` is honoured for the
owner or a superuser only: tests move the centre's clock), and writes only the chain of
the till the caller's login is bound to. They mirror the domain:

- ``tillcard_sale``: ``Ledger._sale`` — ``make_quote``, ``sale_refusal``,
  ``Wallet.allocate``, bonus expiry, replay and ``DayCounter``;
- ``tillcard_void``: ``Ledger.void``; ``tillcard_recharge``: ``Ledger.recharge``;
- ``tillcard_backfill``: ``store.backfill`` (a till's offline sales, nothing refused).

SQLSTATEs of their own: TC403 the login may not write this till's chain, TC404 unknown
card, till or sale, TC409 the UUID is recorded with other content, TC410 the sale is
already voided, TC422 an argument or reference row the domain refuses.
"""

PATH = "SET search_path = pg_catalog, public, pg_temp"

# The head of every function: site row, the caller's right to the till's chain, the clock.
_HEAD = """
    SELECT si.time_zone, si.day_cutoff_min, si.max_amount, lg.till_id AS bound
      INTO s FROM site si LEFT JOIN till_logins lg ON lg.login = session_user::text
     WHERE si.id = 1;
    IF s.bound IS NOT DISTINCT FROM p_till THEN
        v_owner := false;  -- the till's own login
    ELSE
        v_owner := session_user = current_user
                   OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user);
        IF NOT v_owner THEN
            RAISE EXCEPTION 'login % may not write the chain of till %', session_user,
                p_till USING ERRCODE = 'TC403';
        END IF;
    END IF;
    IF current_setting('tillcard.fake_now', true) IS NULL
       OR current_setting('tillcard.fake_now', true) = '' THEN
        v_at := now();
    ELSE
        v_at := tillcard_now();
    END IF;
    v_today := ((v_at AT TIME ZONE s.time_zone)
                - make_interval(mins => s.day_cutoff_min))::date;
"""

_HEAD_VARS = """
    s record;
    v_owner boolean;
    v_at timestamptz;
    v_today date;
"""

# The card, its holder and type, and its purse, locked: what every decision reads.
_LOCK_CARD = """
    SELECT p.card_id, p.cash, p.day, p.day_amount, p.day_count, p.version,
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
     WHERE p.card_id = {card}
       FOR UPDATE OF p;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown card id %', {card} USING ERRCODE = 'TC404';
    END IF;
    IF c.status NOT IN ('active', 'frozen', 'lost', 'blocked', 'closed', 'expired') THEN
        RAISE EXCEPTION '% is not a valid CardStatus', c.status USING ERRCODE = 'TC422';
    END IF;
    IF c.discount_bp NOT BETWEEN 0 AND 10000 THEN
        RAISE EXCEPTION 'discount must be 0..10000 basis points, got %', c.discount_bp
            USING ERRCODE = 'TC422';
    END IF;
"""

# INSERT ... SELECT over the till's head row, hashed as Entry.canonical() does.
_INSERT_ENTRY = """
        INSERT INTO journal (id, till_id, seq, kind, card_id, cash_delta, bonus_delta,
                             bonus_parts, grant_id, grant_amount, grant_expires_on,
                             list_amount, discount, tendered_cash, refers_to, void_of,
                             cashier_id, created_at, recorded_at, prev_hash, hash)
        SELECT {id}, p_till, tl.last_seq + 1, {kind}, {card}, {cash}, {bonus}, {parts},
               {grant_id}, {grant_amount}, {grant_expires}, {list}, {discount}, {tendered},
               {refers}, {void_of}, {cashier}, {at}, now(), tl.last_hash,
               tillcard_chain_hash(tl.last_hash, tillcard_entry_canonical(
                   {id}, p_till, tl.last_seq + 1, {kind}, {card}, {cash}, {parts},
                   {grant_id}, {grant_amount}, {grant_expires}, {list}, {discount},
                   {tendered}, {refers}, {cashier}, {at}))
          FROM tills tl WHERE tl.id = p_till
        {conflict}
        RETURNING seq, prev_hash, hash INTO {into};
        IF NOT FOUND THEN
            IF NOT EXISTS (SELECT 1 FROM tills tl WHERE tl.id = p_till) THEN
                RAISE EXCEPTION 'unknown till %', p_till USING ERRCODE = 'TC404';
            END IF;
            RAISE EXCEPTION 'entry % exists with a different card, kind or amount', {id}
                USING ERRCODE = 'TC409';
        END IF;
"""


def _insert(**kw: str) -> str:
    values = {"grant_id": "NULL", "grant_amount": "0", "grant_expires": "NULL",
              "list": "0", "discount": "0", "tendered": "0", "refers": "NULL",
              "void_of": "NULL", "conflict": "ON CONFLICT (id) DO NOTHING"}
    values.update(kw)
    return _INSERT_ENTRY.format(**values)


# The sale's lock: the card as _LOCK_CARD reads it, with the site and the till's login.
_LOCK_SALE = _LOCK_CARD.format(card="p_card").replace(
    "           t.validity_days, t.bonus_bp, t.bonus_tiers, t.bonus_expiry_days\n      INTO c",
    "           t.validity_days, t.bonus_bp, t.bonus_tiers, t.bonus_expiry_days,\n"
    "           si.time_zone, si.day_cutoff_min, si.max_amount, lg.till_id AS bound\n"
    "      INTO c").replace(
    "      JOIN card_types t ON t.id = cd.card_type_id\n",
    "      JOIN card_types t ON t.id = cd.card_type_id\n"
    "      JOIN site si ON si.id = 1\n"
    "      LEFT JOIN till_logins lg ON lg.login = session_user::text\n")
assert "si.time_zone" in _LOCK_SALE
assert "JOIN site si" in _LOCK_SALE

# _HEAD, reading what the lock brought
_SALE_HEAD = _HEAD.replace(
    """    SELECT si.time_zone, si.day_cutoff_min, si.max_amount, lg.till_id AS bound
      INTO s FROM site si LEFT JOIN till_logins lg ON lg.login = session_user::text
     WHERE si.id = 1;
""", "").replace("s.bound", "c.bound").replace("s.time_zone", "c.time_zone").replace(
    "s.day_cutoff_min", "c.day_cutoff_min")
assert "INTO s" not in _SALE_HEAD
assert " s." not in _SALE_HEAD

_EXPIRE_INSERT = _insert(id="x_id", kind="'expire'", card="p_card", cash="0",
                         bonus="-v_stale_total", parts="x_parts", cashier="p_cashier",
                         at="v_at", into="x_seq, x_prev, x_hash", conflict="")

_SALE_INSERT = _insert(id="p_id", kind="'sale'", card="p_card", cash="-v_rest",
                       bonus="v_rest - v_part", parts="v_parts", list="p_list",
                       discount="q_discount", tendered="q_shortfall", cashier="p_cashier",
                       at="v_at", into="e_seq, e_prev, e_hash")

SALE = f"""
CREATE OR REPLACE FUNCTION tillcard_sale(
    p_id uuid, p_till integer, p_card bigint, p_list bigint, p_cashier integer,
    p_split boolean, p_pin_verified boolean) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    c record;
    v_day date;
    v_ids text[];
    v_rem bigint[];
    v_exp date[];
    v_replay json;
    v_locked integer;
    v_cashier_ok boolean;
    w_ids text[] := '{{}}';
    w_rem bigint[] := '{{}}';
    w_exp date[] := '{{}}';
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
    a_ids text[] := '{{}}';
    a_amounts bigint[] := '{{}}';
    r_code text;
    r_numbers json;
    v_parts text := '';
    e_seq bigint;
    e_prev text;
    e_hash text;
    v_spend text;
    v_entries integer := 0;
    k integer;
BEGIN
    IF p_id IS NULL OR p_card IS NULL OR p_list IS NULL OR p_split IS NULL
       OR p_pin_verified IS NULL THEN
        RAISE EXCEPTION 'a sale needs an id, a card, an amount and its flags'
            USING ERRCODE = 'TC422';
    END IF;
    -- the card's lock brings the site row and the caller's binding with it (one statement
    -- fewer on the hot path); nothing is written before the caller is checked
    {_LOCK_SALE}
    {_SALE_HEAD}
    IF p_list < 0 OR p_list > c.max_amount THEN
        RAISE EXCEPTION 'amount % is outside 0..%', p_list, c.max_amount
            USING ERRCODE = 'TC422';
    END IF;
    -- DayCounter: a clock behind the counter counts on the counter's day (expiry,
    -- validity and allocation follow the clock itself)
    IF c.day IS NOT NULL AND c.day > v_today THEN
        v_day := c.day;
    ELSE
        v_day := v_today;
    END IF;
    IF c.day = v_day THEN
        s_amount := c.day_amount;
        s_count := c.day_count;
    END IF;
    SELECT array_agg(g.id ORDER BY g.expires_on, g.id COLLATE "C"),
           array_agg(g.remaining ORDER BY g.expires_on, g.id COLLATE "C"),
           array_agg(g.expires_on ORDER BY g.expires_on, g.id COLLATE "C"),
           (SELECT row_to_json(jr) FROM journal jr WHERE jr.id = p_id),
           (SELECT u.active FROM users u WHERE u.id = p_cashier),
           (SELECT 1 FROM pg_advisory_xact_lock({0x7111}, p_till))
      INTO v_ids, v_rem, v_exp, v_replay, v_cashier_ok, v_locked
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
            'spent_count', s_count, 'grant_ids', coalesce(v_ids, '{{}}'),
            'grant_remaining', coalesce(v_rem, '{{}}'),
            'grant_expires', coalesce(v_exp, '{{}}'), 'entry', v_replay, 'at', v_at,
            'today', v_day, 'version', c.version);
    END IF;
    IF p_cashier IS NOT NULL AND v_cashier_ok IS NOT TRUE THEN
        RAISE EXCEPTION 'cashier % is unknown or disabled', p_cashier
            USING ERRCODE = 'TC422';
    END IF;

    -- Ledger._expire: stale remainders leave through an entry; the rest is the wallet
    FOR i IN 1 .. n LOOP
        IF v_rem[i] > 0 AND v_exp[i] < v_today THEN
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
        {_EXPIRE_INSERT}
        v_entries := v_entries + 1;
    END IF;

    -- make_quote: discount rounded half up once, then bonus grants, then cash
    q_discount := (p_list * c.discount_bp + 5000) / 10000;
    q_charge := p_list - q_discount;
    k := coalesce(array_length(w_ids, 1), 0);
    FOR i IN 1 .. k LOOP
        IF w_rem[i] > 0 AND w_exp[i] >= v_today THEN
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
        IF w_rem[i] > 0 AND w_exp[i] >= v_today THEN
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
    ELSIF c.valid_until IS NOT NULL AND v_today > c.valid_until THEN
        r_code := 'expired';
    ELSIF c.pin_failures >= 3 THEN
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
        FOR i IN 1 .. coalesce(array_length(a_ids, 1), 0) LOOP
            v_parts := v_parts || CASE WHEN i = 1 THEN '[' ELSE ',[' END
                || tillcard_json_str(a_ids[i]) || ',' || (-a_amounts[i]) || ']';
        END LOOP;
        v_parts := '[' || v_parts || ']';
        v_spend := set_config('tillcard.spend', p_id || ' ' || to_char(v_day, 'YYYY-MM-DD')
                              || ' ' || (s_amount + v_part) || ' ' || (s_count + 1), true);
        {_SALE_INSERT}
        s_amount := s_amount + v_part;
        s_count := s_count + 1;
        v_entries := v_entries + 1;
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
        'expire_parts', x_parts, 'at', v_at, 'version', c.version + v_entries,
        -- the counter's day only when a clock behind it made it differ from the clock's
        'today', CASE WHEN v_day <> v_today THEN v_day END);
END $$
"""

# The wallet of a locked card after a change, as the answers carry it.
_WALLET = """
        'grant_ids', coalesce((SELECT array_agg(g.id ORDER BY g.expires_on, g.id COLLATE "C")
                               FROM bonus_grants g WHERE g.card_id = {card}
                                AND g.remaining <> 0), '{{}}'),
        'grant_remaining', coalesce((SELECT array_agg(g.remaining ORDER BY g.expires_on,
                                                      g.id COLLATE "C")
                               FROM bonus_grants g WHERE g.card_id = {card}
                                AND g.remaining <> 0), '{{}}'),
        'grant_expires', coalesce((SELECT array_agg(g.expires_on ORDER BY g.expires_on,
                                                    g.id COLLATE "C")
                               FROM bonus_grants g WHERE g.card_id = {card}
                                AND g.remaining <> 0), '{{}}'),
        'cash', (SELECT p.cash FROM purses p WHERE p.card_id = {card}),
        'version', (SELECT p.version FROM purses p WHERE p.card_id = {card}),
        'day', (SELECT p.day FROM purses p WHERE p.card_id = {card}),
        'day_amount', (SELECT p.day_amount FROM purses p WHERE p.card_id = {card}),
        'day_count', (SELECT p.day_count FROM purses p WHERE p.card_id = {card}),
"""

_VOID_INSERT = _insert(id="p_id", kind="'void'", card="sale.card_id",
                       cash="-sale.cash_delta", bonus="-sale.bonus_delta", parts="v_parts",
                       tendered="sale.tendered_cash", refers="p_sale", void_of="p_sale",
                       cashier="p_cashier", at="v_at", into="e_seq, e_prev, e_hash",
                       conflict="")

VOID = f"""
CREATE OR REPLACE FUNCTION tillcard_void(p_id uuid, p_till integer, p_sale uuid,
                                         p_cashier integer) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    sale record;
    c record;
    v_replay record;
    v_parts text;
    v_sale_day date;
    v_part bigint;
    v_spend text;
    e_seq bigint;
    e_prev text;
    e_hash text;
BEGIN
    {_HEAD}
    IF p_id IS NULL OR p_sale IS NULL THEN
        RAISE EXCEPTION 'a void needs its own id and the sale''s' USING ERRCODE = 'TC422';
    END IF;
    SELECT * INTO sale FROM journal WHERE id = p_sale;
    IF NOT FOUND OR sale.kind <> 'sale' THEN
        RAISE EXCEPTION 'no such sale to void: %', p_sale USING ERRCODE = 'TC404';
    END IF;
    IF sale.till_id <> p_till AND NOT v_owner THEN
        RAISE EXCEPTION 'till % may void only its own sales', p_till USING ERRCODE = 'TC403';
    END IF;
    IF p_cashier IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM users u WHERE u.id = p_cashier AND u.active) THEN
        RAISE EXCEPTION 'cashier % is unknown or disabled', p_cashier
            USING ERRCODE = 'TC422';
    END IF;
    {_LOCK_CARD.format(card="sale.card_id")}
    PERFORM pg_advisory_xact_lock({0x7111}, p_till);
    SELECT * INTO v_replay FROM journal WHERE id = p_id;
    IF FOUND THEN
        IF v_replay.kind <> 'void' OR v_replay.refers_to IS DISTINCT FROM p_sale THEN
            RAISE EXCEPTION 'entry % exists with a different card, kind or amount', p_id
                USING ERRCODE = 'TC409';
        END IF;
        RETURN json_build_object('status', 'replayed', 'card', row_to_json(c),
            {_WALLET.format(card="sale.card_id")}
            'entry', row_to_json(v_replay), 'today', v_today);
    END IF;
    IF EXISTS (SELECT 1 FROM journal WHERE void_of = p_sale) THEN
        RAISE EXCEPTION 'this sale is already voided' USING ERRCODE = 'TC410';
    END IF;
    SELECT '[' || coalesce(string_agg('[' || tillcard_json_str(x->>0) || ','
                                      || (-((x->>1)::bigint)) || ']', ',' ORDER BY o), '')
           || ']'
      INTO v_parts
      FROM json_array_elements(sale.bonus_parts::json) WITH ORDINALITY AS t(x, o);
    -- DayCounter.remove: only the sale's own business day gives its spend back
    v_sale_day := ((sale.created_at AT TIME ZONE s.time_zone)
                   - make_interval(mins => s.day_cutoff_min))::date;
    v_part := -(sale.cash_delta + sale.bonus_delta);
    IF c.day = v_sale_day THEN
        v_spend := set_config('tillcard.spend', p_id || ' ' || to_char(c.day, 'YYYY-MM-DD')
                              || ' ' || greatest(0, c.day_amount - v_part) || ' '
                              || greatest(0, c.day_count - 1), true);
    END IF;
    {_VOID_INSERT}
    RETURN json_build_object('status', 'applied', 'card', row_to_json(c),
        {_WALLET.format(card="sale.card_id")}
        'seq', e_seq, 'prev_hash', e_prev, 'hash', e_hash, 'at', v_at, 'today', v_today,
        'card_id', sale.card_id, 'cash_delta', -sale.cash_delta, 'bonus_parts', v_parts,
        'tendered', sale.tendered_cash);
END $$
"""

_RECHARGE_INSERT = _insert(id="p_id", kind="'recharge'", card="p_card", cash="p_amount",
                           bonus="v_bonus", parts="'[]'", grant_id="v_grant_id",
                           grant_amount="v_bonus", grant_expires="v_expires",
                           list="p_amount", cashier="p_cashier", at="v_at",
                           into="e_seq, e_prev, e_hash")

RECHARGE = f"""
CREATE OR REPLACE FUNCTION tillcard_recharge(p_id uuid, p_till integer, p_card bigint,
                                             p_amount bigint, p_cashier integer)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    c record;
    v_replay record;
    v_tier bigint;
    v_bonus bigint;
    v_grant_id text;
    v_expires date;
    v_balance bigint;
    e_seq bigint;
    e_prev text;
    e_hash text;
BEGIN
    {_HEAD}
    IF p_id IS NULL OR p_card IS NULL OR p_amount IS NULL OR p_amount <= 0
       OR p_amount > s.max_amount THEN
        RAISE EXCEPTION 'a recharge must be a positive amount up to %', s.max_amount
            USING ERRCODE = 'TC422';
    END IF;
    IF p_cashier IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM users u WHERE u.id = p_cashier AND u.active) THEN
        RAISE EXCEPTION 'cashier % is unknown or disabled', p_cashier
            USING ERRCODE = 'TC422';
    END IF;
    {_LOCK_CARD.format(card="p_card")}
    PERFORM pg_advisory_xact_lock({0x7111}, p_till);
    SELECT * INTO v_replay FROM journal WHERE id = p_id;
    IF FOUND THEN
        IF v_replay.card_id <> p_card OR v_replay.kind <> 'recharge'
           OR v_replay.list_amount <> p_amount THEN
            RAISE EXCEPTION 'entry % exists with a different card, kind or amount', p_id
                USING ERRCODE = 'TC409';
        END IF;
        RETURN json_build_object('status', 'replayed', 'card', row_to_json(c),
            {_WALLET.format(card="p_card")}
            'entry', row_to_json(v_replay), 'today', v_today);
    END IF;
    IF c.status IN ('closed', 'lost') THEN
        RETURN json_build_object('status', 'refused', 'refusal', c.status,
            'card', row_to_json(c), {_WALLET.format(card="p_card")} 'today', v_today);
    END IF;
    -- RechargeRule.bonus_for: the best tier, or the percentage rounded half up
    SELECT coalesce(max((tier->>1)::bigint), 0) INTO v_tier
      FROM json_array_elements(coalesce(c.bonus_tiers, '[]')::json) tier
     WHERE p_amount >= (tier->>0)::bigint;
    v_bonus := greatest(v_tier, (p_amount * c.bonus_bp + 5000) / 10000);
    IF v_bonus > 0 THEN
        v_grant_id := p_id::text;
        v_expires := v_today + c.bonus_expiry_days;
    ELSE
        v_bonus := 0;
    END IF;
    {_RECHARGE_INSERT}
    IF c.status = 'blocked' THEN
        SELECT p.cash + coalesce((SELECT sum(g.remaining) FROM bonus_grants g
                                   WHERE g.card_id = p_card AND g.remaining > 0
                                     AND g.expires_on >= v_today), 0)
          INTO v_balance FROM purses p WHERE p.card_id = p_card;
        IF v_balance >= 0 THEN
            UPDATE cards SET status = 'active', updated_at = now() WHERE id = p_card;
            c.status := 'active';
        END IF;
    END IF;
    RETURN json_build_object('status', 'applied', 'card', row_to_json(c),
        {_WALLET.format(card="p_card")}
        'seq', e_seq, 'prev_hash', e_prev, 'hash', e_hash, 'at', v_at, 'today', v_today,
        'new_grant_id', v_grant_id, 'new_grant_amount', v_bonus,
        'new_grant_expires', v_expires);
END $$
"""

SET_PIN_FAILURES = f"""
CREATE OR REPLACE FUNCTION tillcard_set_pin_failures(p_till integer, p_card bigint,
                                                     p_failures integer) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
BEGIN
    {_HEAD}
    IF p_failures IS NULL OR p_failures NOT BETWEEN 0 AND 3 THEN
        RAISE EXCEPTION 'PIN failures must be 0..3' USING ERRCODE = 'TC422';
    END IF;
    UPDATE cards SET pin_failures = p_failures, updated_at = now() WHERE id = p_card;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown card id %', p_card USING ERRCODE = 'TC404';
    END IF;
END $$
"""

_BACKFILL_INSERT = _insert(id="v_id", kind="'sale'", card="v_card", cash="-v_rest",
                           bonus="-v_bonus", parts="v_parts", list="v_list",
                           discount="v_disc", tendered="v_tend", cashier="v_cashier",
                           at="v_when", into="e_seq, e_prev, e_hash", conflict="")

BACKFILL = f"""
CREATE OR REPLACE FUNCTION tillcard_backfill(p_till integer, p_batch json) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    v_cards bigint[];
    n_locked integer;
    v_last_at timestamptz;
    e json;
    old record;
    c record;
    g record;
    v_id uuid;
    v_card bigint;
    v_list bigint;
    v_disc bigint;
    v_tend bigint;
    v_cashier integer;
    v_claim timestamptz;
    v_claim_bonus bigint;
    v_when timestamptz;
    v_day date;
    v_part bigint;
    v_rest bigint;
    v_take bigint;
    v_bonus bigint;
    v_parts text;
    v_spend text;
    v_cash bigint;
    v_exc text[];
    e_seq bigint;
    e_prev text;
    e_hash text;
    results json[] := '{{}}';
BEGIN
    {_HEAD}
    IF p_batch IS NULL OR json_typeof(p_batch) <> 'array' THEN
        RAISE EXCEPTION 'a back-fill is a JSON array of sales' USING ERRCODE = 'TC422';
    END IF;
    IF json_array_length(p_batch) > 5000 THEN
        RAISE EXCEPTION 'at most 5000 entries per back-fill' USING ERRCODE = 'TC422';
    END IF;
    SELECT array_agg(DISTINCT (x->>'card')::bigint) INTO v_cards
      FROM json_array_elements(p_batch) x;
    -- every card of the batch, locked in card order: no cycle with another batch or sale
    SELECT count(*) INTO n_locked FROM (
        SELECT 1 FROM purses WHERE card_id = ANY(v_cards) ORDER BY card_id FOR UPDATE) q;
    IF n_locked <> coalesce(array_length(v_cards, 1), 0) THEN
        RAISE EXCEPTION 'unknown card id in back-fill' USING ERRCODE = 'TC404';
    END IF;
    PERFORM pg_advisory_xact_lock({0x7111}, p_till);
    SELECT last_at INTO v_last_at FROM tills WHERE id = p_till;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown till %', p_till USING ERRCODE = 'TC404';
    END IF;
    FOR e IN SELECT x FROM json_array_elements(p_batch) x LOOP
        v_id := (e->>'id')::uuid;
        v_card := (e->>'card')::bigint;
        v_list := (e->>'list')::bigint;
        v_disc := coalesce((e->>'discount')::bigint, 0);
        v_tend := coalesce((e->>'tendered')::bigint, 0);
        v_cashier := (e->>'cashier')::integer;
        v_claim := (e->>'at')::timestamptz;
        v_claim_bonus := coalesce((e->>'bonus')::bigint, 0);
        IF v_id IS NULL OR v_card IS NULL OR v_list IS NULL OR v_claim IS NULL THEN
            RAISE EXCEPTION 'a back-filled sale needs an id, a card, an amount and a time'
                USING ERRCODE = 'TC422';
        END IF;
        SELECT j.* INTO old FROM journal j WHERE j.id = v_id;
        IF FOUND THEN  -- a resent batch: applied once; other content is a conflict
            results := results || json_build_object(
                'id', v_id, 'status', CASE WHEN old.card_id = v_card AND old.kind = 'sale'
                                             AND old.list_amount = v_list
                                           THEN 'replayed' ELSE 'conflict' END,
                'entry', row_to_json(old));
            CONTINUE;
        END IF;
        IF v_list < 0 OR v_list > s.max_amount OR v_disc < 0 OR v_disc > v_list
           OR v_tend < 0 OR v_tend > v_list - v_disc THEN
            RAISE EXCEPTION 'sale %: amounts out of range', v_id USING ERRCODE = 'TC422';
        END IF;
        -- the till's clock, bounded: never in the future, never before its last entry
        v_when := least(v_claim, v_at);
        IF v_last_at IS NOT NULL AND v_when < v_last_at THEN
            v_when := v_last_at;
        END IF;
        v_day := ((v_when AT TIME ZONE s.time_zone)
                  - make_interval(mins => s.day_cutoff_min))::date;
        v_part := v_list - v_disc - v_tend;
        -- Wallet.allocate on the sale's day: bonus soonest-expiring first, the rest cash
        v_rest := v_part;
        v_bonus := 0;
        v_parts := '';
        FOR g IN SELECT b.id, b.remaining FROM bonus_grants b
                  WHERE b.card_id = v_card AND b.remaining > 0 AND b.expires_on >= v_day
                  ORDER BY b.expires_on, b.id COLLATE "C" LOOP
            EXIT WHEN v_rest = 0;
            v_take := least(g.remaining, v_rest);
            v_parts := v_parts || CASE WHEN v_parts = '' THEN '[' ELSE ',[' END
                || tillcard_json_str(g.id) || ',' || (-v_take) || ']';
            v_rest := v_rest - v_take;
            v_bonus := v_bonus + v_take;
        END LOOP;
        v_parts := '[' || v_parts || ']';
        SELECT p.day, p.day_amount, p.day_count, cd.status INTO c
          FROM purses p JOIN cards cd ON cd.id = p.card_id WHERE p.card_id = v_card;
        -- DayCounter.add: a later day resets, the same day adds, an earlier one is left
        IF c.day IS NULL OR v_day > c.day THEN
            v_spend := set_config('tillcard.spend', v_id || ' '
                                  || to_char(v_day, 'YYYY-MM-DD') || ' ' || v_part || ' 1',
                                  true);
        ELSIF v_day = c.day THEN
            v_spend := set_config('tillcard.spend', v_id || ' '
                                  || to_char(v_day, 'YYYY-MM-DD') || ' '
                                  || (c.day_amount + v_part) || ' ' || (c.day_count + 1),
                                  true);
        END IF;
        {_BACKFILL_INSERT}
        v_last_at := greatest(v_last_at, v_when);
        SELECT cash INTO v_cash FROM purses WHERE card_id = v_card;
        v_exc := '{{}}';
        IF v_cash < 0 THEN
            v_exc := v_exc || 'negative_balance'::text;  -- recorded by the journal trigger
        END IF;
        IF c.status NOT IN ('active', 'blocked') THEN
            INSERT INTO exceptions (entry_id, till_id, card_id, cashier_id, kind, amount,
                                    sold_at, recorded_at, note)
            VALUES (v_id, p_till, v_card, v_cashier, 'sold_while_' || c.status, v_cash,
                    v_when, now(), '')
            ON CONFLICT (entry_id, kind) DO NOTHING;
            v_exc := v_exc || ('sold_while_' || c.status);
        END IF;
        IF v_claim_bonus > v_bonus THEN  -- a grant expired or emptied since the sale
            INSERT INTO exceptions (entry_id, till_id, card_id, cashier_id, kind, amount,
                                    sold_at, recorded_at, note)
            VALUES (v_id, p_till, v_card, v_cashier, 'bonus_moved_to_cash',
                    v_claim_bonus - v_bonus, v_when, now(),
                    'bonus the till used offline was no longer there; paid from cash')
            ON CONFLICT (entry_id, kind) DO NOTHING;
            v_exc := v_exc || 'bonus_moved_to_cash'::text;
        END IF;
        results := results || json_build_object(
            'id', v_id, 'status', 'applied', 'seq', e_seq, 'prev_hash', e_prev,
            'hash', e_hash, 'at', v_when, 'cash', -v_rest, 'parts', v_parts,
            'exceptions', v_exc);
    END LOOP;
    RETURN json_build_object(
        'results', to_json(results),
        'purses', (SELECT coalesce(json_agg(row_to_json(p)), '[]') FROM (
            SELECT card_id, cash, bonus, day, day_amount, day_count, version
              FROM purses WHERE card_id = ANY(v_cards)) p),
        'grants', (SELECT coalesce(json_agg(row_to_json(b)), '[]') FROM (
            SELECT id, card_id, remaining, expires_on, origin_entry, version
              FROM bonus_grants WHERE card_id = ANY(v_cards)) b),
        'cards', (SELECT coalesce(json_agg(row_to_json(k)), '[]') FROM (
            SELECT id, status FROM cards WHERE id = ANY(v_cards)) k));
END $$
"""
