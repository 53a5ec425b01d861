"""``tillcard sync status|push|pull``: the till's link to the centre, by hand.

For support staff and scripts: what is waiting to be sent, whether the centre answers,
and a way to back-fill or refresh the replica now, without starting the GUI. Exit codes:
0 done, 1 the centre did not answer (nothing is lost: the outbox keeps everything), 2 the
configuration is not the central profile.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tillcard.bootstrap import central_sync
from tillcard.config import ConfigError, Profile, load_settings, source_of
from tillcard.store.local_db import LocalLock, open_local
from tillcard.sync.cache import LAST_PULL_KEY
from tillcard.sync.central import is_link_error, redacted
from tillcard.sync.till_sync import TillSync


def add_sync_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sync", help="the link to the central database: status, push, pull")
    p.add_argument("action", choices=("status", "push", "pull", "reprovision"),
                   help="reprovision: this till's database starts over from the centre's "
                        "copy of its chain (after its file was lost or restored from an old "
                        "backup); the centre records how many unsent sales were lost")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--yes", action="store_true", help="confirm reprovision")
    p.add_argument("--note", default="", help="why (kept in the centre's audit log)")
    p.set_defaults(func=_cmd_sync)


def _open(config: Path | None, *, exclusive: bool) -> tuple[TillSync, LocalLock | None]:
    """The till's sync on its own file; ``exclusive`` for anything that writes it."""
    settings = load_settings(config)
    if settings.profile is not Profile.CENTRAL:
        raise ConfigError(f"{source_of('profile', config)}: profile: 'tillcard sync' "
                          "needs profile = \"central\"")
    path = settings.local_db_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # load_settings checked; this is a race or a read-only disk
        raise ConfigError(f"{source_of('database.local', config)}: database.local: cannot "
                          f"create {path.parent}: {exc.strerror or exc}") from None
    lock = LocalLock(path) if exclusive else None
    if lock is not None:
        lock.acquire()
    try:
        return central_sync(settings, open_local(path, settings.till.id)), lock
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def _cmd_sync(args: argparse.Namespace) -> int:
    if args.action == "reprovision" and not args.yes:
        print("tillcard sync reprovision: add --yes to confirm (this till then trusts the "
              "centre's copy of its chain)", file=sys.stderr)
        return 2
    sync, lock = _open(args.config, exclusive=args.action != "status")
    out: dict[str, Any] = {"till": sync.till_id, "centre": redacted(sync.opts.url)}
    code = 0
    try:
        try:
            sync.probe()
            out["centre_answers"] = True
            if args.action == "reprovision":  # then send what this file holds, once
                out["reprovisioned"] = sync.reprovision(args.note)
            if args.action != "status":
                sync.link.recovering()
                report = sync.cycle(pull_only=args.action == "pull")
                out.update(settled=asdict(report.settled), pushed=asdict(report.pushed),
                           pulled=asdict(report.pulled))
            check = sync.chain_check()
            out["chain"] = {"own_head": check.own and check.own[0],
                            "centre_head": check.centre and check.centre[0],
                            "agrees": check.agrees, "problem": check.problem}
            if not check.agrees:
                code = 1
        except Exception as exc:
            if not is_link_error(exc):
                raise
            out["centre_answers"] = False
            out["error"] = str(exc).splitlines()[0]
            code = 1
        out["outbox"] = sync.cache.counts()
        out["unsent"] = sync.cache.unsent_count()
        out["pull_cursor"] = sync.cache.cursor()
        out["last_pull_at"] = sync.cache.get(LAST_PULL_KEY)
    finally:
        if lock is not None:
            sync.release()
        sync.central.dispose()
        sync.cache.engine.dispose()
        if lock is not None:
            lock.release()
    if args.json:
        print(json.dumps(out, sort_keys=True))
    else:
        _print_human(out)
    return code


def _print_human(out: dict[str, Any]) -> None:
    answers = "answers" if out.get("centre_answers") else f"does not answer ({out.get('error')})"
    print(f"till {out['till']}: centre {out['centre']} {answers}")
    print(f"unsent entries: {out['unsent']}  outbox: "
          + (", ".join(f"{k} {v}" for k, v in sorted(out["outbox"].items())) or "empty"))
    chain = out.get("chain")
    if chain is not None:
        print(f"chain: this till's head {chain['own_head'] or 0}, the centre's "
              f"{chain['centre_head'] or 0}: "
              + ("agree" if chain["agrees"] else f"DISAGREE — {chain['problem']}"))
    for key in ("settled", "pushed", "pulled"):
        if key in out:
            print(f"{key}: " + ", ".join(f"{k} {v}" for k, v in out[key].items()))
    print(f"last pull: {out['last_pull_at'] or 'never'}")
