"""Who may do what: one matrix of roles and permissions, checked in every service.

Buttons may hide what a role cannot do, but the services refuse it either way: a
cashier's session calling an admin service is refused there (``Session.require``).
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"
    ADMIN = "admin"


class Permission(enum.StrEnum):
    SELL = "sell"  # charge cards, cash sales, void the last sale right after it
    OPEN_SHIFT = "open_shift"
    CLOSE_SHIFT = "close_shift"
    X_REPORT = "x_report"
    APPROVE = "approve"  # a manager's PIN: voids of earlier sales, drawer differences
    VOID_EARLIER = "void_earlier"
    RECHARGE = "recharge"
    CARD_OFFICE = "card_office"  # issue, freeze, replace, close cards; PINs; validity
    ALLOWANCE = "allowance"
    CARD_TYPES = "card_types"
    CORRECTIONS = "corrections"
    USERS = "users"
    AUDIT = "audit"  # read the audit log
    REPORTS = "reports"
    BACK_OFFICE = "back_office"  # sign in to the back office at all


_CASHIER = {Permission.SELL, Permission.OPEN_SHIFT, Permission.CLOSE_SHIFT,
            Permission.X_REPORT}
_MANAGER = _CASHIER | {Permission.APPROVE, Permission.VOID_EARLIER, Permission.RECHARGE,
                       Permission.AUDIT, Permission.REPORTS, Permission.BACK_OFFICE}
_ADMIN = _MANAGER | {Permission.CARD_OFFICE, Permission.ALLOWANCE, Permission.CARD_TYPES,
                     Permission.CORRECTIONS, Permission.USERS}

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: frozenset(_CASHIER),
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(_ADMIN),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in MATRIX[role]
