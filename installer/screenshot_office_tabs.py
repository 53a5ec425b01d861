"""Screenshots of the back office's admin tabs: users, the card-type editor, the audit log.

    python installer/screenshot_office_tabs.py resources/screenshots 1366x768 [--language zh_CN]

writes ``office-users-1366x768.png``, ``office-card-type-1366x768.png`` and
``office-audit-1366x768.png`` (``-zh_CN`` before the size in Chinese), signed in as the
demo's admin on a fresh demo database, under Xvfb (``make screenshot``). The editor is
shown over the window, as the admin sees it, with a lunch window that has a count limit
and a fixed price; saving it gives the audit log its first line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtGui import QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402
from screenshot import settle, wait_until  # noqa: E402
from screenshot_office import demo_in, signed_in  # noqa: E402

from tillcard.domain.money import Currency  # noqa: E402
from tillcard.office_app import build_office  # noqa: E402
from tillcard.ui.office.audit_tab import AuditTab  # noqa: E402
from tillcard.ui.office.card_types_tab import CardTypesTab  # noqa: E402
from tillcard.ui.office.users_tab import UsersTab  # noqa: E402


def over(window: QWidget, dialog: QWidget) -> QPixmap:
    """The window with the dialog drawn where it stands on the screen."""
    shot = window.grab()
    painter = QPainter(shot)
    where = dialog.mapToGlobal(QPoint(0, 0)) - window.mapToGlobal(QPoint(0, 0))
    painter.drawPixmap(where, dialog.grab())
    painter.end()
    return shot


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("sizes", nargs="+")
    ap.add_argument("--language", default="en", choices=["en", "zh_CN"])
    args = ap.parse_args()
    app, settings, counter = demo_in(args.language, "tillcard-office-tabs-shot-")
    office = build_office(counter.till.engine, Currency(), place="Canteen North")
    w = office.window
    first_w, first_h = (int(v) for v in args.sizes[0].split("x"))
    w.resize(first_w, first_h)
    w.show()
    if not signed_in(w, "admin"):
        return 1
    users = w.tabs.findChild(UsersTab)
    types = w.tabs.findChild(CardTypesTab)
    audit = w.tabs.findChild(AuditTab)
    assert users is not None
    assert types is not None
    assert audit is not None
    args.folder.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.language == "en" else f"-{args.language}"
    for size in args.sizes:
        width, height = (int(v) for v in size.split("x"))
        w.resize(width, height)
        w.tabs.setCurrentWidget(users)
        wait_until(lambda: users.model.rowCount() > 0)
        users.select_login("cashier")
        settle(app)
        out = args.folder / f"office-users{suffix}-{size}.png"
        w.grab().save(str(out))
        print(out)
        w.tabs.setCurrentWidget(types)
        wait_until(lambda: types.select_code("staff"))
        types.edit_button.click()
        dialog = types.dialog
        assert dialog is not None
        lunch = dialog.windows[0]
        if not lunch.name.text():
            lunch.name.setText("午餐" if args.language == "zh_CN" else "Lunch")
            lunch.start.setText("11:00")
            lunch.end.setText("13:30")
            lunch.count.setValue(1)
            lunch.price.setText("12.00")
        settle(app)
        out = args.folder / f"office-card-type{suffix}-{size}.png"
        over(w, dialog).save(str(out))
        print(out, f"(editor {dialog.width()}x{dialog.height()})")
        dialog.reason.setText("午餐限一次" if args.language == "zh_CN" else "one lunch a day")
        dialog.ok_button.click()
        if not wait_until(lambda d=dialog: not d.isVisible()):
            print(f"the editor did not save: {dialog.message.text()}", file=sys.stderr)
            dialog.reject()
        w.tabs.setCurrentWidget(audit)
        wait_until(lambda: audit.model.rowCount() > 0 and not audit.model.loading)
        audit.table.selectRow(0)
        settle(app)
        out = args.folder / f"office-audit{suffix}-{size}.png"
        w.grab().save(str(out))
        print(out)
    office.close()
    counter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
