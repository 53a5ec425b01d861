"""The back office's card list, behind the back-office permission.

The list shows holders, phones and balances: personal data a cashier has no business
browsing, so the service asks for ``Permission.BACK_OFFICE`` (managers and admins), not
the screen.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tillcard.domain.permissions import Permission
from tillcard.services.auth import Session
from tillcard.store.card_directory import PAGE, CardDirectory, CardLine, CardPage
from tillcard.store.card_file import CardFile, CardFiles, HistoryLine, HistoryPage

__all__ = ["CardFile", "CardLine", "CardList", "CardPage", "HistoryLine", "HistoryPage"]


class CardList:
    def __init__(self, directory: CardDirectory, files: CardFiles) -> None:
        self._directory = directory
        self._files = files

    def search(self, session: Session, query: str = "", limit: int = PAGE) -> CardPage:
        session.require(Permission.BACK_OFFICE)
        return self._directory.search(query, limit)

    def page(self, session: Session, query: str, after: str, limit: int = PAGE) -> CardPage:
        session.require(Permission.BACK_OFFICE)
        return self._directory.page(query, after, limit)

    def card(self, session: Session, card_id: int) -> CardFile | None:
        session.require(Permission.BACK_OFFICE)
        return self._files.card(card_id)

    def history(self, session: Session, card_id: int,
                before: tuple[datetime, uuid.UUID] | None = None) -> HistoryPage:
        session.require(Permission.BACK_OFFICE)
        return self._files.history(card_id, before)
