"""The one-folder bundle runs on a PC without the venv (installer/, `make dist`).

The bundle tests run only where `make dist` left dist/tillcard (CI does not build it: a
minute of PyInstaller for every run); `make dist-check` runs the same smoke test as a
script. The installer files are checked everywhere, since they drift silently.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "tillcard"
EXE = BUNDLE / ("tillcard.exe" if sys.platform == "win32" else "tillcard")
INTERNAL = BUNDLE / "_internal"
PACKAGE = ROOT / "app" / "tillcard"
INSTALLER = ROOT / "installer"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

needs_bundle = pytest.mark.skipif(not EXE.exists(), reason="no dist/tillcard: run `make dist`")


def _bare(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the bundle as a new PC would: no venv, no PYTHONPATH, not from the repository."""
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", str(cwd))}
    if sys.platform == "win32":
        env["SYSTEMROOT"] = os.environ["SYSTEMROOT"]
    return subprocess.run([str(EXE), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300, check=False)


@needs_bundle
def test_the_bundle_says_the_package_version(tmp_path: Path) -> None:
    done = _bare("--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"tillcard {VERSION}"


@needs_bundle
def test_the_bundle_sells_a_demo_card_and_prints_the_receipt(tmp_path: Path) -> None:
    done = _bare("demo", "--selftest", "--data", str(tmp_path / "demo"), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the receipt printed" in done.stdout
    assert (tmp_path / "demo" / "till.db").is_file()  # migrated by the bundled Alembic


@needs_bundle
def test_the_bundle_carries_every_migration_and_translation() -> None:
    source = PACKAGE / "store" / "migrations"
    bundled = INTERNAL / "tillcard" / "store" / "migrations"
    names = {p.relative_to(source).as_posix() for p in source.rglob("*")
             if p.suffix in {".py", ".mako", ".ini"} and "__pycache__" not in p.parts}
    missing = sorted(n for n in names if not (bundled / n).is_file())
    assert not missing, f"rebuild with `make dist`: the bundle lacks {missing}"
    for qm in (PACKAGE / "resources" / "i18n").glob("*.qm"):
        assert (INTERNAL / "tillcard" / "resources" / "i18n" / qm.name).is_file()
    assert any((INTERNAL / "PySide6").rglob("qtbase_zh_CN.qm"))  # Qt/translations on Linux
    assert (INTERNAL / "escpos" / "capabilities.json").is_file()


def test_the_windows_installer_installs_this_version() -> None:
    iss = (INSTALLER / "tillcard.iss").read_text(encoding="utf-8")
    found = re.search(r'^#define AppVersion "([^"]+)"', iss, re.MULTILINE)
    assert found, "tillcard.iss defines no AppVersion"
    assert found.group(1) == VERSION, "set AppVersion in installer/tillcard.iss"
    assert r'Source: "..\dist\tillcard\*"' in iss  # the one folder `make dist` builds


def test_the_linux_files_name_the_installed_program_and_valid_usb_ids() -> None:
    desktop = (INSTALLER / "linux" / "tillcard.desktop").read_text(encoding="utf-8")
    assert desktop.startswith("[Desktop Entry]\n")
    group = desktop.split("\n[", 1)[0].splitlines()[1:]  # up to the first action
    entry = dict(line.split("=", 1) for line in group if "=" in line)
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "/opt/tillcard/tillcard"
    rules = [line for line in (INSTALLER / "linux" / "60-tillcard-printers.rules")
             .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    vendors = [re.search(r'ATTRS\{idVendor\}=="([0-9a-f]{4})"', r) for r in rules]
    assert rules and all(vendors), "every rule matches a USB vendor id of four hex digits"
    assert "04b8" in {v.group(1) for v in vendors if v}  # Epson
