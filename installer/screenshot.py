"""Take the README's screenshots: the demo counter with a card shown and an amount keyed.

Run under Xvfb (``make screenshot``); one picture per screen size, e.g.::

    python installer/screenshot.py resources/screenshots 1024x768 1366x768 1920x1080

writes ``cashier-1024x768.png`` and so on (``--language zh_CN``: ``cashier-zh_CN-…``).
``--large-type`` takes them in large type
(``-large`` in the name); ``--state`` picks what the counter shows (``quote``, the
default, or ``collect``: the cash step of a split sale).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from tillcard.config import UiSettings
from tillcard.launch import Counter, build_demo, demo_settings, qt_app


def wait_until(cond: Callable[[], bool], timeout_ms: int = 5000) -> bool:
    """Spin the event loop until ``cond`` holds (True) or the time is up (False)."""
    loop = QEventLoop()
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: loop.quit() if cond() else None)
    timer.start()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    timer.stop()
    return cond()


def settle(app: QApplication) -> None:
    """Let layouts, style sheets and the resize-driven font scale take effect."""
    for _ in range(5):
        app.processEvents()
    wait_until(lambda: False, 300)


def show_sale(counter: Counter, state: str) -> None:
    """Tap a staff card and key an amount; ``collect``: a short card, cash key pressed."""
    assert counter.reader is not None
    w = counter.window
    holder = "刘洋" if state == "collect" else "张伟"
    card = next(c for c in counter.cards if c.holder == holder)
    counter.reader.tap(card.uid)
    if not wait_until(lambda: w.card_panel.holder.text() == holder):
        raise SystemExit(f"the card of {holder} was not shown")
    keys = ("1", "2", "+", "8", ".", "5", "×", "2") if state != "collect" else ("2", "5")
    for k in keys:  # the on-screen keypad, as a cashier's finger would
        w.keypad.buttons[k].click()
    if state == "collect":
        w.cash_button.click()


def shoot(app: QApplication, out_dir: Path, size: str, *, large: bool, state: str,
          language: str = "en") -> Path:
    width, height = (int(v) for v in size.split("x"))
    data = Path(tempfile.mkdtemp(prefix="tillcard-shot-"))
    settings = demo_settings(data)
    settings = settings.model_copy(update={"ui": UiSettings(large_type=large,
                                                            language=language)})
    qt_app(settings)
    counter = build_demo(data, large_type=large)
    try:
        w = counter.window
        w.resize(width, height)
        w.show()
        if not wait_until(lambda: counter.shift is not None and counter.shift.is_open is True):
            raise SystemExit("the demo's shift did not open")
        show_sale(counter, state)
        settle(app)
        lang = "" if language == "en" else f"-{language}"
        name = f"cashier{lang}-{size}" + ("-large" if large else "") + (
            f"-{state}" if state != "quote" else "") + ".png"
        out = out_dir / name
        if not w.grab().save(str(out)):
            raise SystemExit(f"could not save {out}")
        return out
    finally:
        counter.close()


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out_dir", type=Path)
    p.add_argument("sizes", nargs="+", help="WIDTHxHEIGHT")
    p.add_argument("--large-type", action="store_true")
    p.add_argument("--state", choices=("quote", "collect"), default="quote")
    p.add_argument("--language", choices=("en", "zh_CN"), default="en")
    args = p.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    app = qt_app(demo_settings(Path(tempfile.gettempdir())))
    for size in args.sizes:
        out = shoot(app, args.out_dir, size, large=args.large_type, state=args.state,
                    language=args.language)
        print(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
