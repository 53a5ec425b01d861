"""journal: monthly partitions (PostgreSQL), so old months can be archived and detached

A busy site writes ~10 million entries a year. ``journal`` becomes a table partitioned by
range of ``created_at``, one partition per UTC calendar month (``store.partitions``: why
UTC), plus ``journal_default`` for any month not created yet: a sale never fails for want
of a partition. The existing rows are copied over with no trigger on the new table (they
were applied once); everything the old table had is carried over from the catalog, not
from a list: check constraints (``LIKE``), indexes (``pg_get_indexdef``), foreign keys,
triggers (``pg_get_triggerdef``; later migrations that replace a trigger *function* keep
working), grants and the owner.

A unique index on a partitioned table must hold the partition key, so the guarantees that
do not are kept in small side tables filled by the projection trigger
(``tillcard_journal_apply``, its first lines), which outlive an archived month:

- ``journal_ids``: one entry per id, for ever (primary key ``pk_journal_ids``; with the
  entry's ``created_at``, the month to look in);
- ``journal_voids``: one void per sale (the unique index keeps 0006's name,
  ``uq_journal_void_of``, so a second void is refused with the same error);
- ``journal_corrections``: one correction per entry (``uq_journal_correction_of``, 0013).

``uq_journal_till_seq`` becomes the plain index ``ix_journal_till_seq``: the chain trigger
already refuses any entry that does not continue its till's head (seq = head + 1), which
is what made a second entry at one number impossible. ``pk_journal`` is (id, created_at).

The money functions' ``ON CONFLICT (id) DO NOTHING`` named an index that no longer exists;
it only caught the same UUID racing in for another card (a replay is found by the look-up
before it, under the card's lock). Without it that race ends in the side table's unique
violation, which ``store.pg_centre`` already maps to the same ``EntryConflict`` (23505).

``journal_archive``: one row per month archived by ``tillcard archive`` (its manifest).
SQLite (a till's own database) is unchanged.

Revision ID: 0020
Revises: 0019
"""

from alembic import op
from sqlalchemy import text

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

PATH = "SET search_path = pg_catalog, public, pg_temp"

# the first lines of the projection trigger: the void rule, then the side tables (one row
# trigger per entry costs less than two, as 0019 found for the day totals). The rule was the
# CHECK ck_journal_void_names_its_sale (0007); PostgreSQL re-reads a CHECK's stored
# expression at every insert's start (46 k instructions of a sale's 2.8 M), the trigger's
# test costs a few hundred. Every path but the owner's runs the trigger; the owner can drop
# either, and verify names a void that does not name its sale or a second void.
KEYS = """    IF (CASE WHEN NEW.kind = 'void'
             THEN NEW.void_of IS NULL OR NEW.void_of IS DISTINCT FROM NEW.refers_to
             ELSE NEW.void_of IS NOT NULL END) THEN
        RAISE EXCEPTION 'entry % breaks ck_journal_void_names_its_sale', NEW.id
            USING ERRCODE = 'check_violation',
                  DETAIL = 'a void names its sale in void_of and refers_to; no other has void_of';
    END IF;
    INSERT INTO journal_ids (id, created_at) VALUES (NEW.id, NEW.created_at);
    IF NEW.void_of IS NOT NULL THEN
        INSERT INTO journal_voids (void_of) VALUES (NEW.void_of);
    END IF;
    IF NEW.kind = 'correction' AND NEW.refers_to IS NOT NULL THEN
        INSERT INTO journal_corrections (refers_to) VALUES (NEW.refers_to);
    END IF;
"""


def apply_with_keys(sql: str) -> str:
    """``tillcard_journal_apply``'s text, the side tables filled first."""
    if sql.count("\nBEGIN\n") != 1:
        raise RuntimeError("0020: tillcard_journal_apply has no single BEGIN to extend")
    return sql.replace("\nBEGIN\n", "\nBEGIN\n" + KEYS, 1)

