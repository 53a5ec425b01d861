"""A till process for the crash tests: one step of work, killable at a named crash point.

    python -m tests.sync.till_proc CONFIG sale CARD AMOUNT      (online sale)
    python -m tests.sync.till_proc CONFIG offline CARD AMOUNT N (N sales, link forced down)
    python -m tests.sync.till_proc CONFIG push BATCH            (settle + back-fill)

With ``TILLCARD_CRASH_AT=<point>`` in the environment the process dies by SIGKILL there.
"""

from __future__ import annotations

import sys
import uuid
from datetime import datetime
from pathlib import Path

from tillcard.bootstrap import central_sync
from tillcard.config import load_settings
from tillcard.store.engine import make_engine
from tillcard.store.ledger import SaleRequest
from tillcard.store.migrate import upgrade
from tillcard.sync.push import push


def main(argv: list[str]) -> int:
    settings = load_settings(Path(argv[0]))
    local = make_engine(str(settings.local_db_path()))
    upgrade(local)
    sync = central_sync(settings, local)
    action = argv[1]
    if action in ("sale", "offline"):
        card, amount = int(argv[2]), int(argv[3])
        if action == "sale":
            sync.probe()
            sync.link.up()
        else:
            sync.link.down("forced by the test")
        for _ in range(int(argv[4]) if action == "offline" else 1):
            out = sync.sale(SaleRequest(uuid.uuid4(), settings.till.id, card, amount,
                                        datetime.now().astimezone()))
            print(out.entry.id if out.entry else out.refusal, flush=True)
    elif action == "push":
        sync.probe()
        print(push(sync.central, sync.cache, batch=int(argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
