"""``tillcard office``: the back office's window on the site's database.

The composition root of the back office, as ``launch`` is the till's: it opens the
database the configuration (or ``--db``) names, builds the services on it and shows the
window; the window asks who is there before it shows anything.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from sqlalchemy import Engine

from tillcard.config import Settings
from tillcard.domain.money import Currency
from tillcard.services.auth import AuthService, SecretHasher
from tillcard.services.card_directory import CardList
from tillcard.store.card_directory import CardDirectory
from tillcard.store.card_file import CardFiles
from tillcard.store.reference import ReferenceStore
from tillcard.ui.office.window import OfficeWindow
from tillcard.ui.tasks import TaskRunner


@dataclass
class Office:
    engine: Engine
    window: OfficeWindow
    tasks: TaskRunner

    def close(self) -> None:
        self.window.close()
        self.tasks.shutdown()


def build_office(engine: Engine, currency: Currency, *, hasher: SecretHasher | None = None,
                 place: str = "") -> Office:
    tasks = TaskRunner()
    auth = AuthService(ReferenceStore(engine), hasher or SecretHasher())
    cards = CardList(CardDirectory(engine), CardFiles(engine))
    return Office(engine, OfficeWindow(auth, cards, tasks, currency, place), tasks)


def run_office(url: str, settings: Settings) -> int:
    from tillcard.launch import qt_app
    from tillcard.store.engine import make_engine
    from tillcard.store.migrate import current_revision

    engine = make_engine(url)
    try:
        if current_revision(engine) is None:
            print("tillcard office: the database has no Tillcard tables yet: run "
                  "'tillcard db upgrade' on it first", file=sys.stderr)
            return 1
        app = qt_app(settings)
        office = build_office(engine, Currency(settings.currency.code,
                                               settings.currency.locale),
                              place=settings.till.site)
        office.window.resize(1280, 800)
        office.window.show()
        code = app.exec()
        office.close()
        return code
    finally:
        engine.dispose()
