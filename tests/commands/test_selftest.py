"""``tillcard --version`` and ``tillcard demo --selftest`` as an installer runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tillcard import __version__


def _tillcard(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TILLCARD_")}
    env.pop("QT_QPA_PLATFORM", None)  # the selftest must choose offscreen by itself
    env.pop("DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "tillcard", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_version(tmp_path: Path) -> None:
    done = _tillcard("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == f"tillcard {__version__}"


def test_selftest_charges_a_card_and_prints_its_receipt(tmp_path: Path) -> None:
    done = _tillcard("demo", "--selftest", "--data", str(tmp_path / "demo"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "selftest: charged 1.00 to 王芳; the receipt printed" in done.stdout
    receipts = (tmp_path / "demo" / "receipts.txt").read_text(encoding="utf-8")
    assert "王芳" in receipts and "1.00" in receipts


def test_selftest_in_chinese_loads_every_catalogue(tmp_path: Path) -> None:
    done = _tillcard("demo", "--selftest", "--language", "zh_CN", "--data",
                     str(tmp_path / "demo"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "selftest: charged 1.00 to 王芳" in done.stdout

