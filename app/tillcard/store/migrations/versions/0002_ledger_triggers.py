"""ledger triggers: journal append-only; balances, grants and chain heads follow inserts

The projection lives in the database so that a till's role needs no UPDATE on balances:
it adds a journal row and the trigger moves the purse. The chain head only advances when
the new entry continues it (seq = head + 1, prev_hash = head hash).

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

PG_UP = [
    """
    CREATE OR REPLACE FUNCTION tillcard_journal_immutable() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'journal is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION tillcard_journal_apply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE part json;
    BEGIN
        UPDATE tills SET last_seq = NEW.seq, last_hash = NEW.hash
         WHERE id = NEW.till_id AND last_seq = NEW.seq - 1 AND last_hash = NEW.prev_hash;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'entry % does not continue the chain of till %', NEW.seq,
                NEW.till_id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + NEW.bonus_delta
         WHERE card_id = NEW.card_id;
        FOR part IN SELECT * FROM json_array_elements(NEW.bonus_parts::json) LOOP
            UPDATE bonus_grants SET remaining = remaining + (part->>1)::bigint
             WHERE id = part->>0;
        END LOOP;
        IF NEW.grant_id IS NOT NULL THEN
            INSERT INTO bonus_grants (id, card_id, remaining, expires_on, origin_entry)
            VALUES (NEW.grant_id, NEW.card_id, NEW.grant_amount, NEW.grant_expires_on, NEW.id);
        END IF;
        RETURN NULL;
    END $$
    """,
    """CREATE TRIGGER journal_no_update BEFORE UPDATE OR DELETE ON journal
       FOR EACH ROW EXECUTE FUNCTION tillcard_journal_immutable()""",
    """CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
       FOR EACH STATEMENT EXECUTE FUNCTION tillcard_journal_immutable()""",
    """CREATE TRIGGER journal_apply AFTER INSERT ON journal
       FOR EACH ROW EXECUTE FUNCTION tillcard_journal_apply()""",
]

SQLITE_UP = [
    """CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
       BEGIN SELECT RAISE(ABORT, 'journal is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
       BEGIN SELECT RAISE(ABORT, 'journal is append-only: DELETE refused'); END""",
    """CREATE TRIGGER journal_chain BEFORE INSERT ON journal
       WHEN NOT EXISTS (SELECT 1 FROM tills WHERE id = NEW.till_id
                        AND last_seq = NEW.seq - 1 AND last_hash = NEW.prev_hash)
       BEGIN SELECT RAISE(ABORT, 'entry does not continue the chain of its till'); END""",
    """CREATE TRIGGER journal_apply AFTER INSERT ON journal BEGIN
         UPDATE tills SET last_seq = NEW.seq, last_hash = NEW.hash WHERE id = NEW.till_id;
         UPDATE purses SET cash = cash + NEW.cash_delta, bonus = bonus + NEW.bonus_delta
          WHERE card_id = NEW.card_id;
         UPDATE bonus_grants SET remaining = remaining + (
             SELECT json_extract(p.value, '$[1]') FROM json_each(NEW.bonus_parts) p
              WHERE json_extract(p.value, '$[0]') = bonus_grants.id)
          WHERE id IN (SELECT json_extract(p.value, '$[0]') FROM json_each(NEW.bonus_parts) p);
         INSERT INTO bonus_grants (id, card_id, remaining, expires_on, origin_entry)
         SELECT NEW.grant_id, NEW.card_id, NEW.grant_amount, NEW.grant_expires_on, NEW.id
          WHERE NEW.grant_id IS NOT NULL;
       END""",
]


def upgrade() -> None:
    statements = PG_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP
    for sql in statements:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for t in ("journal_no_update", "journal_no_truncate", "journal_apply"):
            op.execute(f"DROP TRIGGER IF EXISTS {t} ON journal")
        op.execute("DROP FUNCTION IF EXISTS tillcard_journal_apply()")
        op.execute("DROP FUNCTION IF EXISTS tillcard_journal_immutable()")
    else:
        for t in ("journal_no_update", "journal_no_delete", "journal_chain", "journal_apply"):
            op.execute(f"DROP TRIGGER IF EXISTS {t}")
