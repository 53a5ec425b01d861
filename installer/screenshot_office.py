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

from screenshot import settle, wait_until  # noqa: E402

from tillcard.config import UiSettings  # noqa: E402
from tillcard.domain.money import Currency  # noqa: E402
from tillcard.launch import build_demo, demo_settings, qt_app  # noqa: E402
from tillcard.office_app import build_office  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("sizes", nargs="+")
    ap.add_argument("--language", default="en", choices=["en", "zh_CN"])
    args = ap.parse_args()
    data = Path(tempfile.mkdtemp(prefix="tillcard-office-shot-"))
    settings = demo_settings(data)
    settings = settings.model_validate({**settings.model_dump(),
                                        "ui": UiSettings(language=args.language).model_dump()})
    app = qt_app(settings)
    counter = build_demo(data)  # seeds the demo's cards, users and a few entries
    engine = counter.till.engine
    office = build_office(engine, Currency(), place="Canteen North")
    w = office.window
    first_w, first_h = (int(v) for v in args.sizes[0].split("x"))
    w.resize(first_w, first_h)  # the splitter shares the width it has when it is built
    w.show()
    w.sign_in.login.setText("manager")
    w.sign_in.password.setText("manager")
    w.sign_in.button.click()
    if not wait_until(lambda: w.card_list is not None and w.card_list.model.rowCount() > 0):
        print("the back office did not open", file=sys.stderr)
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
