"""Screenshots of the back office: signed in as the demo's manager, a card opened.

    python installer/screenshot_office.py resources/screenshots 1366x768 [--language zh_CN]

writes ``office-1366x768.png`` (``office-zh_CN-1366x768.png`` in Chinese), on a fresh demo
database, under Xvfb (``make screenshot``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshot import settle, wait_until  # noqa: E402

from tillcard.config import (
    Settings,  # noqa: E402
    UiSettings,  # noqa: E402
)
from tillcard.domain.money import Currency  # noqa: E402
from tillcard.launch import (  # noqa: E402
    Counter,  # noqa: E402
    build_demo,
    demo_settings,
    qt_app,
)
from tillcard.office_app import build_office  # noqa: E402
from tillcard.ui.office.window import OfficeWindow  # noqa: E402


def demo_in(language: str, prefix: str) -> tuple[QApplication, Settings, Counter]:
    """A fresh demo till (its users, cards and entries) with the screen in ``language``."""
    data = Path(tempfile.mkdtemp(prefix=prefix))
    settings = demo_settings(data)
    settings = settings.model_validate({**settings.model_dump(),
                                        "ui": UiSettings(language=language).model_dump()})
    return qt_app(settings), settings, build_demo(data)


def signed_in(w: OfficeWindow, login: str) -> bool:
    """Sign the demo's ``login`` in (its password is its name); False if it never opens."""
    w.sign_in.login.setText(login)
    w.sign_in.password.setText(login)
    w.sign_in.button.click()
    if wait_until(lambda: w.card_list is not None and w.card_list.model.rowCount() > 0):
        return True
    print("the back office did not open", file=sys.stderr)
    return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("sizes", nargs="+")
    ap.add_argument("--language", default="en", choices=["en", "zh_CN"])
    args = ap.parse_args()
    app, _settings, counter = demo_in(args.language, "tillcard-office-shot-")
    engine = counter.till.engine
    office = build_office(engine, Currency(), place="Canteen North")
    w = office.window
    first_w, first_h = (int(v) for v in args.sizes[0].split("x"))
    w.resize(first_w, first_h)  # the splitter shares the width it has when it is built
    w.show()
    if not signed_in(w, "manager"):
        return 1
    assert w.card_list is not None
    assert w.card_page is not None
    w.card_list.card_opened.emit(w.card_list.model.line(1).card_id)
    page = w.card_page
    wait_until(lambda: page.file is not None and not page.history.loading)
    args.folder.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.language == "en" else f"-{args.language}"
    for size in args.sizes:
        width, height = (int(v) for v in size.split("x"))
        w.resize(width, height)
        w.show()
        settle(app)
        out = args.folder / f"office{suffix}-{size}.png"
        w.grab().save(str(out))
        print(out)
    office.close()
    counter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
