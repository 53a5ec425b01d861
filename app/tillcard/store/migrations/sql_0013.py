"""Migration 0013's card-office functions, as they were written then (frozen like it).

SECURITY DEFINER, ``search_path`` pinned, the caller's login bound to the card office's
till (``till_logins``, the head of 0007's functions) and the acting user an active admin
(a manager too for a recharge) — checked before anything is read. They mirror
``tillcard.store.office`` (the standalone path) rule for rule, in the same order; the
refusals of the domain (``domain.office.OfficeCode``) come as SQLSTATE TC412 with the code
before the first colon of the message. Entry ids an action derives are
``md5(parts joined by ':')::uuid`` (``domain.office.derived_id``).
"""

from tillcard.store.migrations.sql_0007 import _HEAD, _HEAD_VARS, PATH

REFUSED = "TC412"

DERIVED_ID = f"""
CREATE OR REPLACE FUNCTION tillcard_derived_id(VARIADIC p_parts text[]) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE {PATH} AS $$
SELECT md5(array_to_string(p_parts, ':'))::uuid
$$
"""

# One journal row on a till's chain, hashed as Entry.canonical() does (the allowance
# too); the projection trigger moves the purses. Internal: granted to nobody.
ENTRY = f"""
CREATE OR REPLACE FUNCTION tillcard_office_entry(
    p_id uuid, p_till integer, p_kind text, p_card bigint, p_cash bigint, p_parts text,
    p_grant_id text, p_grant_amount bigint, p_grant_expires date, p_list bigint,
    p_tendered bigint, p_refers uuid, p_cashier integer, p_at timestamptz, p_allow bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    v_bonus bigint;
BEGIN
    SELECT coalesce(sum((x->>1)::bigint), 0) + coalesce(p_grant_amount, 0) INTO v_bonus
      FROM json_array_elements(p_parts::json) x;
    PERFORM pg_advisory_xact_lock({0x7111}, p_till);
    INSERT INTO journal (id, till_id, seq, kind, card_id, cash_delta, bonus_delta,
                         bonus_parts, grant_id, grant_amount, grant_expires_on,
                         list_amount, discount, tendered_cash, refers_to, void_of,
                         cashier_id, created_at, recorded_at, prev_hash, hash,
                         allowance_delta)
    SELECT p_id, p_till, tl.last_seq + 1, p_kind, p_card, p_cash, v_bonus, p_parts,
           p_grant_id, coalesce(p_grant_amount, 0), p_grant_expires, p_list, 0, p_tendered,
           p_refers, CASE WHEN p_kind = 'void' THEN p_refers END, p_cashier, p_at, now(),
           tl.last_hash,
           tillcard_chain_hash(tl.last_hash, tillcard_entry_canonical(
               p_id, p_till, tl.last_seq + 1, p_kind, p_card, p_cash, p_parts, p_grant_id,
               coalesce(p_grant_amount, 0), p_grant_expires, p_list, 0, p_tendered,
               p_refers, p_cashier, p_at, p_allow)), p_allow
      FROM tills tl WHERE tl.id = p_till;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown till %', p_till USING ERRCODE = 'TC404';
    END IF;
END $$
"""

AUDIT = f"""
CREATE OR REPLACE FUNCTION tillcard_office_audit(
    p_user integer, p_till integer, p_action text, p_subject text, p_detail text,
    p_before text, p_after text, p_reason text, p_at timestamptz) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER {PATH} AS $$
INSERT INTO audit (at, user_id, action, subject, detail, till_id, before, after, reason)
VALUES (p_at, p_user, p_action, left(p_subject, 80), coalesce(p_detail, ''), p_till,
        coalesce(p_before, ''), coalesce(p_after, ''), coalesce(p_reason, ''))
$$
"""

# the helpers that write entries and audit rows: the functions' only, granted to nobody
# (``tillcard_derived_id`` is a pure md5, callable like ``tillcard_chain_hash``)
INTERNAL = ("tillcard_office_entry(uuid, integer, text, bigint, bigint, text, text, bigint, "
            "date, bigint, bigint, uuid, integer, timestamptz, bigint)",
            "tillcard_office_audit(integer, integer, text, text, text, text, text, text, "
            "timestamptz)")


