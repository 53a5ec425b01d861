"""Take the README's screenshot: the demo window with a card tapped and an amount keyed."""

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from tillcard.launch import build_demo, demo_settings, qt_app


def wait_until(app: QApplication, cond, timeout_ms: int = 5000) -> None:
    loop = QEventLoop()
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: loop.quit() if cond() else None)
    timer.start()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    timer.stop()


def main(out: str) -> int:
    data = Path(tempfile.mkdtemp(prefix="tillcard-shot-"))
    app = qt_app(demo_settings(data))
    counter = build_demo(data)
    w = counter.window
    w.show()
    assert counter.reader is not None
    staff = next(c for c in counter.cards if c.holder == "张伟")
    counter.reader.tap(staff.uid)
    wait_until(app, lambda: w.card_panel.holder.text() == "张伟")
    for k in ("1", "2", "+", "8", ".", "5", "×", "2"):
        w.flow.press(k)
    w._render()
    wait_until(app, lambda: False, 400)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    ok = w.grab().save(out)
    counter.close()
    print(f"saved {out}" if ok else "could not save")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
