"""Importing a card file at a central site: 5,000 rows as a real back office's login.

    python tests/benchmarks/bench_card_import.py [--rows 5000] [--runs 3] [--chunk 1000]
                                                 [--server URL]

Makes a throwaway database on the real PostgreSQL server (migrated as a site's centre,
the roles applied), a ``tillcard_admin`` login bound to the office's till — what a back
office holds, no owner's rights — and an admin user. Each run imports a new file of
``--rows`` cards (Chinese names, a chip UID on two rows in three, an opening balance on
most, a card type with a recharge bonus and one with a deposit) through the service the
command line calls (``CardImporter.run``: decode and check the file, check it against the
database, then issue every card in one transaction of the centre's functions). Prints
each run, the median and the worst; the dry run (checks only) too. ``--chunk`` sets how
many cards go in one statement (1: a round trip per card, for comparison).

Target (issue 15): 5,000 rows in < 10 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import Engine, text, update
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

from tillcard.domain.cards import CardType, RechargeRule  # noqa: E402
from tillcard.domain.permissions import Role  # noqa: E402
from tillcard.services.auth import Session  # noqa: E402
from tillcard.services.card_import import CardImporter  # noqa: E402
from tillcard.store import pg_office  # noqa: E402
from tillcard.store.engine import make_engine  # noqa: E402
from tillcard.store.migrate import upgrade  # noqa: E402
from tillcard.store.office import CardRegister  # noqa: E402
from tillcard.store.reference import ReferenceStore  # noqa: E402
from tillcard.store.roles import create_roles  # noqa: E402
from tillcard.store.schema import CardTypeRow  # noqa: E402
from tillcard.store.scratch import server_url, throwaway_database  # noqa: E402
from tillcard.store.verify import verify  # noqa: E402

OFFICE = 99
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗欧阳"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
HEADER = "card_number,uid,holder_name,member_no,phone,card_type,opening_balance"


def card_file(run: int, rows: int, rng: random.Random) -> bytes:
    """A file as Excel saves it: UTF-8 with a BOM, CRLF line ends."""
    lines = [HEADER]
    for n in range(rows):
        name = rng.choice(FAMILY) + rng.choice(GIVEN) + (rng.choice(GIVEN)
                                                       if rng.random() < 0.5 else "")
        uid = f"{run:02X}{rng.getrandbits(48):012X}" if n % 3 else ""
        phone = f"1{rng.randrange(30, 90)}{rng.randrange(10**8):08d}" if n % 4 else ""
        opening = f"{rng.randrange(0, 50_000) / 100:.2f}" if n % 5 else ""
        kind = "meal" if n % 2 else "staff"
        lines.append(f"R{run}-{n:06d},{uid},{name},M{run}{n:06d},{phone},{kind},{opening}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def prepare(url: str) -> tuple[Engine, str, Session]:
    """The site as its owner sets it up; an engine of the back office's own login."""
    owner = make_engine(url)
    upgrade(owner)
    refs = ReferenceStore(owner)
    refs.ensure_till(OFFICE, "Card office")
    refs.add_card_type(CardType("meal", "Staff meal", recharge=RechargeRule(
        bonus_bp=500, bonus_expiry_days=30)))
    refs.add_card_type(CardType("staff", "Staff"))
    with owner.begin() as conn:
        conn.execute(update(CardTypeRow).where(CardTypeRow.code == "staff").values(
            deposit=2_000))
    admin_id = refs.add_user("bench-admin", "Bench Admin", "admin", "not-a-hash")
    create_roles(owner)
    login = f"benchimport_{uuid.uuid4().hex[:8]}"
    with owner.begin() as conn:
        conn.execute(text(f"CREATE ROLE {login} LOGIN"))
        conn.execute(text(f"GRANT tillcard_admin TO {login}"))
    refs.bind_login(OFFICE, login)
    owner.dispose()
    office = make_engine(make_url(url).set(username=login).render_as_string(
        hide_password=False))
    return office, login, Session(admin_id, "bench-admin", "Bench Admin", Role.ADMIN)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=pg_office.ISSUE_CHUNK,
                    help="cards per statement (1: one round trip per card)")
    ap.add_argument("--server", default=server_url())
    args = ap.parse_args()
    if args.rows < 1 or args.runs < 1 or args.chunk < 1:
        ap.error("--rows, --runs and --chunk must be at least 1")
    pg_office.ISSUE_CHUNK = args.chunk
    rng = random.Random(15)
    with throwaway_database(args.server, "tillcard_bench") as url:
        office, login, admin = prepare(url)
        try:
            importer = CardImporter(pg_office.PgOffice(office, OFFICE), CardRegister(office))
            files = [card_file(run, args.rows, rng) for run in range(args.runs + 1)]
            start = time.perf_counter()
            importer.run(admin, files[0], dry_run=True)
            checked = time.perf_counter() - start
            print(f"dry run (checks only), {args.rows:,} rows: {checked:.2f} s")
            times = []
            for run, data in enumerate(files[1:], start=1):
                start = time.perf_counter()
                report = importer.run(admin, data)
                times.append(time.perf_counter() - start)
                print(f"run {run}: {report.cards:,} cards in {times[-1]:.2f} s "
                      f"({report.cards / times[-1]:,.0f} cards/s)")
            print(f"import of {args.rows:,} rows, {args.chunk} per statement: median "
                  f"{statistics.median(times):.2f} s, worst {max(times):.2f} s "
                  "(target < 10 s)")
        finally:
            office.dispose()
            owner = make_engine(url)
            rep = verify(owner)
            print(f"verify: {'OK' if rep.ok else rep.problems[:3]}, {rep.entries:,} "
                  "entries")
            with owner.begin() as conn:
                conn.execute(text(f"DROP ROLE {login}"))
            owner.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