def _user(roles: str = "'admin'") -> str:
    return f"""
    SELECT u.role, u.active INTO v_user FROM users u WHERE u.id = p_user;
    IF NOT FOUND OR NOT v_user.active OR v_user.role NOT IN ({roles}) THEN
        RAISE EXCEPTION 'user % may not do this in the card office', p_user
            USING ERRCODE = 'TC403';
    END IF;
"""


def _refuse(code: str, message: str, *args: str) -> str:
    extra = "".join(f", {a}" for a in args)
    return (f"RAISE EXCEPTION '{code}: {message}'{extra} "
            f"USING ERRCODE = '{REFUSED}';")


_REASON = f"""
    IF p_reason IS NULL OR btrim(p_reason) = '' THEN
        {_refuse("reason", "a reason is required")}
    END IF;
"""

# the card and its purse, locked; the walk-in card is no card office's card
_LOCK = """
    SELECT cd.id, cd.number, cd.uid, cd.holder_id, cd.card_type_id, cd.status,
           cd.valid_until, cd.pin_hash, cd.deposit_held, cd.replaced_by, p.cash,
           p.allowance, p.bonus
      INTO c FROM cards cd JOIN purses p ON p.card_id = cd.id
     WHERE cd.id = {card} FOR UPDATE OF p, cd;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown card id %', {card} USING ERRCODE = 'TC404';
    END IF;
    IF c.number = 'CASH' THEN
        RAISE EXCEPTION 'the walk-in card is not a card of the card office'
            USING ERRCODE = 'TC422';
    END IF;
"""

_REPLACED = f"""
    IF c.replaced_by IS NOT NULL THEN
        {_refuse("replaced", "this card was replaced: it stays blocked")}
    END IF;
"""

# the card's bonus grants, soonest-expiring first, as journal bonus parts taking them out
_GRANTS = """
    SELECT array_agg(g.id ORDER BY g.expires_on, g.id COLLATE "C"),
           array_agg(g.remaining ORDER BY g.expires_on, g.id COLLATE "C"),
           array_agg(g.expires_on ORDER BY g.expires_on, g.id COLLATE "C"),
           coalesce(sum(g.remaining), 0),
           '[' || coalesce(string_agg('[' || tillcard_json_str(g.id) || ',' || (-g.remaining)
                                      || ']', ',' ORDER BY g.expires_on, g.id COLLATE "C"),
                           '') || ']'
      INTO v_ids, v_rem, v_exp, v_bonus, v_parts
      FROM bonus_grants g WHERE g.card_id = {card} AND g.remaining <> 0;
    n := coalesce(array_length(v_ids, 1), 0);
"""

_IN_USE = f"""
    IF EXISTS (SELECT 1 FROM cards WHERE number = btrim(p_number)) THEN
        {_refuse("in_use", "card number % is already in use", "btrim(p_number)")}
    END IF;
    v_uid := upper(nullif(btrim(p_uid), ''));
    IF v_uid IS NOT NULL AND v_uid !~ '^[0-9A-F]{{1,32}}$' THEN
        RAISE EXCEPTION 'a chip UID is hexadecimal, up to 32 digits' USING ERRCODE = 'TC422';
    END IF;
    IF v_uid IS NOT NULL AND EXISTS (SELECT 1 FROM cards WHERE uid = v_uid) THEN
        {_refuse("in_use", "chip UID % is already in use", "v_uid")}
    END IF;
"""

_NUMBER = """
    IF p_number IS NULL OR btrim(p_number) = '' OR length(btrim(p_number)) > 32 THEN
        RAISE EXCEPTION 'a card number is 1..32 characters' USING ERRCODE = 'TC422';
    END IF;
"""