# The months ahead, kept by the tills themselves: the centre has no scheduler, the tills
# are always running. Each till's heartbeat sender calls this about hourly
# (``sync.heartbeat``); it creates this UTC month and the next three when missing, each
# with the journal's statement-level triggers (partitions do not inherit them). A month
# whose entries already sit in the default partition is left to ``tillcard db upgrade``,
# which moves them (``store.partitions``); the default keeps selling meanwhile. Waits at
# most 2 s for the journal's lock: a busy lunch hour gives up, the next call succeeds.
ENSURE_FN = f"""
CREATE OR REPLACE FUNCTION tillcard_ensure_partitions() RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER {PATH} AS $$
DECLARE
    m date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    lo timestamptz;
    hi timestamptz;
    part text;
    trig text;
    made integer := 0;
BEGIN
    FOR i IN 0..3 LOOP
        part := 'journal_' || to_char(m, 'YYYY_MM');
        lo := m::timestamp AT TIME ZONE 'UTC';
        hi := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        IF to_regclass('public.' || part) IS NULL AND NOT EXISTS (
                SELECT 1 FROM public.journal_default
                 WHERE created_at >= lo AND created_at < hi) THEN
            SET LOCAL lock_timeout = '2s';
            EXECUTE format('CREATE TABLE public.%I PARTITION OF public.journal '
                           'FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
            FOR trig IN SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
                         WHERE t.tgrelid = 'public.journal'::regclass
                           AND NOT t.tgisinternal AND t.tgtype & 1 = 0 LOOP
                EXECUTE replace(trig, ' ON public.journal ', ' ON public.' || part || ' ');
            END LOOP;
            made := made + 1;
        END IF;
        m := (m + interval '1 month')::date;
    END LOOP;
    RETURN made;
END $$
"""


SIDE_TABLES = [
    """CREATE TABLE journal_ids (id uuid NOT NULL, created_at timestamptz NOT NULL,
       CONSTRAINT pk_journal_ids PRIMARY KEY (id))""",
    # the column is never NULL; the predicate is 0006's, so the index reads as it did
    "CREATE TABLE journal_voids (void_of uuid NOT NULL)",
    """CREATE UNIQUE INDEX uq_journal_void_of ON journal_voids (void_of)
       WHERE void_of IS NOT NULL""",
    "CREATE TABLE journal_corrections (refers_to uuid NOT NULL)",
    "CREATE UNIQUE INDEX uq_journal_correction_of ON journal_corrections (refers_to)",
    """CREATE TABLE journal_archive (
       month date NOT NULL, file text NOT NULL, rows bigint NOT NULL,
       sha256 text NOT NULL, manifest json NOT NULL, archived_at timestamptz NOT NULL,
       CONSTRAINT pk_journal_archive PRIMARY KEY (month))""",
]
# unique guarantees of the old table and where they live now
MOVED = {"pk_journal", "uq_journal_till_seq", "uq_journal_void_of", "uq_journal_correction_of"}
CONFLICT = "ON CONFLICT (id) DO NOTHING"


def without_id_conflict(sql: str) -> str:
    """A function's text with the journal's ``ON CONFLICT (id) DO NOTHING`` taken out.

    For later migrations that rebuild a money function from an older text (``sql_0007``):
    pass it through this, or the function fails when called on the partitioned journal.
    """
    return sql.replace(CONFLICT, "")


