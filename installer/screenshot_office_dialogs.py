"""Screenshots of two card-office dialogs over the back office, signed in as the demo's admin.

    python installer/screenshot_office_dialogs.py resources/screenshots 1366x768 [--language zh_CN]

writes ``office-issue-1366x768.png`` (issuing a card, its deposit and fee shown) and
``office-correction-1366x768.png`` (a correction's second confirmation with its amounts),
``office-…-zh_CN-…`` in Chinese, on a fresh demo database under Xvfb: the screen is grabbed
whole, since a dialog is a window of its own. Run it with a screen of the given size
(``xvfb-run -s "-screen 0 1366x768x24"``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshot import settle, wait_until  # noqa: E402
from screenshot_office import demo_in, signed_in  # noqa: E402

from tillcard.domain.money import Currency  # noqa: E402
from tillcard.office_app import Office, build_office  # noqa: E402
from tillcard.services.auth import SecretHasher  # noqa: E402
from tillcard.services.card_office import CardOffice  # noqa: E402
from tillcard.store.office import office_store  # noqa: E402


def shoot(app: QApplication, out: Path, width: int, height: int) -> None:
    settle(app)
    screen = app.primaryScreen()
    screen.grabWindow(0, 0, 0, width, height).save(str(out))
    print(out)


def issue(office: Office) -> None:
    """The issue dialog with a holder typed and the staff type's terms shown."""
    listed = office.window.list_actions
    assert listed is not None
    listed.buttons["issue"].click()
    dlg = listed.dialog
    assert dlg is not None
    wait_until(lambda: dlg.types.count() > 0)  # type: ignore[attr-defined]
    dlg.number.setText("88000123")  # type: ignore[attr-defined]
    dlg.holder.setText("陈洁")  # type: ignore[attr-defined]
    dlg.member_no.setText("S-017")  # type: ignore[attr-defined]
    dlg.phone.setText("138 0000 0001")  # type: ignore[attr-defined]
    dlg.opening.setText("200")  # type: ignore[attr-defined]


def correction(office: Office) -> None:
    """A recharge chosen, a reason given, Continue pressed: the second confirmation."""
    bar, page = office.window.card_actions, office.window.card_page
    assert bar is not None
    assert page is not None
    wait_until(lambda: any(h.kind in ("recharge", "sale") for h in page.history.lines()))
    bar.buttons["correction"].click()
    dlg = bar.dialog
    assert dlg is not None
    dlg.reason.setText("recharged the wrong card")  # type: ignore[attr-defined]
    dlg.submit()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("size")
    ap.add_argument("--language", default="en", choices=["en", "zh_CN"])
    args = ap.parse_args()
    app, settings, counter = demo_in(args.language, "tillcard-office-dialogs-")
    engine = counter.till.engine
    hasher = SecretHasher()
    office = build_office(engine, Currency(), hasher=hasher, place="Canteen North",
                          card_office=CardOffice(office_store(engine, settings.till.id), hasher),
                          till_name=settings.till.name)
    w = office.window
    width, height = (int(v) for v in args.size.split("x"))
    w.resize(width, height)
    w.move(0, 0)
    w.show()
    if not signed_in(w, "admin"):
        return 1
    assert w.card_list is not None
    assert w.card_page is not None
    w.card_list.card_opened.emit(w.card_list.model.line(1).card_id)
    page = w.card_page
    wait_until(lambda: page.file is not None and not page.history.loading)
    args.folder.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.language == "en" else f"-{args.language}"
    for name, show in (("issue", issue), ("correction", correction)):
        actions = w.list_actions if name == "issue" else w.card_actions
        assert actions is not None
        show(office)
        shoot(app, args.folder / f"office-{name}{suffix}-{args.size}.png", width, height)
        if actions.dialog is not None:
            actions.dialog.reject()
        wait_until(lambda a=actions: a.dialog is None)  # type: ignore[misc]
    office.close()
    counter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