ISSUE = f"""
CREATE OR REPLACE FUNCTION tillcard_office_issue(
    p_id uuid, p_till integer, p_user integer, p_number text, p_uid text, p_name text,
    p_member text, p_phone text, p_type text, p_opening bigint) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    v_user record;
    t record;
    v_uid text;
    v_holder bigint;
    v_card bigint;
    r json;
    v_bonus bigint := 0;
BEGIN
    {_HEAD}
    {_user()}
    {_NUMBER}
    IF p_id IS NULL OR p_name IS NULL OR btrim(p_name) = '' OR p_opening IS NULL
       OR p_opening < 0 OR p_opening > s.max_amount THEN
        RAISE EXCEPTION 'an issue needs a holder''s name and an opening amount 0..%',
            s.max_amount USING ERRCODE = 'TC422';
    END IF;
    SELECT * INTO t FROM card_types WHERE code = p_type AND code <> 'walk_in';
    IF NOT FOUND THEN
        {_refuse("unknown_type", "no card type %", "p_type")}
    END IF;
    {_IN_USE}
    INSERT INTO holders (name, staff_no, phone, updated_at)
    VALUES (btrim(p_name), btrim(coalesce(p_member, '')), btrim(coalesce(p_phone, '')),
            now()) RETURNING id INTO v_holder;
    INSERT INTO cards (number, uid, holder_id, card_type_id, status, valid_until,
                       pin_failures, updated_at, deposit_held, status_reason)
    VALUES (btrim(p_number), v_uid, v_holder, t.id, 'active',
            v_today + t.validity_days, 0, now(), t.deposit, '')
    RETURNING id INTO v_card;
    IF t.deposit + t.card_fee > 0 THEN
        PERFORM tillcard_office_entry(p_id, p_till, 'deposit', v_card, 0, '[]', NULL, 0,
                                      NULL, t.deposit, t.deposit + t.card_fee, NULL, p_user,
                                      v_at, 0);
    END IF;
    IF p_opening > 0 THEN
        r := tillcard_recharge(tillcard_derived_id(p_id::text, 'recharge'), p_till, v_card,
                               p_opening, p_user);
        v_bonus := coalesce((r->>'new_grant_amount')::bigint, 0);
    END IF;
    PERFORM tillcard_office_audit(p_user, p_till, 'card_issued', 'card ' || btrim(p_number),
        json_build_object('card_id', v_card, 'holder', btrim(p_name), 'card_type', p_type,
                          'deposit', t.deposit, 'fee', t.card_fee, 'opening', p_opening,
                          'bonus', v_bonus)::text,
        '', json_build_object('status', 'active')::text, '', v_at);
    RETURN json_build_object('card_id', v_card, 'deposit', t.deposit, 'fee', t.card_fee,
                             'recharged', p_opening, 'bonus', v_bonus);
END $$
"""

RECHARGE = f"""
CREATE OR REPLACE FUNCTION tillcard_office_recharge(
    p_id uuid, p_till integer, p_user integer, p_card bigint, p_amount bigint)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    v_user record;
    r json;
BEGIN
    {_HEAD}
    {_user("'manager', 'admin'")}
    r := tillcard_recharge(p_id, p_till, p_card, p_amount, p_user);
    IF r->>'status' = 'applied' THEN
        PERFORM tillcard_office_audit(p_user, p_till, 'card_recharged',
            'card ' || (r->'card'->>'number'),
            json_build_object('amount', p_amount, 'bonus', (r->>'new_grant_amount')::bigint,
                              'entry', p_id)::text,
            json_build_object('cash', (r->'card'->>'cash')::bigint)::text,
            json_build_object('cash', (r->>'cash')::bigint)::text, '', v_at);
    END IF;
    RETURN r;
END $$
"""

STATUS = f"""
CREATE OR REPLACE FUNCTION tillcard_office_status(
    p_till integer, p_user integer, p_card bigint, p_action text, p_reason text)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    v_user record;
    c record;
    v_to text;
    v_from text[];
BEGIN
    {_HEAD}
    {_user()}
    {_REASON}
    IF p_action = 'freeze' THEN
        v_from := ARRAY['active']; v_to := 'frozen';
    ELSIF p_action = 'unfreeze' THEN
        v_from := ARRAY['frozen']; v_to := 'active';
    ELSIF p_action = 'lost' THEN
        v_from := ARRAY['active', 'frozen', 'blocked', 'expired']; v_to := 'lost';
    ELSE
        RAISE EXCEPTION 'no such action %', p_action USING ERRCODE = 'TC422';
    END IF;
    {_LOCK.format(card="p_card")}
    {_REPLACED}
    IF NOT c.status = ANY(v_from) THEN
        {_refuse("status", "cannot % a card that is %", "p_action", "c.status")}
    END IF;
    UPDATE cards SET status = v_to, status_reason = btrim(p_reason), updated_at = now()
     WHERE id = p_card;
    PERFORM tillcard_office_audit(p_user, p_till, 'card_' || p_action, 'card ' || c.number,
        '', json_build_object('status', c.status)::text,
        json_build_object('status', v_to)::text, btrim(p_reason), v_at);
    RETURN json_build_object('card_id', p_card, 'before', c.status, 'after', v_to);
END $$
"""

