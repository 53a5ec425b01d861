"""Chinese, complete: every string pyside6-lupdate finds is translated, placeholders intact,
and the counter comes up in Chinese under the zh_CN translator."""

from __future__ import annotations

import logging
import re
import shutil
import string
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from tillcard.devices.readers.base import ReaderCode, ReaderState
from tillcard.launch import Counter, build_demo
from tillcard.services.auth import SecretHasher
from tillcard.ui.i18n import install_language, remove_language, translations_dir
from tillcard.ui.keypad_widget import KeypadWidget
from tillcard.ui.texts import reader_state_text, tr

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "app" / "tillcard"
TS = ROOT / "resources" / "i18n" / "tillcard_zh_CN.ts"
CONTEXT = "tillcard"  # what tillcard.ui.texts.tr asks for; lupdate files bare tr() under ""
STAYS_ENGLISH = "Stays English:"  # a translator comment that allows a copied source text
CJK = re.compile(r"[\u4e00-\u9fff]")
QT_PLACEHOLDER = re.compile(r"%L?(?:\d{1,2}|n)")


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    comment: str
    translations: tuple[str, ...]  # one, or one per plural form
    kind: str  # the translation's type: "" when finished, else unfinished / vanished / …
    translator_comment: str

    @property
    def where(self) -> str:
        return f"[{self.context}] {self.source!r}"


