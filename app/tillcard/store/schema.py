"""Tables of the ledger: reference data, purses, bonus grants and the append-only journal."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tillcard.store.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {int: BigInteger, datetime: UtcDateTime}


class SiteRow(Base):
    """The site clock and the one maximum amount; a single row, replicated to every till."""

    __tablename__ = "site"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    day_cutoff_min: Mapped[int] = mapped_column(Integer)
    max_amount: Mapped[int]
    updated_at: Mapped[datetime]
    changed_xid: Mapped[int | None]


class TillRow(Base):
    """A till and the head of its hash chain.

    Only the till's own apply path touches the head; ``last_at`` (its latest entry's time)
    is the earliest a back-filled entry of this till may be dated.
    """

    __tablename__ = "tills"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    site: Mapped[str] = mapped_column(String(80), default="")
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_at: Mapped[datetime | None]


class TillLoginRow(Base):
    """The database login that may write a till's chain (``tills`` is too hot to hold it)."""

    __tablename__ = "till_logins"
    login: Mapped[str] = mapped_column(String(63), primary_key=True)
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"))


class TillLeaseRow(Base):
    """One process per till id (``tillcard_lease``), and what it last said it had not sent.

    Beside ``tills``: a till's row there is rewritten by every sale; a wider one costs
    every sale.
    """

    __tablename__ = "till_leases"
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    host: Mapped[str | None] = mapped_column(String(120))
    until: Mapped[datetime | None]
    reported_unsent: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[datetime | None]


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))  # cashier | manager | admin
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)  # disabled, never deleted
    updated_at: Mapped[datetime]
    changed_xid: Mapped[int | None] = mapped_column(index=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200))  # signs in at a till
    staff_uid: Mapped[str | None] = mapped_column(String(32))  # a staff card's chip

    __table_args__ = (Index("uq_users_staff_uid", "staff_uid", unique=True),)


class SignInGuardRow(Base):
    """Failed sign-ins and lockouts, where they happen; never replicated."""

    __tablename__ = "sign_in_guard"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]


class CardTypeRow(Base):
    __tablename__ = "card_types"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    discount_bp: Mapped[int] = mapped_column(Integer, default=0)
    per_txn_limit: Mapped[int | None]
    daily_amount_limit: Mapped[int | None]
    daily_count_limit: Mapped[int | None] = mapped_column(Integer)
    pin_above: Mapped[int | None]
    offline_limit: Mapped[int | None]
    validity_days: Mapped[int | None] = mapped_column(Integer)
    bonus_bp: Mapped[int] = mapped_column(Integer, default=0)
    bonus_tiers: Mapped[str] = mapped_column(Text, default="[]")  # [[min, bonus], ...]
    bonus_expiry_days: Mapped[int] = mapped_column(Integer, default=30)
    updated_at: Mapped[datetime]
    changed_xid: Mapped[int | None] = mapped_column(index=True)
    refuse_outside_windows: Mapped[bool] = mapped_column(Boolean, default=False)
    spend_order: Mapped[str] = mapped_column(String(40), default="bonus,allowance,cash")
    allowance_reset: Mapped[str] = mapped_column(String(10), default="never")
    deposit: Mapped[int] = mapped_column(default=0, server_default="0")  # refundable
    card_fee: Mapped[int] = mapped_column(default=0, server_default="0")  # kept


class MealWindowRow(Base):
    """A named window of the business day for a card type (breakfast, lunch...)."""

    __tablename__ = "meal_windows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card_type_id: Mapped[int] = mapped_column(ForeignKey("card_types.id"))
    position: Mapped[int] = mapped_column(Integer)  # 1..5
    name: Mapped[str] = mapped_column(String(40))
    start_min: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    end_min: Mapped[int] = mapped_column(Integer)
    count_limit: Mapped[int | None] = mapped_column(Integer)
    fixed_price: Mapped[int | None]
    updated_at: Mapped[datetime]
    changed_xid: Mapped[int | None]

    __table_args__ = (UniqueConstraint("card_type_id", "position",
                                       name="uq_meal_windows_type_position"),)


class HolderRow(Base):
    __tablename__ = "holders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    staff_no: Mapped[str] = mapped_column(String(40), default="")  # member or staff no
    updated_at: Mapped[datetime]
    changed_xid: Mapped[int | None] = mapped_column(index=True)
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")


class CardRow(Base):
    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    uid: Mapped[str | None] = mapped_column(String(32), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("holders.id"))
    card_type_id: Mapped[int] = mapped_column(ForeignKey("card_types.id"))
    status: Mapped[str] = mapped_column(String(16))
    valid_until: Mapped[date | None] = mapped_column(Date)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]
    changed_xid: Mapped[int | None] = mapped_column(index=True)
    # the card office (migration 0013): why it is frozen or lost (shown to the cashier),
    # the deposit it holds (refunded on closing), the card that replaced it (for ever)
    status_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    deposit_held: Mapped[int] = mapped_column(default=0, server_default="0")
    replaced_by: Mapped[int | None] = mapped_column(Integer)


class AllowanceBatchRow(Base):
    """An allowance batch or reset, once per card type, period and kind (idempotent)."""

    __tablename__ = "allowance_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card_type_id: Mapped[int] = mapped_column(ForeignKey("card_types.id"))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    kind: Mapped[str] = mapped_column(String(10))  # grant | reset
    amount: Mapped[int]  # per card (a grant), 0 for a reset
    cards: Mapped[int] = mapped_column(Integer)
    total: Mapped[int]  # signed: a reset takes out
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("card_type_id", "period", "kind",
                                       name="uq_allowance_batches_type_period_kind"),)