_MONEY_VARS = """
    v_ids text[];
    v_rem bigint[];
    v_exp date[];
    v_bonus bigint;
    v_parts text;
    n integer;
"""

REPLACE = f"""
CREATE OR REPLACE FUNCTION tillcard_office_replace(
    p_id uuid, p_till integer, p_user integer, p_old bigint, p_number text, p_uid text,
    p_reason text) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    {_MONEY_VARS}
    v_user record;
    c record;
    v_uid text;
    v_new bigint;
    v_in uuid;
    moved json[] := '{{}}';
BEGIN
    {_HEAD}
    {_user()}
    {_REASON}
    {_NUMBER}
    IF p_id IS NULL THEN
        RAISE EXCEPTION 'a replacement needs an id' USING ERRCODE = 'TC422';
    END IF;
    {_LOCK.format(card="p_old")}
    {_REPLACED}
    IF c.status <> 'lost' THEN
        {_refuse("status", "report the card lost before replacing it (it is %)",
                 "c.status")}
    END IF;
    {_IN_USE}
    INSERT INTO cards (number, uid, holder_id, card_type_id, status, valid_until, pin_hash,
                       pin_failures, updated_at, deposit_held, status_reason)
    VALUES (btrim(p_number), v_uid, c.holder_id, c.card_type_id, 'active', c.valid_until,
            c.pin_hash, 0, now(), c.deposit_held, '')
    RETURNING id INTO v_new;
    UPDATE cards SET replaced_by = v_new, deposit_held = 0, status_reason = btrim(p_reason),
                     updated_at = now()
     WHERE id = p_old;
    {_GRANTS.format(card="p_old")}
    IF c.cash <> 0 OR c.allowance <> 0 OR n > 0 THEN
        PERFORM tillcard_office_entry(p_id, p_till, 'transfer_out', p_old, -c.cash, v_parts,
                                      NULL, 0, NULL, 0, 0, NULL, p_user, v_at, -c.allowance);
        FOR i IN 1 .. greatest(n, 1) LOOP
            v_in := tillcard_derived_id(p_id::text, 'in', (i - 1)::text);
            PERFORM tillcard_office_entry(
                v_in, p_till, 'transfer_in', v_new, CASE WHEN i = 1 THEN c.cash ELSE 0 END,
                '[]', CASE WHEN i <= n THEN v_in::text END,
                CASE WHEN i <= n THEN v_rem[i] ELSE 0 END,
                CASE WHEN i <= n THEN v_exp[i] END, 0, 0, p_id, p_user, v_at,
                CASE WHEN i = 1 THEN c.allowance ELSE 0 END);
            IF i <= n THEN
                moved := moved || json_build_array(v_in::text, v_rem[i], v_exp[i]);
            END IF;
        END LOOP;
    END IF;
    PERFORM tillcard_office_audit(p_user, p_till, 'card_replaced', 'card ' || c.number,
        json_build_object('new_card_id', v_new, 'new_number', btrim(p_number))::text,
        json_build_object('cash', c.cash, 'bonus', v_bonus, 'allowance', c.allowance)::text,
        json_build_object('cash', 0, 'bonus', 0, 'allowance', 0)::text, btrim(p_reason),
        v_at);
    RETURN json_build_object('old_card_id', p_old, 'new_card_id', v_new, 'cash', c.cash,
                             'allowance', c.allowance, 'grants', to_json(moved));
END $$
"""

