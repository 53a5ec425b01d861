"""``tillcard users add|passwd|disable|enable|list``: logins and roles for IT.

Same service and permissions as the back office (``services/users.py``): the acting
admin signs in through ``credentials``; new passwords and PINs come from
``TILLCARD_NEW_PASSWORD`` / ``TILLCARD_NEW_PIN`` or are typed twice on a terminal. On a
database with no admin yet, ``users add LOGIN --role admin`` makes the first one without
signing in — the only way in on a fresh site, since nothing ships a default password.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from tillcard.commands.credentials import (
    AdminContext,
    CommandFailed,
    add_db_option,
    admin_db_url,
    read_new_secret,
    run_admin,
)
from tillcard.domain.permissions import Role
from tillcard.services.users import UserAdmin, check_password

NEW_PASSWORD_VAR = "TILLCARD_NEW_PASSWORD"
NEW_PIN_VAR = "TILLCARD_NEW_PIN"


def add_users_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="logins and roles: add, passwd, disable, enable, "
                                         "list (acts as TILLCARD_USER)")
    usub = users.add_subparsers(dest="users_command", required=True)

    add = usub.add_parser("add", help=f"a new user; password from {NEW_PASSWORD_VAR} or "
                                      "typed twice")
    add.add_argument("login", metavar="LOGIN")
    add.add_argument("--name", required=True, help="the person's name, as receipts show it")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--pin", action="store_true",
                     help=f"also a PIN for the tills, from {NEW_PIN_VAR} or typed twice")
    add.add_argument("--staff-card", metavar="UID", help="a staff card's chip UID (hex)")
    add.set_defaults(func=_cmd_add)

    passwd = usub.add_parser("passwd", help=f"a new password from {NEW_PASSWORD_VAR} or "
                                            "typed twice; clears a lockout")
    passwd.add_argument("login", metavar="LOGIN")
    passwd.add_argument("--reason", default="", help="why (kept in the audit log)")
    passwd.set_defaults(func=_cmd_passwd)

    for verb, text in (("disable", "no more sign-ins; the user is kept for the record"),
                       ("enable", "a disabled user may sign in again")):
        p = usub.add_parser(verb, help=text)
        p.add_argument("login", metavar="LOGIN")
        p.add_argument("--reason", default="", help="why (kept in the audit log)")
        p.set_defaults(func=_cmd_disable if verb == "disable" else _cmd_enable)

    lst = usub.add_parser("list", help="every user, disabled ones too")
    lst.add_argument("--json", action="store_true", help="one JSON array on stdout")
    lst.set_defaults(func=_cmd_list)

    for p in (add, passwd, lst, *[usub.choices[v] for v in ("disable", "enable")]):
        add_db_option(p)


def _admin(ctx: AdminContext) -> UserAdmin:
    return UserAdmin(ctx.refs, ctx.hasher)


def _new_password(ctx: AdminContext) -> str:
    password = read_new_secret(ctx, NEW_PASSWORD_VAR, "password")
    check_password(password)  # before a PIN is asked for, and before signing in
    return password


def _cmd_add(args: argparse.Namespace) -> int:
    def body(ctx: AdminContext) -> int:
        admin = _admin(ctx)
        role = Role(args.role)
        first = not admin.has_admin()
        if first and role is not Role.ADMIN:
            raise CommandFailed("this database has no admin yet: add the first one with "
                                "--role admin")
        session = None if first else ctx.sign_in()
        password = _new_password(ctx)
        pin = read_new_secret(ctx, NEW_PIN_VAR, "PIN") if args.pin else None
        if session is None:
            admin.create_first_admin(args.login, args.name, password, pin=pin,
                                     staff_uid=args.staff_card)
            print(f"added {args.login} ({args.name}), the first admin")
        else:
            admin.add(session, args.login, args.name, role, password, pin=pin,
                      staff_uid=args.staff_card)
            print(f"added {args.login} ({args.name}), {role}")
        return 0

    return run_admin("tillcard users add", admin_db_url(args), body)


def _cmd_passwd(args: argparse.Namespace) -> int:
    def body(ctx: AdminContext) -> int:
        session = ctx.sign_in()
        _admin(ctx).change_password(session, args.login, _new_password(ctx),
                                    reason=args.reason)
        print(f"password of {args.login} changed")
        return 0

    return run_admin("tillcard users passwd", admin_db_url(args), body)


def _cmd_disable(args: argparse.Namespace) -> int:
    def body(ctx: AdminContext) -> int:
        done = _admin(ctx).disable(ctx.sign_in(), args.login, reason=args.reason)
        print(f"{args.login} {'disabled' if done else 'was disabled already'}")
        return 0

    return run_admin("tillcard users disable", admin_db_url(args), body)


def _cmd_enable(args: argparse.Namespace) -> int:
    def body(ctx: AdminContext) -> int:
        done = _admin(ctx).enable(ctx.sign_in(), args.login, reason=args.reason)
        print(f"{args.login} {'enabled' if done else 'was active already'}")
        return 0

    return run_admin("tillcard users enable", admin_db_url(args), body)


def _cmd_list(args: argparse.Namespace) -> int:
    def body(ctx: AdminContext) -> int:
        users = _admin(ctx).users(ctx.sign_in())
        if args.json:
            print(json.dumps([asdict(u) for u in users], ensure_ascii=False))
            return 0
        for u in users:
            print(f"{u.login:16s} {u.name:20s} {u.role:8s} "
                  f"{'active' if u.active else 'disabled':9s} "
                  f"pin {'yes' if u.has_pin else 'no ':3s} card {u.staff_uid or '-'}")
        return 0

    return run_admin("tillcard users list", admin_db_url(args), body)
