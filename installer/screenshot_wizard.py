"""Screenshots of the first-run wizard: a broken file's page, the database, the printer.

    python installer/screenshot_wizard.py resources/screenshots 1024x768 1366x768 \
        1920x1080 [--language zh_CN]

writes ``wizard-till-<size>.png`` (a configuration whose till number is wrong: the wizard
opens on it with the reason), ``wizard-database-<size>.png`` (central, the server refused
the password) and ``wizard-printer-<size>.png`` (a test page printed on the simulated
printer). ``-zh_CN`` before the size in Chinese. Under Xvfb (``make screenshot``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshot import settle  # noqa: E402

from tillcard.config import ConfigError, Settings, UiSettings, load_settings  # noqa: E402
from tillcard.devices.readers.simulated import SimulatedReader  # noqa: E402
from tillcard.launch import qt_app  # noqa: E402
from tillcard.services.auth import SecretHasher  # noqa: E402
from tillcard.services.setup import (  # noqa: E402
    DbFault,
    Page,
    ReaderList,
    SetupFailed,
    SetupService,
    print_test_page,
)
from tillcard.ui.wizard import SetupWizard  # noqa: E402

REFUSED = ('connection failed: connection to server at "10.0.0.5", port 5432 failed: '
           'FATAL:  password authentication failed for user "tillcard_owner"')


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("sizes", nargs="+")
    ap.add_argument("--language", default="en", choices=["en", "zh_CN"])
    args = ap.parse_args()
    app = qt_app(Settings(ui=UiSettings(language=args.language)))
    bad = Path(tempfile.mkdtemp(prefix="tillcard-wizard-shot-")) / "tillcard.toml"
    bad.write_text('[till]\nid = 0\nname = "Till 2"\nsite = "East canteen 东区食堂"\n',
                   encoding="utf-8")
    try:
        load_settings(bad, env={})
    except ConfigError as exc:
        problem = exc
    else:
        raise SystemExit("the broken file loaded")
    reader = SimulatedReader()
    w = SetupWizard(SetupService(bad, SecretHasher()), problem, open_reader=lambda _u: reader,
                    find_readers=lambda: ReaderList(["ACS ACR122U PICC Interface 00 00"]))
    suffix = "" if args.language == "en" else f"-{args.language}"
    args.folder.mkdir(parents=True, exist_ok=True)
    w.show()
    for size in args.sizes:
        width, height = (int(v) for v in size.split("x"))
        w.resize(width, height)
        w.show_page(Page.TILL)
        settle(app)
        shots = {"till": w.grab()}
        w.show_page(Page.PROFILE)
        profile = w.page(Page.PROFILE)
        profile.central.setChecked(True)  # type: ignore[attr-defined]
        profile.host.setText("db.site.local")  # type: ignore[attr-defined]
        profile.database.setText("tillcard")  # type: ignore[attr-defined]
        profile.user.setText("tillcard_owner")  # type: ignore[attr-defined]
        w.ctx.target = profile._target()  # type: ignore[attr-defined]
        profile._on_failed(SetupFailed(DbFault.WRONG_PASSWORD, REFUSED))  # type: ignore[attr-defined]
        settle(app)
        shots["database"] = w.grab()
        w.show_page(Page.PRINTER)
        printer = w.page(Page.PRINTER)
        printer.uri.setText("simulated")  # type: ignore[attr-defined]
        printer.save(w.ctx.draft)
        printer._on_printed(print_test_page(w.ctx.draft.settings()))  # type: ignore[attr-defined]
        settle(app)
        shots["printer"] = w.grab()
        for name, shot in shots.items():
            out = args.folder / f"wizard-{name}{suffix}-{size}.png"
            shot.save(str(out))
            print(out)
    w.done(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