CLOSE = f"""
CREATE OR REPLACE FUNCTION tillcard_office_close(
    p_id uuid, p_till integer, p_user integer, p_card bigint, p_reason text) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    {_MONEY_VARS}
    v_user record;
    c record;
BEGIN
    {_HEAD}
    {_user()}
    IF p_id IS NULL THEN
        RAISE EXCEPTION 'a closing needs an id' USING ERRCODE = 'TC422';
    END IF;
    {_LOCK.format(card="p_card")}
    {_REPLACED}
    IF c.status NOT IN ('active', 'frozen', 'blocked', 'expired') THEN
        {_refuse("status", "cannot close a card that is %", "c.status")}
    END IF;
    IF c.cash < 0 THEN
        {_refuse("negative", "the card owes %: settle it before closing", "-c.cash")}
    END IF;
    {_GRANTS.format(card="p_card")}
    PERFORM tillcard_office_entry(p_id, p_till, 'refund', p_card, -c.cash, v_parts, NULL, 0,
                                  NULL, c.deposit_held, c.cash + c.deposit_held, NULL,
                                  p_user, v_at, -c.allowance);
    UPDATE cards SET status = 'closed', deposit_held = 0,
                     status_reason = btrim(coalesce(p_reason, '')), updated_at = now()
     WHERE id = p_card;
    PERFORM tillcard_office_audit(p_user, p_till, 'card_closed', 'card ' || c.number,
        json_build_object('cash_refunded', c.cash, 'deposit_refunded', c.deposit_held,
                          'bonus_forfeited', v_bonus,
                          'allowance_forfeited', c.allowance)::text,
        json_build_object('status', c.status)::text,
        json_build_object('status', 'closed')::text, btrim(coalesce(p_reason, '')), v_at);
    RETURN json_build_object('card_id', p_card, 'cash_refunded', c.cash,
                             'deposit_refunded', c.deposit_held, 'bonus_forfeited', v_bonus,
                             'allowance_forfeited', c.allowance);
END $$
"""

PIN = f"""
CREATE OR REPLACE FUNCTION tillcard_office_pin(
    p_till integer, p_user integer, p_card bigint, p_hash text) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    v_user record;
    c record;
BEGIN
    {_HEAD}
    {_user()}
    IF p_hash IS NOT NULL AND p_hash NOT LIKE '$argon2%' THEN
        RAISE EXCEPTION 'a PIN is stored as an argon2 hash' USING ERRCODE = 'TC422';
    END IF;
    {_LOCK.format(card="p_card")}
    UPDATE cards SET pin_hash = p_hash, pin_failures = 0, updated_at = now()
     WHERE id = p_card;
    PERFORM tillcard_office_audit(p_user, p_till,
        CASE WHEN p_hash IS NULL THEN 'pin_reset' ELSE 'pin_set' END, 'card ' || c.number,
        '', '', '', '', v_at);
    RETURN json_build_object('card_id', p_card);
END $$
"""

VALIDITY = f"""
CREATE OR REPLACE FUNCTION tillcard_office_validity(
    p_till integer, p_user integer, p_cards bigint[], p_type text, p_until date,
    p_reason text) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    v_user record;
    v_type bigint;
    n integer;
BEGIN
    {_HEAD}
    {_user()}
    IF (p_cards IS NULL) = (p_type IS NULL) THEN
        RAISE EXCEPTION 'name cards or a card type, not both' USING ERRCODE = 'TC422';
    END IF;
    IF p_type IS NOT NULL THEN
        SELECT id INTO v_type FROM card_types WHERE code = p_type AND code <> 'walk_in';
        IF NOT FOUND THEN
            {_refuse("unknown_type", "no card type %", "p_type")}
        END IF;
    ELSIF (SELECT count(*) FROM cards WHERE id = ANY(p_cards) AND number <> 'CASH')
          <> cardinality(ARRAY(SELECT DISTINCT unnest(p_cards))) THEN
        RAISE EXCEPTION 'unknown card id in %', p_cards USING ERRCODE = 'TC404';
    END IF;
    WITH old AS (
        SELECT id, number, valid_until FROM cards
         WHERE (id = ANY(p_cards) OR card_type_id = v_type) AND number <> 'CASH'
           AND status <> 'closed' ORDER BY id FOR UPDATE),
    upd AS (
        UPDATE cards cd SET valid_until = p_until, updated_at = now()
          FROM old WHERE cd.id = old.id RETURNING cd.id)
    INSERT INTO audit (at, user_id, action, subject, detail, till_id, before, after, reason)
    SELECT v_at, p_user, 'validity_set', 'card ' || old.number, '', p_till,
           json_build_object('valid_until', old.valid_until)::text,
           json_build_object('valid_until', p_until)::text,
           btrim(coalesce(p_reason, ''))
      FROM old JOIN upd ON upd.id = old.id ORDER BY old.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN json_build_object('cards', n);
END $$
"""

