"""Server CPU per quote + sale, counted in instructions: repeatable on a noisy machine.

    python tests/benchmarks/bench_sale_instructions.py [--tree DIR] [--cycles 400]

Wall-clock and CPU-time figures on the shared 2-core machines drift by tens of percent
within minutes; instruction counts do not. This runs PostgreSQL's own backend under
``valgrind --tool=callgrind`` in single-user mode on a private cluster (``initdb`` in a
temporary folder), migrated and seeded by the tree being measured (``--tree``: a checkout
of this repository, e.g. ``git worktree add /tmp/before f6f4cb1``; default: this one),
and feeds it what a till sends per sale — the quote's card read and ``tillcard_sale()``,
both as prepared statements, as ``bench_central.py --ceiling`` does with pgbench — over
16 tills and 200 cards. The backend's instructions for ``--cycles`` cycles less those for
a tenth as many, divided by the difference, is the cost of one cycle without start-up.

Prints instructions per cycle (Ir). Compare two trees by running it on each.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
TILLS, CARDS = 16, 200


def pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if not found:
        raise SystemExit(f"{name} not found (Debian: the postgresql server package)")
    return str(found[0])


def as_owner(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: the cluster's programs run as ``postgres`` then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SEED = textwrap.dedent("""
    import json, re, sys
    from pathlib import Path
    from tillcard.store.engine import make_engine
    from tillcard.store.migrate import upgrade
    from tillcard.commands.bench import CARD_BALANCE
    from tillcard.commands.bench_data import seed_cards
    try:
        from tillcard.store.pg_centre import STATE_SQL
    except ImportError:  # before the centre decided, the module had another name
        from tillcard.store.pg_sale import STATE_SQL
    bench = Path(sys.argv[2], "tests/benchmarks/bench_central.py").read_text()
    call = re.search(r'"SELECT tillcard_sale\\((.*?)\\);', bench, re.S).group(1)
    call = re.sub(r'"\\s*"', "", call)
    engine = make_engine(sys.argv[1])
    upgrade(engine)
    if int(sys.argv[3]):  # a site that keeps that many months live (migration 0020)
        from datetime import UTC, datetime
        from tillcard.store import partitions as p
        y, m = datetime.now(UTC).year, datetime.now(UTC).month
        for _ in range(int(sys.argv[3])):
            y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        since = p.month_of(datetime(y, m, 1, tzinfo=UTC))
        with engine.begin() as conn:
            p.ensure_partitions(conn, since=since)
    ids = seed_cards(engine, CARDS, CARD_BALANCE * 100, TILLS)
    engine.dispose()
    print(json.dumps({"state": STATE_SQL, "call": call, "ids": ids}))
""").replace("CARDS, CARD_BALANCE * 100, TILLS", f"{CARDS}, CARD_BALANCE * 100, {TILLS}")


def prepare(tree: Path, data: Path, user: str, months: int = 0) -> dict[str, object]:
    """A private cluster in ``data``, migrated and seeded by ``tree``; its SQL per cycle."""
    import json

    env = {**os.environ, "PYTHONPATH": str(tree / "app")}
    subprocess.run(as_owner([pg_bin("initdb"), "-D", str(data), "-U", user, "-A", "trust",
                             "--no-sync"]), check=True, capture_output=True)
    port = free_port()
    log = data / "log"
    subprocess.run(as_owner([pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
                             f"-p {port} -k {data} -c listen_addresses=''", "start"]),
                   check=True, capture_output=True)
    try:
        subprocess.run([pg_bin("createdb"), "-h", str(data), "-p", str(port), "-U", user,
                        "bench"], check=True, capture_output=True)
        url = f"postgresql://{user}@/bench?host={data}&port={port}"
        out = subprocess.run([sys.executable, "-c", SEED, url, str(tree), str(months)], env=env,
                             check=True, capture_output=True, text=True).stdout
    finally:
        subprocess.run(as_owner([pg_bin("pg_ctl"), "-D", str(data), "-w", "stop"]),
                       check=True, capture_output=True)
    return dict(json.loads(out.strip().splitlines()[-1]))


def script(sql: dict[str, object], cycles: int) -> str:
    """Prepared statements, then ``cycles`` quote + sale pairs over the tills and cards."""
    ids = list(sql["ids"])  # type: ignore[call-overload]
    state = str(sql["state"]).replace("$1", "$1::bigint")
    call = (str(sql["call"]).replace(":client_id + 1", "$1").replace(":card", "$2")
            .replace(":amt", "$3"))
    lines = [" ".join(f"PREPARE st(bigint) AS {state}".split()),
             " ".join(f"PREPARE sale(integer, bigint, bigint) AS SELECT tillcard_sale({call})"
                      .split())]
    for n in range(cycles):
        card = ids[(n * 7) % len(ids)]
        lines += [f"EXECUTE st({card})",
                  f"EXECUTE sale({n % TILLS + 1}, {card}, {100 + (n * 37) % 1900})"]
    return "\n".join(lines) + "\n"


def instructions(data: Path, user: str, text: str, out: Path) -> int:
    """The backend's total instructions for running ``text`` in single-user mode."""
    subprocess.run(as_owner(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                             pg_bin("postgres"), "--single", "-D", str(data), "-c",
                             "fsync=off", "-c", "synchronous_commit=off", "bench"]),
                   input=text, text=True, check=True, capture_output=True,
                   env={**os.environ, "PGUSER": user})
    found = re.search(r"^summary: (\d+)", out.read_text(), re.M) or re.search(
        r"^totals: (\d+)", out.read_text(), re.M)
    if found is None:
        raise SystemExit(f"no totals in {out}")
    return int(found.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", type=Path, default=HERE)
    ap.add_argument("--cycles", type=int, default=400)
    ap.add_argument("--months", type=int, default=0,
                    help="past months' partitions to create first (a site keeping them "
                         "live; migration 0020)")
    ap.add_argument("--keep", type=Path, help="copy the larger run's callgrind output here "
                    "(read it with callgrind_annotate)")
    args = ap.parse_args()
    if args.cycles < 20:
        ap.error("--cycles must be at least 20")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind not found")
    user = "bench"
    with tempfile.TemporaryDirectory(prefix="tillcard-ir-") as tmp:
        if os.geteuid() == 0:
            shutil.chown(tmp, "postgres")
        data = Path(tmp, "data")
        sql = prepare(args.tree.resolve(), data, user, args.months)
        few = max(args.cycles // 10, 2)
        low = instructions(data, user, script(sql, few), Path(tmp, "few.out"))
        high = instructions(data, user, script(sql, args.cycles), Path(tmp, "many.out"))
        if args.keep:
            shutil.copy(Path(tmp, "many.out"), args.keep)
    per = (high - low) / (args.cycles - few)
    print(f"{args.tree}{f' ({args.months} past months)' if args.months else ''}: "
          f"{per:,.0f} instructions per quote + sale "
          f"({args.cycles} and {few} cycles: {high:,} and {low:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
