"""The screen's language: Tillcard's own translations and Qt's, installed on the application.

The ``.qm`` files are built from ``resources/i18n/*.ts`` by ``make translations`` (the
build and ``make demo`` / ``make pytest`` do it first); they are build outputs, not in git.
A configured language whose ``.qm`` is missing leaves the screen in English with a
warning in the log: a till that cannot read Chinese still sells.

A language takes effect at the next start. Every window sets its texts once, when it is
built, and none listens for ``QEvent.LanguageChange``; installing another language on a
running till would change only the texts made after it (dialogs opened later), so a
language picked in Settings is written to the file and says "takes effect at restart"
rather than leave a half-translated counter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from tillcard.ui.formats import set_language

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"  # the texts in the code; no translator needed
LANGUAGES = (SOURCE_LANGUAGE, "zh_CN")
OWN = "tillcard"  # tillcard_<language>.qm, from resources/i18n/tillcard_<language>.ts
QT_CATALOGUE = "qtbase"  # Qt's own: standard buttons (OK, Cancel), context menus
_INSTALLED = "tillcard-i18n"  # objectName marking the translators installed here


def translations_dir() -> Path:
    """Where the package keeps its ``.qm`` files (in the source tree and in a bundle)."""
    return Path(str(files("tillcard") / "resources" / "i18n"))


def qt_translations_dir() -> Path:
    """Qt's own ``.qm`` files, shipped with PySide6."""
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


@dataclass(frozen=True)
class InstalledLanguage:
    """What ``install_language`` did: the language and the catalogues it could not find.

    Attributes:
        language: the language asked for.
        loaded: catalogue names installed (``tillcard_zh_CN``, ``qtbase_zh_CN``).
        missing: catalogue names with no file; the screen shows their source texts.
    """

    language: str
    loaded: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing


def install_language(app: QCoreApplication, language: str, *,
                     folder: Path | None = None) -> InstalledLanguage:
    """Install the translators for ``language`` on ``app``, replacing any installed before.

    English (the source language) removes them. Call it before the first window is
    built: texts already on screen stay as they are.

    Args:
        app: the application.
        language: ``en`` or ``zh_CN`` (``ui.language``).
        folder: Tillcard's ``.qm`` files; default: the package's.

    Returns:
        What was installed and what was missing (also logged as a warning).
    """
    remove_language(app)
    set_language(language)
    if language == SOURCE_LANGUAGE:
        return InstalledLanguage(language)
    loaded: list[str] = []
    missing: list[str] = []
    for name, where in ((f"{OWN}_{language}", folder or translations_dir()),
                        (f"{QT_CATALOGUE}_{language}", qt_translations_dir())):
        translator = QTranslator(app)
        translator.setObjectName(_INSTALLED)
        if translator.load(name, str(where)):
            app.installTranslator(translator)
            loaded.append(name)
        else:
            translator.deleteLater()
            missing.append(name)
            log.warning("no %s translation: %s.qm is not in %s, so these texts stay in "
                        "English (build it with `make translations`)", language, name, where)
    return InstalledLanguage(language, tuple(loaded), tuple(missing))


def remove_language(app: QCoreApplication) -> None:
    """Back to the source texts: remove the translators ``install_language`` installed."""
    for translator in app.findChildren(QTranslator, _INSTALLED):
        app.removeTranslator(translator)
        translator.setObjectName("")  # found no more, even before it is deleted
        translator.deleteLater()