_CONFIRMED = f"""
    IF p_confirmed IS NOT TRUE THEN
        {_refuse("unconfirmed", "a correction must be confirmed")}
    END IF;
"""

REVERSE_RECHARGE = f"""
CREATE OR REPLACE FUNCTION tillcard_office_reverse_recharge(
    p_id uuid, p_till integer, p_user integer, p_entry uuid, p_reason text,
    p_confirmed boolean) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    v_user record;
    c record;
    e record;
    v_take bigint := 0;
    v_parts text := '[]';
BEGIN
    {_HEAD}
    {_user()}
    {_REASON}
    {_CONFIRMED}
    SELECT * INTO e FROM journal WHERE id = p_entry;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such entry %', p_entry USING ERRCODE = 'TC404';
    END IF;
    IF e.kind <> 'recharge' THEN
        {_refuse("wrong_entry", "entry % is a %, not a recharge", "p_entry", "e.kind")}
    END IF;
    {_LOCK.format(card="e.card_id")}
    IF EXISTS (SELECT 1 FROM journal WHERE kind = 'correction' AND refers_to = p_entry) THEN
        {_refuse("corrected", "this recharge was corrected already")}
    END IF;
    {_REPLACED}
    IF c.status = 'closed' THEN
        {_refuse("status", "cannot correct a card that is closed")}
    END IF;
    IF c.cash < e.cash_delta THEN
        {_refuse("not_held", "the card holds % of the % this recharge put in", "c.cash",
                 "e.cash_delta")}
    END IF;
    IF e.grant_id IS NOT NULL THEN
        SELECT least(greatest(g.remaining, 0), e.grant_amount) INTO v_take
          FROM bonus_grants g WHERE g.id = e.grant_id;
        IF v_take > 0 THEN
            v_parts := '[[' || tillcard_json_str(e.grant_id) || ',' || (-v_take) || ']]';
        END IF;
    END IF;
    PERFORM tillcard_office_entry(p_id, p_till, 'correction', e.card_id, -e.cash_delta,
                                  v_parts, NULL, 0, NULL, e.list_amount, 0, p_entry, p_user,
                                  v_at, 0);
    PERFORM tillcard_office_audit(p_user, p_till, 'correction_recharge',
        'card ' || c.number, json_build_object('entry', p_entry, 'correction', p_id)::text,
        json_build_object('cash', c.cash, 'bonus', c.bonus)::text,
        json_build_object('cash', c.cash - e.cash_delta, 'bonus', c.bonus - v_take)::text,
        btrim(p_reason), v_at);
    RETURN json_build_object('entry_id', p_id, 'card_id', e.card_id, 'cash', -e.cash_delta,
                             'bonus', -v_take, 'allowance', 0);
END $$
"""

