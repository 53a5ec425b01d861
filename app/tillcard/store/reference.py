"""Reference data: tills, users, card types, holders and cards; card lookup by chip or number."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, text, update

from tillcard.domain.cards import CardStatus, CardType
from tillcard.domain.journal import GENESIS_HASH
from tillcard.domain.meals import MealWindow, check_windows
from tillcard.store.audit import AuditEvent
from tillcard.store.mapping import card_type_from, window_from
from tillcard.store.schema import (
    AuditRow,
    CardRow,
    CardTypeRow,
    HolderRow,
    MealWindowRow,
    SignInGuardRow,
    TillLoginRow,
    TillRow,
    UserRow,
)


@dataclass(frozen=True)
class UserRecord:
    id: int
    login: str
    name: str
    role: str
    password_hash: str
    active: bool
    pin_hash: str | None = None
    staff_uid: str | None = None


@dataclass(frozen=True)
class CardTypeSetup:
    """A card type with what issuing one of its cards costs: a refundable deposit, a fee."""

    card_type: CardType
    deposit: int = 0
    card_fee: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _type_values(ct: CardType) -> dict[str, Any]:
    """A card type's columns but its code (which names it) and its deposit and fee."""
    rr = ct.recharge
    return {
        "name": ct.name, "discount_bp": ct.discount_bp, "per_txn_limit": ct.per_txn_limit,
        "daily_amount_limit": ct.daily_amount_limit,
        "daily_count_limit": ct.daily_count_limit, "pin_above": ct.pin_above,
        "offline_limit": ct.offline_limit, "validity_days": ct.validity_days,
        "bonus_bp": rr.bonus_bp,
        "bonus_tiers": json.dumps([[t.min_amount, t.bonus] for t in rr.tiers]),
        "bonus_expiry_days": rr.bonus_expiry_days, "updated_at": _now(),
        "refuse_outside_windows": ct.refuse_outside_windows,
        "spend_order": ",".join(ct.spend_order), "allowance_reset": ct.allowance_reset,
    }


def _window_values(w: MealWindow) -> dict[str, Any]:
    return {"name": w.name, "start_min": w.start_min, "end_min": w.end_min,
            "count_limit": w.count_limit, "fixed_price": w.fixed_price, "updated_at": _now()}


def _user_record(r: Any) -> UserRecord:
    return UserRecord(r.id, r.login, r.name, r.role, r.password_hash, r.active, r.pin_hash,
                      r.staff_uid)


def _audit(conn: Connection, event: AuditEvent | None) -> None:
    """The audit row of a change, in the change's own transaction: both or neither."""
    if event is not None:
        conn.execute(insert(AuditRow).values(**asdict(event)))


_ADMINS_LOCK = 7_715_001  # pg_advisory_xact_lock key: who the admins are


