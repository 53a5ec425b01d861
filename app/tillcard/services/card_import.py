"""Cards from a spreadsheet, all or nothing, and every card out to one.

An import is how a site moves from its old system, so a half-done one is the worst
outcome: some holders with cards, some without, and nobody sure which. The whole file is
checked first — the parser's rules (``domain.card_import``), then against the database:
card types that exist, numbers and chip UIDs nobody holds, amounts within the site's
largest — and every problem is named with its spreadsheet row. Only a clean file goes on,
and then as one batch of the card office's own issue (one transaction; the centre's
function at a central site), so opening balances arrive as real recharges in the journal.
A refusal inside the batch (a card issued meanwhile by someone else) undoes all of it and
is named like the rest.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from tillcard.domain.card_import import COLUMNS, CardImport, RowProblem, parse_card_import
from tillcard.domain.money import AmountError, Currency, format_plain
from tillcard.domain.office import IssueRequest, IssueResult, OfficeCode, OfficeRefused
from tillcard.domain.permissions import Permission
from tillcard.services.auth import Session
from tillcard.store.office import BatchRefused, CardRegister, ImportFacts

__all__ = ["EXPORT_COLUMNS", "CardExporter", "CardImporter", "CardIssuer", "ImportRefused",
           "ImportReport"]

# the import's columns first, so an export reads back as an import file
EXPORT_COLUMNS = (*COLUMNS, "status", "valid_until", "deposit", "cash", "bonus",
                  "allowance")

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class CardIssuer(Protocol):
    """The one thing an import asks of the card office's store (``OfficeStore`` has it)."""

    def issue_many(self, user_id: int, batch: Sequence[tuple[uuid.UUID, IssueRequest]],
                   at: datetime) -> list[IssueResult]: ...


class ImportRefused(Exception):  # noqa: N818 (a refusal, not an error)
    """The file cannot be imported as it is; nothing was. ``problems`` names every one."""

    def __init__(self, problems: tuple[RowProblem, ...]) -> None:
        rows = len({p.row for p in problems})
        super().__init__(f"{len(problems)} problem(s) in {rows} row(s): nothing imported")
        self.problems = problems


@dataclass(frozen=True)
class ImportReport:
    cards: int  # cards in the file (issued, or that would be on a dry run)
    opening_total: int  # opening balances, recharged into cash purses
    bonus_total: int  # what the card types' recharge rules granted on them
    deposits: int  # deposits and fees the card types take on issue
    fees: int
    encoding: str
    dry_run: bool


class CardImporter:
    """Cards issued from a file, all or nothing; needs ``Permission.CARD_OFFICE``."""

    def __init__(self, store: CardIssuer, register: CardRegister,
                 currency: Currency | None = None, clock: Clock = _now) -> None:
        self._store = store
        self._register = register
        self._currency = currency or Currency()
        self._clock = clock

    def check(self, session: Session, data: bytes) -> CardImport:
        """The file's rows and every problem, the database's included; writes nothing."""
        session.require(Permission.CARD_OFFICE)
        first = parse_card_import(data, currency=self._currency)
        if any(p.row <= 1 for p in first.problems):  # undecodable, or the header
            return first
        facts = self._register.import_facts(
            [r.card_number for r in first.rows], [r.uid for r in first.rows if r.uid])
        parsed = parse_card_import(data, card_types=facts.card_types,
                                   currency=self._currency, max_minor=facts.max_amount)
        problems = [*parsed.problems, *_in_use(parsed, facts)]
        problems.sort(key=lambda p: (p.row, COLUMNS.index(p.column)
                                     if p.column in COLUMNS else -1))
        return CardImport(parsed.rows, tuple(problems), parsed.encoding)

    def run(self, session: Session, data: bytes, *, dry_run: bool = False) -> ImportReport:
        """Check the file, then issue every card in one transaction (not on a dry run).

        Raises:
            ImportRefused: the file has problems, or the database refused a card; nothing
                was imported.
        """
        checked = self.check(session, data)
        if not checked.ok:
            raise ImportRefused(checked.problems)
        opening = sum(r.opening_balance for r in checked.rows)
        if dry_run:
            return ImportReport(len(checked.rows), opening, 0, 0, 0, checked.encoding, True)
        batch = [(uuid.uuid4(), IssueRequest(
            r.card_number, r.holder_name, r.card_type, uid=r.uid, member_no=r.member_no,
            phone=r.phone, opening_recharge=r.opening_balance)) for r in checked.rows]
        try:
            done = self._store.issue_many(session.user_id, batch, self._clock())
        except BatchRefused as exc:
            row = checked.rows[exc.index].row if exc.index is not None else 0
            raise ImportRefused((RowProblem(row, _column(exc.error), str(exc.error)),)
                                ) from exc
        return ImportReport(len(done), opening, sum(d.bonus for d in done),
                            sum(d.deposit for d in done), sum(d.fee for d in done),
                            checked.encoding, False)


class CardExporter:
    """Every card and its holder out to a spreadsheet; needs ``Permission.CARD_OFFICE``."""

    def __init__(self, register: CardRegister, currency: Currency | None = None) -> None:
        self._register = register
        self._currency = currency or Currency()

    def export(self, session: Session, path: Path) -> int:
        """Every card with its holder, status and balances into ``path``; how many.

        UTF-8 with a BOM, so Excel opens Chinese names right; amounts in major units as
        typed. ``opening_balance`` holds the cash purse (what a re-import would carry
        over: bonus and allowance are not money to move), empty when the card owes.
        Written beside the file first, so a failure never leaves half a file in its place.
        """
        session.require(Permission.CARD_OFFICE)
        part = path.with_name(path.name + ".part")
        count = 0
        try:
            with part.open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(EXPORT_COLUMNS)
                for c in self._register.export_lines():
                    writer.writerow([
                        c.number, c.uid or "", c.holder, c.member_no, c.phone, c.card_type,
                        self._amount(c.cash) if c.cash >= 0 else "", c.status,
                        c.valid_until.isoformat() if c.valid_until else "",
                        self._amount(c.deposit_held), self._amount(c.cash),
                        self._amount(c.bonus), self._amount(c.allowance)])
                    count += 1
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        return count

    def _amount(self, minor: int) -> str:
        return format_plain(minor, self._currency)


def _in_use(parsed: CardImport, facts: ImportFacts) -> list[RowProblem]:
    problems = []
    for r in parsed.rows:
        if r.card_number in facts.numbers_in_use:
            problems.append(RowProblem(r.row, "card_number", f"{r.card_number} is already "
                                       "a card in the database"))
        if r.uid is not None and r.uid in facts.uids_in_use:
            problems.append(RowProblem(r.row, "uid", f"{r.uid} is already a card's chip "
                                       "in the database"))
    return problems


def _column(error: Exception) -> str:
    """The column a refusal from inside the batch is about, where it says."""
    if isinstance(error, AmountError):
        return "opening_balance"
    if isinstance(error, OfficeRefused):
        if error.code is OfficeCode.UNKNOWN_TYPE:
            return "card_type"
        if error.code is OfficeCode.IN_USE:
            return "uid" if "UID" in str(error) else "card_number"
    return ""