ADD_BACK = f"""
CREATE OR REPLACE FUNCTION tillcard_office_add_back(
    p_id uuid, p_till integer, p_user integer, p_sale uuid, p_reason text,
    p_confirmed boolean) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    v_user record;
    c record;
    e record;
    v_parts text;
BEGIN
    {_HEAD}
    {_user()}
    {_REASON}
    {_CONFIRMED}
    SELECT * INTO e FROM journal WHERE id = p_sale;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no such entry %', p_sale USING ERRCODE = 'TC404';
    END IF;
    IF e.kind <> 'sale' THEN
        {_refuse("wrong_entry", "entry % is a %, not a sale", "p_sale", "e.kind")}
    END IF;
    {_LOCK.format(card="e.card_id")}
    IF EXISTS (SELECT 1 FROM journal WHERE void_of = p_sale) THEN
        {_refuse("corrected", "this sale was voided or corrected already")}
    END IF;
    {_REPLACED}
    IF c.status = 'closed' THEN
        {_refuse("status", "cannot correct a card that is closed")}
    END IF;
    SELECT '[' || coalesce(string_agg('[' || tillcard_json_str(x->>0) || ','
                                      || (-((x->>1)::bigint)) || ']', ',' ORDER BY o), '')
           || ']'
      INTO v_parts
      FROM json_array_elements(e.bonus_parts::json) WITH ORDINALITY AS t(x, o);
    PERFORM tillcard_office_entry(p_id, p_till, 'void', e.card_id, -e.cash_delta, v_parts,
                                  NULL, 0, NULL, 0, e.tendered_cash, p_sale, p_user, v_at,
                                  -e.allowance_delta);
    PERFORM tillcard_office_audit(p_user, p_till, 'correction_charge', 'card ' || c.number,
        json_build_object('entry', p_sale, 'correction', p_id)::text,
        json_build_object('cash', c.cash, 'bonus', c.bonus, 'allowance', c.allowance)::text,
        json_build_object('cash', c.cash - e.cash_delta, 'bonus', c.bonus - e.bonus_delta,
                          'allowance', c.allowance - e.allowance_delta)::text,
        btrim(p_reason), v_at);
    RETURN json_build_object('entry_id', p_id, 'card_id', e.card_id, 'cash', -e.cash_delta,
                             'bonus', -e.bonus_delta, 'allowance', -e.allowance_delta);
END $$
"""

_PERIOD = """
    IF p_period IS NULL OR p_period !~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
        RAISE EXCEPTION 'a period is YYYY-MM, got %', p_period USING ERRCODE = 'TC422';
    END IF;
"""

_TYPE = f"""
    SELECT * INTO t FROM card_types WHERE code = p_type AND code <> 'walk_in';
    IF NOT FOUND THEN
        {_refuse("unknown_type", "no card type %", "p_type")}
    END IF;
"""

# A batch is recorded once per (card type, period, kind): asked again, it answers what it
# did the first time and applies nothing.
_BATCH = f"""
    INSERT INTO allowance_batches (card_type_id, period, kind, amount, cards, total, at,
                                   user_id)
    VALUES (t.id, p_period, {{kind}}, {{amount}}, 0, 0, v_at, p_user)
    ON CONFLICT (card_type_id, period, kind) DO NOTHING RETURNING id INTO v_batch;
    IF v_batch IS NULL THEN
        SELECT * INTO b FROM allowance_batches
         WHERE card_type_id = t.id AND period = p_period AND kind = {{kind}};
        IF b.amount <> {{amount}} THEN
            {_refuse("batch_changed", "the batch of % for % was % per card",
                     "p_type", "p_period", "b.amount")}
        END IF;
        RETURN json_build_object('cards', b.cards, 'total', b.total, 'replayed', true);
    END IF;
"""

ALLOWANCE = f"""
CREATE OR REPLACE FUNCTION tillcard_office_allowance(
    p_till integer, p_user integer, p_type text, p_period text, p_amount bigint)
RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    v_user record;
    t record;
    b record;
    k record;
    v_batch bigint;
    n integer := 0;
BEGIN
    {_HEAD}
    {_user()}
    {_PERIOD}
    IF p_amount IS NULL OR p_amount <= 0 OR p_amount > s.max_amount THEN
        RAISE EXCEPTION 'an allowance must be a positive amount up to %', s.max_amount
            USING ERRCODE = 'TC422';
    END IF;
    {_TYPE}
    {_BATCH.format(kind="'grant'", amount="p_amount")}
    FOR k IN SELECT p.card_id FROM purses p JOIN cards cd ON cd.id = p.card_id
              WHERE cd.card_type_id = t.id AND cd.status = 'active' AND cd.number <> 'CASH'
              ORDER BY p.card_id FOR UPDATE OF p LOOP
        PERFORM tillcard_office_entry(
            tillcard_derived_id('allowance', p_type, p_period, k.card_id::text), p_till,
            'allowance', k.card_id, 0, '[]', NULL, 0, NULL, p_amount, 0, NULL, p_user, v_at,
            p_amount);
        n := n + 1;
    END LOOP;
    UPDATE allowance_batches SET cards = n, total = n * p_amount WHERE id = v_batch;
    PERFORM tillcard_office_audit(p_user, p_till, 'allowance_granted', 'card type ' || p_type,
        json_build_object('period', p_period, 'amount', p_amount, 'cards', n)::text,
        '', '', '', v_at);
    RETURN json_build_object('cards', n, 'total', n * p_amount, 'replayed', false);
END $$
"""

