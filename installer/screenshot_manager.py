"""Screenshots of the managers' screens: the live console and a report with its chart.

    python installer/screenshot_manager.py resources/screenshots 1024x768 1366x768 1920x1080 \
        [--language zh_CN]

A generated site (``demo-data``: 8 tills, 30 business days up to today, on SQLite) opened
in the back office as its manager: ``office-live-<size>.png`` (today's feed, figures and
the tills' health, one till silent and one out of paper) and ``office-report-<size>.png``
(sales by hour of day over the month, with its chart). ``-zh_CN`` before the size in
Chinese. Under Xvfb (``make screenshot``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QDate  # noqa: E402
from screenshot import settle, wait_until  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from tillcard.commands.demo_data import DEMO_PASSWORD, run_demo_data  # noqa: E402
from tillcard.config import Settings, UiSettings  # noqa: E402
from tillcard.domain.money import Currency  # noqa: E402
from tillcard.launch import qt_app  # noqa: E402
from tillcard.office_app import build_office  # noqa: E402
from tillcard.store.engine import make_engine  # noqa: E402
from tillcard.store.site import site_rules  # noqa: E402
from tillcard.store.till_health import HEARTBEATS  # noqa: E402
from tillcard.ui.office.live_tab import LiveTab  # noqa: E402
from tillcard.ui.office.reports_tab import ReportsTab  # noqa: E402


def _site(folder: Path) -> str:
    url = str(folder / "site.db")
    until = datetime.now(UTC).date()
    run_demo_data(url, 60_000, 30, 7, 8, until)
    engine = make_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:  # what the tills' heartbeats would have said
        tills = [r[0] for r in conn.execute(text(
            "SELECT DISTINCT till_id FROM journal WHERE kind = 'sale' ORDER BY 1"))]
        for i, till in enumerate(tills):
            seen = now - timedelta(seconds=95 if i == 2 else 3)
            conn.execute(insert(HEARTBEATS).values(
                till_id=till, seen_at=seen, app_version="1.0.0", link_state="online",
                link_since=now - timedelta(hours=3), unsent=0,
                printer="paper out" if i == 4 else "ok", printer_pending=2 if i == 4 else 0,
                reader_ok=True, reader="", beats=1))
    engine.dispose()
    return url


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("sizes", nargs="+")
    ap.add_argument("--language", default="en", choices=["en", "zh_CN"])
    args = ap.parse_args()
    app = qt_app(Settings(ui=UiSettings(language=args.language)))
    url = _site(Path(tempfile.mkdtemp(prefix="tillcard-manager-shot-")))
    engine = make_engine(url)
    with engine.connect() as conn:
        manager = conn.execute(text("SELECT login FROM users WHERE role = 'manager' "
                                    "ORDER BY id LIMIT 1")).scalar_one()
    office = build_office(engine, Currency(), place="Canteen North",
                          language=args.language)
    w = office.window
    first_w, first_h = (int(v) for v in args.sizes[0].split("x"))
    w.resize(first_w, first_h)
    w.show()
    w.sign_in.login.setText(manager)
    w.sign_in.password.setText(DEMO_PASSWORD)
    w.sign_in.button.click()
    if not wait_until(lambda: w.session is not None, 20_000):
        print(f"the back office did not open: {w.sign_in.message.text()}", file=sys.stderr)
        return 1
    live = w.tabs.findChild(LiveTab)
    reports = w.tabs.findChild(ReportsTab)
    assert live is not None
    assert reports is not None
    today = site_rules(engine).clock.business_day(datetime.now(UTC))
    suffix = "" if args.language == "en" else f"-{args.language}"
    args.folder.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        width, height = (int(v) for v in size.split("x"))
        w.resize(width, height)
        w.tabs.setCurrentWidget(live)
        wait_until(lambda: live.model.rowCount() > 0 and live.health_model.rowCount() > 0
                   and live.figures.revenue.text() != "—", 30_000)
        settle(app)
        out = args.folder / f"office-live{suffix}-{size}.png"
        w.grab().save(str(out))
        print(out)
        w.tabs.setCurrentWidget(reports)
        kind = reports.kind
        kind.setCurrentIndex(kind.findData("hourly"))
        reports.first_day.setDate(QDate(today - timedelta(days=29)))
        reports.last_day.setDate(QDate(today))
        reports.run_button.click()
        wait_until(lambda: reports.table.model.rowCount() > 0 and not reports.busy, 20_000)
        settle(app)
        out = args.folder / f"office-report{suffix}-{size}.png"
        w.grab().save(str(out))
        print(out)
    office.close()
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