class PurseRow(Base):
    """Projection of the journal for one card; the row every debit of that card locks.

    Today's spend lives here too so that limits are checked under the same lock.
    """

    __tablename__ = "purses"
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), primary_key=True)
    cash: Mapped[int] = mapped_column(default=0)
    bonus: Mapped[int] = mapped_column(default=0)
    allowance: Mapped[int] = mapped_column(default=0, server_default="0")
    day: Mapped[date | None] = mapped_column(Date)
    day_amount: Mapped[int] = mapped_column(default=0)
    day_count: Mapped[int] = mapped_column(Integer, default=0)
    # the last counted meal window (domain.meals.MealCounter; migration 0015): its
    # business day, the wall-clock minute of its first sale, the sales in it
    meal_day: Mapped[date | None] = mapped_column(Date)
    meal_minute: Mapped[int | None] = mapped_column(Integer)
    meal_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime]
    # not indexed: every sale rewrites this row, and an indexed column that changes
    # makes the update non-HOT (new index entries each time); a pull scans instead
    changed_xid: Mapped[int | None]
    # bumped by every entry of the card: a till keeps the newest copy it has seen
    version: Mapped[int] = mapped_column(default=0, server_default="0")


class BonusGrantRow(Base):
    __tablename__ = "bonus_grants"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    remaining: Mapped[int]
    expires_on: Mapped[date] = mapped_column(Date)
    origin_entry: Mapped[uuid.UUID] = mapped_column(Uuid)
    # not indexed: every sale rewrites this row, and an indexed column that changes
    # makes the update non-HOT (new index entries each time); a pull scans instead
    changed_xid: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=0, server_default="0")  # the purse's


class JournalRow(Base):
    """Append-only record of every balance change; ``hash`` chains the till's entries."""

    __tablename__ = "journal"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    till_id: Mapped[int] = mapped_column(ForeignKey("tills.id"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"))
    cash_delta: Mapped[int]
    bonus_delta: Mapped[int]
    bonus_parts: Mapped[str] = mapped_column(Text, default="[]")
    allowance_delta: Mapped[int] = mapped_column(default=0, server_default="0")
    grant_id: Mapped[str | None] = mapped_column(String(40))
    grant_amount: Mapped[int] = mapped_column(default=0)
    grant_expires_on: Mapped[date | None] = mapped_column(Date)
    list_amount: Mapped[int] = mapped_column(default=0)
    discount: Mapped[int] = mapped_column(default=0)
    tendered_cash: Mapped[int] = mapped_column(default=0)
    refers_to: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # one void per sale; on PostgreSQL a partial unique index over voids only (0006)
    void_of: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    cashier_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]  # when it happened at the till
    recorded_at: Mapped[datetime]  # when this database recorded it
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("till_id", "seq", name="uq_journal_till_seq"),
        Index("ix_journal_card_created", "card_id", "created_at"),
        Index("ix_journal_created", "created_at"),
    )


class AuditRow(Base):
    """Who did what to a card or user, outside the money path."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str] = mapped_column(Text, default="")
    till_id: Mapped[int | None] = mapped_column(Integer)  # where
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")


class ShiftRow(Base):
    """A till's drawer session; closed, it is frozen and its Z snapshot is what was printed."""

    __tablename__ = "shifts"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    till_id: Mapped[int] = mapped_column(Integer)
    z_no: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime]
    opened_by: Mapped[int] = mapped_column(Integer)
    # the till's own record before and after the shift (journal seq, or outbox n): an
    # entry belongs to exactly one shift, whatever the clock did
    open_mark: Mapped[int]
    close_mark: Mapped[int | None]
    float_counts: Mapped[str] = mapped_column(Text)  # JSON [[denomination, count], ...]
    float_total: Mapped[int]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(Integer)
    counted_total: Mapped[int | None]
    expected: Mapped[int | None]
    difference: Mapped[int | None]
    approved_by: Mapped[int | None] = mapped_column(Integer)
    snapshot: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("till_id", "z_no", name="uq_shifts_till_z"),)


class ExceptionRow(Base):
    """Something a manager must chase, with who, where and how much.

    A back-filled sale that left a card negative, or a sale made offline to a card that
    had been frozen or reported lost meanwhile.
    """

    __tablename__ = "exceptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    till_id: Mapped[int] = mapped_column(Integer)
    card_id: Mapped[int] = mapped_column(Integer, index=True)
    cashier_id: Mapped[int | None] = mapped_column(Integer)
    # negative_balance | sold_while_<status> | bonus_moved_to_cash (amount: what moved)
    kind: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int]  # the card's cash purse after the entry (negative: owed)
    sold_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("entry_id", "kind", name="uq_exceptions_entry_kind"),)


class OutboxRow(Base):
    """A till's own entries and where each stands in its life cycle (till database only).

    ``n`` is the till's local order; the outbox is pushed in that order. ``seq`` and
    ``hash`` are the centre's once the entry is applied there.
    """

    __tablename__ = "outbox"
    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    card_id: Mapped[int] = mapped_column(Integer, index=True)
    cash_delta: Mapped[int]
    bonus_parts: Mapped[str] = mapped_column(Text, default="[]")
    allowance_delta: Mapped[int] = mapped_column(default=0, server_default="0")
    list_amount: Mapped[int] = mapped_column(default=0)
    discount: Mapped[int] = mapped_column(default=0)
    tendered_cash: Mapped[int] = mapped_column(default=0)
    refers_to: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    cashier_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    split_tender: Mapped[bool] = mapped_column(Boolean, default=False)
    sold_offline: Mapped[bool] = mapped_column(Boolean, default=False)  # decided here
    pin_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    seq: Mapped[int | None]
    hash: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class SyncStateRow(Base):
    """Small key/value facts of the till's sync (pull cursor, last successful sync)."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