ALLOWANCE_RESET = f"""
CREATE OR REPLACE FUNCTION tillcard_office_allowance_reset(
    p_till integer, p_user integer, p_type text, p_period text) RETURNS json
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    {_HEAD_VARS}
    v_user record;
    t record;
    b record;
    k record;
    v_batch bigint;
    v_last date;
    n integer := 0;
    v_total bigint := 0;
BEGIN
    {_HEAD}
    {_user()}
    {_PERIOD}
    {_TYPE}
    IF t.allowance_reset <> 'period' THEN
        {_refuse("not_period_type", "the allowance of % never resets", "p_type")}
    END IF;
    v_last := (to_date(p_period || '-01', 'YYYY-MM-DD') + interval '1 month - 1 day')::date;
    IF v_today <= v_last THEN
        {_refuse("period_open", "% ends on %: reset it after that day", "p_period",
                 "v_last")}
    END IF;
    IF EXISTS (SELECT 1 FROM allowance_batches WHERE card_type_id = t.id AND kind = 'grant'
                  AND period > p_period) THEN
        {_refuse("later_period", "a later period of % is granted already: reset % before "
                 "granting the next", "p_type", "p_period")}
    END IF;
    {_BATCH.format(kind="'reset'", amount="0")}
    FOR k IN SELECT p.card_id, p.allowance FROM purses p JOIN cards cd ON cd.id = p.card_id
              WHERE cd.card_type_id = t.id AND p.allowance > 0
              ORDER BY p.card_id FOR UPDATE OF p LOOP
        PERFORM tillcard_office_entry(
            tillcard_derived_id('allowance_reset', p_type, p_period, k.card_id::text),
            p_till, 'allowance_reset', k.card_id, 0, '[]', NULL, 0, NULL, k.allowance, 0,
            NULL, p_user, v_at, -k.allowance);
        n := n + 1;
        v_total := v_total - k.allowance;
    END LOOP;
    UPDATE allowance_batches SET cards = n, total = v_total WHERE id = v_batch;
    PERFORM tillcard_office_audit(p_user, p_till, 'allowance_reset', 'card type ' || p_type,
        json_build_object('period', p_period, 'cards', n, 'total', v_total)::text,
        '', '', '', v_at);
    RETURN json_build_object('cards', n, 'total', v_total, 'replayed', false);
END $$
"""

FUNCTIONS = [DERIVED_ID, ENTRY, AUDIT, ISSUE, RECHARGE, STATUS, REPLACE, CLOSE, PIN,
             VALIDITY, REVERSE_RECHARGE, ADD_BACK, ALLOWANCE, ALLOWANCE_RESET]

# what tillcard_admin may EXECUTE (store.roles.ADMIN_FUNCTIONS)
ADMIN = (
    "tillcard_office_issue(uuid, integer, integer, text, text, text, text, text, text, "
    "bigint)",
    "tillcard_office_recharge(uuid, integer, integer, bigint, bigint)",
    "tillcard_office_status(integer, integer, bigint, text, text)",
    "tillcard_office_replace(uuid, integer, integer, bigint, text, text, text)",
    "tillcard_office_close(uuid, integer, integer, bigint, text)",
    "tillcard_office_pin(integer, integer, bigint, text)",
    "tillcard_office_validity(integer, integer, bigint[], text, date, text)",
    "tillcard_office_reverse_recharge(uuid, integer, integer, uuid, text, boolean)",
    "tillcard_office_add_back(uuid, integer, integer, uuid, text, boolean)",
    "tillcard_office_allowance(integer, integer, text, text, bigint)",
    "tillcard_office_allowance_reset(integer, integer, text, text)",
)