def _lock_admins(conn: Connection) -> None:
    """Serialise changes to the set of admins (SQLite's BEGIN IMMEDIATE already does).

    Without it two first-run set-ups, or two admins disabling each other, could each see
    the other still there and leave two first admins, or none.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADMINS_LOCK})


class ReferenceStore:
    """Writes and reads of everything that is not money."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def ensure_till(self, till_id: int, name: str, site: str = "") -> None:
        with self._engine.begin() as conn:
            if conn.execute(select(TillRow.id).where(TillRow.id == till_id)).first() is None:
                conn.execute(insert(TillRow).values(id=till_id, name=name, site=site,
                                                    last_seq=0, last_hash=GENESIS_HASH))

    def bind_login(self, till_id: int, login: str) -> None:
        """The database login that writes this till's chain (one login, one till)."""
        with self._engine.begin() as conn:
            if conn.execute(select(TillRow.id).where(TillRow.id == till_id)).first() is None:
                raise ValueError(f"no till {till_id}")
            conn.execute(delete(TillLoginRow).where(TillLoginRow.login == login))
            conn.execute(insert(TillLoginRow).values(login=login, till_id=till_id))

    def add_user(self, login: str, name: str, role: str, password_hash: str, *,
                 pin_hash: str | None = None, staff_uid: str | None = None,
                 audit: AuditEvent | None = None) -> int:
        with self._engine.begin() as conn:
            user_id = self._insert_user(conn, login, name, role, password_hash, pin_hash,
                                        staff_uid)
            _audit(conn, audit)
            return user_id

    def add_first_admin(self, login: str, name: str, password_hash: str, *,
                        pin_hash: str | None = None, staff_uid: str | None = None,
                        audit: AuditEvent | None = None) -> int | None:
        """The first admin, only while there is no admin at all; ``None`` if there is one.

        Checked and written under one lock, so two first-run set-ups cannot both succeed.
        """
        with self._engine.begin() as conn:
            _lock_admins(conn)
            if conn.execute(select(UserRow.id).where(UserRow.role == "admin")
                            .limit(1)).first() is not None:
                return None
            user_id = self._insert_user(conn, login, name, "admin", password_hash, pin_hash,
                                        staff_uid)
            _audit(conn, audit)
            return user_id

    @staticmethod
    def _insert_user(conn: Connection, login: str, name: str, role: str, password_hash: str,
                     pin_hash: str | None, staff_uid: str | None) -> int:
        return int(conn.execute(insert(UserRow).values(
            login=login, name=name, role=role, password_hash=password_hash, active=True,
            pin_hash=pin_hash, staff_uid=staff_uid.upper() if staff_uid else None,
            updated_at=_now()).returning(UserRow.id)).scalar_one())

    def has_admin(self) -> bool:
        """Whether any admin exists, active or not (a disabled one can be enabled again)."""
        with self._engine.connect() as conn:
            return conn.execute(select(UserRow.id).where(UserRow.role == "admin")
                                .limit(1)).first() is not None

    def set_password_hash(self, user_id: int, password_hash: str, *,
                          audit: AuditEvent | None = None) -> None:
        self._update_user(user_id, {"password_hash": password_hash}, audit)

    def set_user_pin_hash(self, user_id: int, pin_hash: str | None, *,
                          audit: AuditEvent | None = None) -> None:
        self._update_user(user_id, {"pin_hash": pin_hash}, audit)

    def set_user_active(self, user_id: int, active: bool, *,
                        audit: AuditEvent | None = None) -> bool:
        """Enable or disable a user; ``False`` (nothing written) if no admin would be left."""
        with self._engine.begin() as conn:
            _lock_admins(conn)
            if not active:
                others = conn.execute(select(func.count()).select_from(UserRow).where(
                    UserRow.role == "admin", UserRow.active.is_(True),
                    UserRow.id != user_id)).scalar_one()
                role = conn.execute(select(UserRow.role).where(
                    UserRow.id == user_id)).scalar_one_or_none()
                if role == "admin" and others == 0:
                    return False
            conn.execute(update(UserRow).where(UserRow.id == user_id).values(
                active=active, updated_at=_now()))
            _audit(conn, audit)
            return True

    def _update_user(self, user_id: int, values: dict[str, Any],
                     audit: AuditEvent | None) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(UserRow).where(UserRow.id == user_id).values(
                **values, updated_at=_now()))
            _audit(conn, audit)

    def user_by_login(self, login: str) -> UserRecord | None:
        return self._user(UserRow.login == login)

    def user(self, user_id: int) -> UserRecord | None:
        return self._user(UserRow.id == user_id)

    def user_by_staff_uid(self, uid: str) -> UserRecord | None:
        return self._user(UserRow.staff_uid == uid.strip().upper())

    def users(self) -> list[UserRecord]:
        with self._engine.connect() as conn:
            return [_user_record(r) for r in conn.execute(
                select(UserRow.__table__).order_by(UserRow.name))]

    def _user(self, where: Any) -> UserRecord | None:
        with self._engine.connect() as conn:
            r = conn.execute(select(UserRow.__table__).where(where)).first()
            return None if r is None else _user_record(r)

    # -- sign-in guard: failures and lockouts, local to this database ------------------

    def locked_until(self, user_id: int) -> datetime | None:
        with self._engine.connect() as conn:
            return conn.execute(select(SignInGuardRow.locked_until).where(
                SignInGuardRow.user_id == user_id)).scalar_one_or_none()

    def add_failure(self, user_id: int, max_failures: int, lock_until: datetime) -> int:
        """One more wrong try; at ``max_failures`` the user is locked until ``lock_until``."""
        with self._engine.begin() as conn:
            row = conn.execute(select(SignInGuardRow.failures).where(
                SignInGuardRow.user_id == user_id)).scalar_one_or_none()
            failures = (row or 0) + 1
            locked = lock_until if failures >= max_failures else None
            if row is None:
                conn.execute(insert(SignInGuardRow).values(user_id=user_id, failures=failures,
                                                           locked_until=locked))
            else:
                conn.execute(update(SignInGuardRow).where(
                    SignInGuardRow.user_id == user_id).values(
                    failures=0 if locked else failures, locked_until=locked))
            return failures

    def clear_failures(self, user_id: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(SignInGuardRow).where(SignInGuardRow.user_id == user_id))

    def card_types(self) -> list[CardType]:
        """Every card type with its meal windows, by code."""
        with self._engine.connect() as conn:
            windows: dict[int, list[MealWindow]] = {}
            for w in conn.execute(select(MealWindowRow.__table__).order_by(
                    MealWindowRow.card_type_id, MealWindowRow.position)):
                windows.setdefault(w.card_type_id, []).append(window_from(w))
            return [card_type_from(r, windows.get(r.id, ())) for r in conn.execute(
                select(CardTypeRow.__table__).order_by(CardTypeRow.code))]

    def card_type_setups(self) -> list[CardTypeSetup]:
        """Every card type with its deposit and fee, by code."""
        types = {t.code: t for t in self.card_types()}
        with self._engine.connect() as conn:
            return [CardTypeSetup(types[r.code], r.deposit, r.card_fee) for r in conn.execute(
                select(CardTypeRow.code, CardTypeRow.deposit, CardTypeRow.card_fee)
                .order_by(CardTypeRow.code)) if r.code in types]

    def add_card_type(self, ct: CardType, *, deposit: int = 0, card_fee: int = 0,
                      audit: AuditEvent | None = None) -> int:
        windows = check_windows(ct.meal_windows)
        with self._engine.begin() as conn:
            type_id = int(conn.execute(insert(CardTypeRow).values(
                code=ct.code, **_type_values(ct), deposit=deposit, card_fee=card_fee,
            ).returning(CardTypeRow.id)).scalar_one())
            if windows:
                conn.execute(insert(MealWindowRow), [
                    {"card_type_id": type_id, "position": i, **_window_values(w)}
                    for i, w in enumerate(windows, start=1)])
            _audit(conn, audit)
            return type_id

    def update_card_type(self, setup: CardTypeSetup, *,
                         audit: AuditEvent | None = None) -> bool:
        """Rewrite the type ``setup.card_type.code`` names; ``False`` if there is none.

        Meal windows are rewritten in place by position (1..5), every one of them, so the
        whole set carries this transaction's id for a till's pull; positions beyond the
        new set are deleted.
        """
        ct = setup.card_type
        windows = check_windows(ct.meal_windows)
        with self._engine.begin() as conn:
            type_id = conn.execute(select(CardTypeRow.id).where(
                CardTypeRow.code == ct.code).with_for_update()).scalar_one_or_none()
            if type_id is None:
                return False
            conn.execute(update(CardTypeRow).where(CardTypeRow.id == type_id).values(
                **_type_values(ct), deposit=setup.deposit, card_fee=setup.card_fee))
            held = set(conn.execute(select(MealWindowRow.position).where(
                MealWindowRow.card_type_id == type_id)).scalars())
            for i, w in enumerate(windows, start=1):
                if i in held:
                    conn.execute(update(MealWindowRow).where(
                        MealWindowRow.card_type_id == type_id,
                        MealWindowRow.position == i).values(**_window_values(w)))
                else:
                    conn.execute(insert(MealWindowRow).values(
                        card_type_id=type_id, position=i, **_window_values(w)))
            if any(pos > len(windows) for pos in held):
                conn.execute(delete(MealWindowRow).where(
                    MealWindowRow.card_type_id == type_id,
                    MealWindowRow.position > len(windows)))
            _audit(conn, audit)
            return True

    def add_holder(self, name: str, staff_no: str = "") -> int:
        with self._engine.begin() as conn:
            return int(conn.execute(insert(HolderRow).values(
                name=name, staff_no=staff_no, updated_at=_now()).returning(HolderRow.id)
            ).scalar_one())

    def add_card(self, number: str, holder_id: int, card_type_id: int, *,
                 uid: str | None = None, status: CardStatus = CardStatus.ACTIVE,
                 valid_until: date | None = None, pin_hash: str | None = None) -> int:
        """A new card with an empty purse; money arrives only through journal entries."""
        now = _now()
        with self._engine.begin() as conn:
            # its empty purse comes from a trigger: nobody needs INSERT on purses
            return int(conn.execute(insert(CardRow).values(
                number=number, uid=uid.upper() if uid else None, holder_id=holder_id,
                card_type_id=card_type_id, status=status.value, valid_until=valid_until,
                pin_hash=pin_hash, pin_failures=0, updated_at=now,
            ).returning(CardRow.id)).scalar_one())

    def set_card_status(self, card_id: int, status: CardStatus) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(CardRow).where(CardRow.id == card_id).values(
                status=status.value, updated_at=_now()))

    def set_pin_failures(self, card_id: int, failures: int) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(CardRow).where(CardRow.id == card_id).values(
                pin_failures=failures, updated_at=_now()))

    def find_card_id(self, token: str) -> int | None:
        """The card a reader's UID or a typed card number belongs to."""
        t = token.strip()
        if not t:
            return None
        with self._engine.connect() as conn:
            return conn.execute(select(CardRow.id).where(
                or_(CardRow.uid == t.upper(), CardRow.number == t))).scalar_one_or_none()

    def card_ids(self) -> list[int]:
        """Cards people hold, without the walk-in card every database carries.

        So an empty list still means "nothing issued yet" and the demo seeds (migration 0010).
        """
        with self._engine.connect() as conn:
            return list(conn.execute(select(CardRow.id).where(CardRow.number != "CASH")
                                     .order_by(CardRow.id)).scalars())