def _rows(sql: str) -> list[tuple[str, ...]]:
    return [tuple(str(v) for v in r) for r in op.get_bind().execute(text(sql))]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from tillcard.store import partitions as p

    op.execute("LOCK TABLE journal IN ACCESS EXCLUSIVE MODE")
    triggers = _rows("SELECT pg_get_triggerdef(oid) FROM pg_trigger "
                     "WHERE tgrelid = 'journal'::regclass AND NOT tgisinternal ORDER BY tgname")
    indexes = _rows("""SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisunique::text
                         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                        WHERE i.indrelid = 'journal'::regclass ORDER BY c.relname""")
    foreign = _rows("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 'journal'::regclass AND contype = 'f' ORDER BY conname")
    owner, = _rows("SELECT relowner::regrole::text FROM pg_class WHERE oid = 'journal'::regclass")[0]
    grants = _rows("""SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                                  ELSE quote_ident(a.grantee::regrole::text) END,
                             a.privilege_type, a.is_grantable::text
                        FROM pg_class c, aclexplode(c.relacl) a
                       WHERE c.oid = 'journal'::regclass AND a.grantee <> c.relowner""")
    for name, _, unique in indexes:
        if unique == "true" and name not in MOVED:
            raise RuntimeError(f"0020: unique index {name} on journal: decide how a "
                               "partitioned journal keeps it (a side table?)")
    months = {m for m, in _rows("SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE "
                                "'UTC')::date FROM journal")}
    op.execute("""CREATE TABLE journal_parts (LIKE journal INCLUDING DEFAULTS
                  INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS)
                  PARTITION BY RANGE (created_at)""")
    from datetime import UTC, date, datetime

    now = p.month_of(datetime.now(UTC))
    wanted = {date.fromisoformat(m) for m in months}
    m = min(wanted | {now})
    while m <= p.add_months(now, p.AHEAD):
        wanted.add(m)
        m = p.next_month(m)
    for m in sorted(wanted):
        lo, hi = p.bounds(m)
        op.execute(f"CREATE TABLE {p.partition_name(m)} PARTITION OF journal_parts "
                   f"FOR VALUES FROM ('{lo}') TO ('{hi}')")
    op.execute(f"CREATE TABLE {p.DEFAULT} PARTITION OF journal_parts DEFAULT")
    op.execute("INSERT INTO journal_parts SELECT * FROM journal")
    op.execute("DROP TABLE journal")
    op.execute("ALTER TABLE journal_parts RENAME TO journal")
    for sql in SIDE_TABLES:  # after the old table: they take over its index names
        op.execute(sql)
    for sql in p.SIDE_FILL:
        op.execute(sql)
    op.execute("ALTER TABLE journal ADD CONSTRAINT pk_journal PRIMARY KEY (id, created_at)")
    op.execute("CREATE INDEX ix_journal_till_seq ON journal (till_id, seq)")
    for name, definition, _ in indexes:
        if name not in MOVED:
            op.execute(definition)
    for name, definition in foreign:
        op.execute(f'ALTER TABLE journal ADD CONSTRAINT "{name}" {definition}')
    for (definition,) in triggers:
        op.execute(definition)
    (apply_sql,) = _rows("SELECT pg_get_functiondef('tillcard_journal_apply'::regproc)")[0]
    op.execute(apply_with_keys(apply_sql))
    op.execute("ALTER TABLE journal DROP CONSTRAINT ck_journal_void_names_its_sale")
    op.execute(ENSURE_FN)
    op.execute("REVOKE ALL ON FUNCTION tillcard_ensure_partitions() FROM PUBLIC")
    for month in [*sorted(wanted), None]:
        name = p.DEFAULT if month is None else p.partition_name(month)
        for (definition,) in triggers:
            if " FOR EACH STATEMENT " in definition:  # partitions do not inherit these
                op.execute(p._on(definition, name))
    side = ("journal_ids", "journal_voids", "journal_corrections", "journal_archive")
    for table in ("journal", *side):
        op.execute(f"ALTER TABLE {table} OWNER TO {owner}")
    for grantee, privilege, grantable in grants:
        option = " WITH GRANT OPTION" if grantable == "true" else ""
        op.execute(f"GRANT {privilege} ON journal TO {grantee}{option}")
        if privilege == "SELECT":
            for table in side:
                op.execute(f"GRANT SELECT ON {table} TO {grantee}")
    _functions()
    _sale_replay_by_month()


def _functions() -> None:
    """Every function that inserts with ``ON CONFLICT (id)``, redefined without it."""
    for (definition,) in _rows(
            "SELECT pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = "
            f"'public'::regnamespace AND prosrc LIKE '%{CONFLICT}%' ORDER BY oid"):
        op.execute(without_id_conflict(definition))


# A look-up of the journal by id alone reads (and locks) every month's partition: with two
# years live, +7 % of a sale's server instructions (bench_sale_instructions --months 24).
# The sale's replay check, run by every sale, asks ``journal_ids`` instead; only a replay
# then reads its entry, in its own month (the instant prunes the other partitions).
REPLAY_OLD = "(SELECT row_to_json(jr) FROM journal jr WHERE jr.id = p_id),"
REPLAY_NEW = "(SELECT json_build_object('at', k.created_at) FROM journal_ids k WHERE k.id = p_id),"
AFTER_OLD = "     WHERE g.card_id = p_card AND g.remaining <> 0;\n"
AFTER_NEW = AFTER_OLD + """    IF v_replay IS NOT NULL THEN  -- a replay: its entry, from its month only (0020)
        SELECT row_to_json(jr) INTO v_replay FROM journal jr
         WHERE jr.id = p_id AND jr.created_at = (v_replay->>'at')::timestamptz;
    END IF;
"""


def sale_replay_by_month(sql: str) -> str:
    """``tillcard_sale``'s text with its replay check asking ``journal_ids`` first."""
    for old in (REPLAY_OLD, AFTER_OLD):
        if sql.count(old) != 1:
            raise RuntimeError(f"0020: tillcard_sale no longer reads {old.strip()!r}")
    return sql.replace(REPLAY_OLD, REPLAY_NEW).replace(AFTER_OLD, AFTER_NEW)


def _sale_replay_by_month() -> None:
    (definition,) = _rows("SELECT pg_get_functiondef('tillcard_sale'::regproc)")[0]
    op.execute(sale_replay_by_month(definition))


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