def qt_tool(name: str) -> str:
    """A Qt tool PySide6 installs beside this interpreter (``.venv/bin``)."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} not found beside {sys.executable} or on PATH (pip install PySide6)"
    return found


def read_ts(path: Path) -> list[Message]:
    messages = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for m in context.iter("message"):
            t = m.find("translation")
            assert t is not None, f"{path}: {m.findtext('source')!r} has no <translation>"
            forms = [f.text or "" for f in t.iter("numerusform")] or [t.text or ""]
            messages.append(Message(name, m.findtext("source") or "", m.findtext("comment") or "",
                                    tuple(forms), t.get("type", ""),
                                    m.findtext("translatorcomment") or ""))
    return messages


def extracted(tmp_path: Path) -> list[Message]:
    """What pyside6-lupdate finds in app/tillcard now, as the runtime looks it up."""
    out = tmp_path / "extracted.ts"
    files = sorted(str(p) for p in SOURCES.rglob("*.py"))
    run = subprocess.run([qt_tool("pyside6-lupdate"), "-locations", "none", *files,
                          "-ts", str(out)], capture_output=True, text=True, check=False,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return [Message(m.context or CONTEXT, m.source, m.comment, m.translations, m.kind,
                    m.translator_comment) for m in read_ts(out)]


def placeholders(text: str) -> list[str]:
    """``{name}`` fields (str.format, as tr() callers fill them) and Qt's ``%1`` / ``%n``."""
    try:
        fields = [f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
                  for _lit, name, spec, conv in string.Formatter().parse(text)
                  if name is not None]
    except ValueError:  # not a format string: compare its braces literally
        fields = re.findall(r"\{[^{}]*\}", text)
    return sorted(fields + QT_PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def committed() -> dict[tuple[str, str, str], Message]:
    return {(m.context, m.source, m.comment): m for m in read_ts(TS)}


def test_every_string_lupdate_finds_has_a_finished_chinese_translation(
        tmp_path: Path, committed: dict[tuple[str, str, str], Message]):
    """A string added to the ui without its translation fails here, with `make i18n` as the fix.

    Finished means: in the .ts under the context tr() asks for, not marked unfinished,
    and not empty; lrelease -nounfinished would leave anything else English on screen.
    """
    found = extracted(tmp_path)
    assert len(found) > 150  # lupdate really read the ui, not an empty file list
    missing = [m.where for m in found
               if (m.context, m.source, m.comment) not in committed]
    unfinished = [m.where for m in found
                  if (c := committed.get((m.context, m.source, m.comment))) is not None
                  and (c.kind or not all(t.strip() for t in c.translations))]
    assert not missing and not unfinished, (
        f"run `make i18n`, then translate in {TS.relative_to(ROOT)}:\n"
        f"not in the .ts: {missing}\nnot finished: {unfinished}")


def test_translations_keep_every_placeholder(committed: dict[tuple[str, str, str], Message]):
    """``{amount}`` dropped or renamed in Chinese is a wrong sum or a KeyError on screen."""
    wrong = [f"{m.where} -> {t!r}" for m in committed.values() for t in m.translations
             if t and placeholders(t) != placeholders(m.source)]
    assert not wrong, "placeholders dropped or altered:\n" + "\n".join(wrong)


def test_a_copied_source_text_says_why_it_stays_english(
        committed: dict[tuple[str, str, str], Message]):
    """Pasting the English back is how a translation gets 'finished' without being done."""
    def has_words(text: str) -> bool:
        bare = re.sub(r"\{[^{}]*\}|Tillcard", "", text)
        return re.search(r"[A-Za-z]{2,}", bare) is not None

    copied = [m.where for m in committed.values()
              if m.source in m.translations and has_words(m.source)
              and not m.translator_comment.startswith(STAYS_ENGLISH)]
    assert not copied, (f"translate these, or give a translator comment starting "
                        f"{STAYS_ENGLISH!r}: {copied}")


def build_qm(ts: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    qm = folder / f"{ts.stem}.qm"
    run = subprocess.run([qt_tool("pyside6-lrelease"), "-nounfinished", str(ts), "-qm",
                          str(qm)], capture_output=True, text=True, check=False, timeout=60)
    assert run.returncode == 0 and qm.exists(), run.stdout + run.stderr
    return folder


@pytest.fixture
def chinese(qapp: QApplication, tmp_path: Path) -> Iterator[Path]:
    """zh_CN installed from a .qm built now from the .ts; English again afterwards."""
    folder = build_qm(TS, tmp_path / "qm")
    installed = install_language(qapp, "zh_CN", folder=folder)
    try:
        assert installed.complete, installed.missing
        yield folder
    finally:
        remove_language(qapp)


@pytest.fixture
def chinese_counter(chinese: Path, qtbot, tmp_path: Path,
                    hasher: SecretHasher) -> Iterator[Counter]:
    c = build_demo(tmp_path / "demo", hasher=hasher)
    qtbot.addWidget(c.window)
    c.window.show()
    yield c
    c.close()


def texts_in(widget: QWidget) -> list[str]:
    return [w.text() for kind in (QPushButton, QLabel) for w in widget.findChildren(kind)
            if w.isVisible() and w.text()]


def test_the_counter_comes_up_in_chinese(chinese_counter: Counter):
    window = chinese_counter.window
    charge = window.findChild(QPushButton, "charge")
    keypad = window.findChild(KeypadWidget)
    assert charge is not None and keypad is not None
    assert "收款" in charge.text() and "CHARGE" not in charge.text()
    cash = window.findChild(QPushButton, "cash")
    assert cash is not None and "现金" in cash.text()
    keypad_area = keypad.parentWidget()
    assert keypad_area is not None
    shown = texts_in(keypad_area)
    assert len([t for t in shown if CJK.search(t)]) >= 2, shown  # CHARGE and CASH at least
    english = {m.source for m in read_ts(TS) if m.source not in m.translations}
    assert not [t for t in shown if t in english], shown  # no text left as its source


def test_the_reader_s_state_is_worded_in_chinese(chinese_counter: Counter):
    """The status bar's reader line: the device's code, worded by the screen (the device's
    own English sentence stays the tooltip, for the logs and IT)."""
    label = chinese_counter.window.reader_label
    assert "模拟读卡器就绪" in label.text() and "simulated" not in label.text()
    assert label.toolTip() == "simulated reader ready"
    worded = {code: reader_state_text(ReaderState(False, "english", code, "ACR122U"))
              for code in ReaderCode if code is not ReaderCode.OTHER}
    assert all(CJK.search(text) and text != "english" for text in worded.values()), worded
    assert "ACR122U" in worded[ReaderCode.NO_READER]  # the detail kept inside
    assert reader_state_text(ReaderState(False, "odd state")) == "odd state"


def test_qt_standard_buttons_speak_chinese_too(chinese: Path):
    """Qt's own texts (Cancel in a QDialogButtonBox, QMessageBox) come from qtbase_zh_CN."""
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    assert tr("CHARGE") == "收款"


def test_english_again_after_removing_the_language(qapp: QApplication, chinese: Path):
    assert tr("CHARGE") == "收款"
    english = install_language(qapp, "en")
    assert english.loaded == () and english.missing == ()
    assert tr("CHARGE") == "CHARGE"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"


def test_a_missing_qm_warns_and_leaves_the_screen_english(
        qapp: QApplication, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    empty = tmp_path / "no-translations"
    empty.mkdir()
    try:
        with caplog.at_level(logging.WARNING, logger="tillcard.ui.i18n"):
            installed = install_language(qapp, "zh_CN", folder=empty)
        assert installed.missing == ("tillcard_zh_CN",)
        assert installed.loaded == ("qtbase_zh_CN",)
        assert "tillcard_zh_CN.qm is not in" in caplog.text and str(empty) in caplog.text
        assert tr("CHARGE") == "CHARGE"
    finally:
        remove_language(qapp)


def test_installing_twice_keeps_one_set_of_translators(qapp: QApplication, chinese: Path):
    """qt_app may run again (a restart of the window in one process): no pile of copies."""
    install_language(qapp, "zh_CN", folder=chinese)
    ours = [t for t in qapp.findChildren(QTranslator) if t.objectName()]
    assert len(ours) == 2  # tillcard_zh_CN and qtbase_zh_CN
    assert tr("CHARGE") == "收款"


def test_the_package_qm_is_built_from_the_current_ts(chinese: Path):
    """`make translations` ran after the last .ts change: the app loads what the .ts says."""
    built = translations_dir() / "tillcard_zh_CN.qm"
    assert built.exists(), f"{built} missing: run `make translations`"
    fresh, shipped = QTranslator(), QTranslator()
    assert fresh.load(str(chinese / "tillcard_zh_CN.qm")) and shipped.load(str(built))
    stale = [m.source for m in read_ts(TS) if m.kind == ""
             and shipped.translate(CONTEXT, m.source, m.comment or None)
             != fresh.translate(CONTEXT, m.source, m.comment or None)]
    assert not stale, f"{built} is older than the .ts (run `make translations`): {stale}"
